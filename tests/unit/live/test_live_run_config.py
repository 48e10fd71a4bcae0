"""The live run's configuration: the CLI and the Fargate entrypoint read equal inputs into equal
configs, and a bad value is refused at the edge with an error naming the field."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from functions.live_service.__main__ import main as service_main
from functions.live_service.__main__ import parse as service_parse

from vyapari.cli.live import live_command
from vyapari.cli.main import build_parser
from vyapari.cli.main import main as cli_main
from vyapari.core.errors import InvalidInput
from vyapari.live.config import LiveCommand, LiveRunConfig

ENV = {
    "BROKER": "paper", "PAPER_FEES": "bps", "PAPER_COMMISSION_BPS": "2", "PAPER_SLIPPAGE_BPS": "5",
    "PAPER_INITIAL_CAPITAL": "500000", "RISK_MAX_POSITION": "300", "DAILY_LOSS_LIMIT_INR": "20000",
    "VYAPARI_SECRETS_FILE": "secrets.json", "KITE_API_KEY": "key-from-env",
}
ARGVS = {
    "replay": ["live", "--strategy", "sma_cross_bar", "--params", '{"fast": 5, "slow": 20}', "--replay",
               "day", "--date", "2026-01-05", "--speed", "600", "--run-id", "desk1", "--no-record"],
    "stream": ["live", "--strategy", "vwap_reversion", "--symbols", "infy, reliance", "--lake", "lake",
               "--ready-at", "2026-01-05T08:45:00+05:30", "--record-ticks", "--capital", "250000"],
    "zerodha": ["live", "--broker", "zerodha", "--strategy", "sma_cross_bar", "--symbols", "INFY",
                "--skip-ready", "--fees", "upstox"],
    "kill": ["live", "kill", "--reason", "desk"],
}


def _cli(argv: list[str], state: Path) -> LiveCommand:
    """What ``vyapari live`` runs with: its flags over the process environment and ``.env``."""
    return live_command(build_parser("live").parse_args([*argv, "--state-dir", str(state)]))


@pytest.mark.parametrize("case", sorted(ARGVS))
def test_the_cli_and_the_entrypoint_read_equal_inputs_into_equal_configs(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here: the process environment is the only source
    for name in list(__import__("os").environ):
        if name.startswith(("BROKER", "PAPER_", "KITE_", "UPSTOX_", "RISK_", "DAILY_LOSS", "VYAPARI_")):
            monkeypatch.delenv(name)
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    state = tmp_path / "state"
    from_cli = _cli(ARGVS[case], state)
    from_service = service_parse([*ARGVS[case], "--state-dir", str(state)], dict(ENV))
    assert from_cli == from_service
    if from_cli.run is not None:
        assert from_cli.run.settings == from_service.run.settings  # type: ignore[union-attr]


def test_a_config_carries_the_validated_settings_with_the_flags_on_top(tmp_path: Path) -> None:
    command = service_parse([*ARGVS["stream"], "--state-dir", str(tmp_path)], ENV)
    config = command.run
    assert config is not None and command.record_mode == "paper"
    assert config.symbols == ("INFY", "RELIANCE") and config.speed is None
    assert config.ready_at == datetime.fromisoformat("2026-01-05T08:45:00+05:30")
    assert config.paper is not None and config.paper.initial_capital == Decimal("250000")  # --capital wins
    assert config.engine_capital_inr == 250_000.0
    assert config.limits.max_position == 300 and config.limits.max_daily_loss_inr == Decimal("20000")
    assert config.checks_readiness and config.record and config.record_ticks
    assert "key-from-env" not in repr(config)  # the settings stay out of logs
    zerodha = service_parse([*ARGVS["zerodha"], "--state-dir", str(tmp_path)], ENV).run
    assert zerodha is not None and zerodha.paper is None and zerodha.engine_fees == "upstox"
    replay = service_parse([*ARGVS["replay"], "--state-dir", str(tmp_path)], ENV).run
    assert replay is not None and replay.session_date == date(2026, 1, 5) and replay.speed == 600.0
    assert not replay.checks_readiness and not replay.record and replay.run_id == "desk1"
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.strategy = "other"  # type: ignore[misc]


def _valid(**changes: object) -> dict[str, object]:
    values: dict[str, object] = {"strategy": "sma_cross_bar", "state_dir": Path("state"),
                                 "settings": {"BROKER": "paper"}, "symbols": ("INFY",)}
    return {**values, **changes}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"strategy": " "}, "strategy"),
        ({"params": ["fast", 5]}, "params"),
        ({"speed": 0.0}, "speed"),
        ({"speed": float("nan")}, "speed"),
        ({"symbols": None}, "symbols"),
        ({"symbols": ("infy",)}, "symbols"),
        ({"session_date": date(2026, 1, 5)}, "session_date"),
        ({"ready_at": datetime(2026, 1, 5, 8, 45)}, "ready_at"),
        ({"capital_inr": -1.0}, "capital_inr"),
        ({"run_id": ""}, "run_id"),
        ({"settings": {"BROKER": "robinhood"}}, "BROKER"),
        ({"settings": {"PAPER_INITIAL_CAPITAL": "lots"}}, "PAPER_INITIAL_CAPITAL"),
        ({"settings": {"PAPER_FEES": "free"}}, "PAPER_FEES"),
        ({"settings": {"DAILY_LOSS_LIMIT_INR": "-5"}}, "DAILY_LOSS_LIMIT_INR"),
        ({"feed": "bloomberg"}, "feed"),
    ],
)
def test_an_invalid_config_is_refused_naming_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        LiveRunConfig(**_valid(**changes))  # type: ignore[arg-type]
    assert field in refused.value.field


def test_the_cli_and_the_entrypoint_refuse_a_bad_flag_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["live", "--strategy", "sma_cross_bar", "--replay", str(tmp_path), "--speed", "fast",
            "--state-dir", str(tmp_path / "state")]
    assert cli_main(argv) == 2
    assert "speed: must be max or a positive number, got 'fast'" in capsys.readouterr().err
    env = {"ORDER_STATE_TABLE": "t", "VYAPARI_SECRETS_PREFIX": "vyapari/test/"}
    assert service_main(argv, env=env) == 2
    assert "speed: must be max or a positive number, got 'fast'" in capsys.readouterr().err
    assert not (tmp_path / "state").exists()  # refused before anything was written
