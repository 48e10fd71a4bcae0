"""Settings: flags > environment > .env in the working directory > defaults, in real subprocesses;
`vyapari config show` says where each value came from and masks secrets."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SETTINGS_VARS = ("BROKER", "PAPER_FEES", "PAPER_INITIAL_CAPITAL", "KITE_API_KEY", "KITE_API_SECRET",
                 "UPSTOX_API_SECRET", "TARGET_WEEKLY_RETURN_PCT")  # fmt: skip


def _run(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARS}
    return subprocess.run(
        [sys.executable, "-m", "vyapari.cli.main", *args],
        capture_output=True, text=True, check=False, timeout=120, cwd=cwd, env={**clean, **env},
    )  # fmt: skip


def _show(cwd: Path, *flags: str, **env: str) -> dict[str, dict[str, str]]:
    proc = _run(cwd, "config", "show", "--json", *flags, **env)
    assert proc.returncode == 0, proc.stderr
    return {row["name"]: row for row in json.loads(proc.stdout)}


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / ".env").write_text(
        "# as .env.sample\nBROKER=upstox\nPAPER_FEES=zerodha\nPAPER_INITIAL_CAPITAL=500000\n"
        "KITE_API_KEY=kite-key-123\nKITE_API_SECRET=\n",
        encoding="utf-8",
    )
    return tmp_path


def test_flag_beats_environment_beats_dotenv_beats_default(work: Path) -> None:
    rows = _show(work, "--broker", "paper", BROKER="zerodha", PAPER_FEES="none")
    assert (rows["BROKER"]["value"], rows["BROKER"]["source"]) == ("paper", "flag")
    assert (rows["PAPER_FEES"]["value"], rows["PAPER_FEES"]["source"]) == ("none", "env")
    capital = rows["PAPER_INITIAL_CAPITAL"]
    assert (capital["value"], capital["source"]) == ("500000", ".env")
    assert (rows["PAPER_SLIPPAGE_BPS"]["value"], rows["PAPER_SLIPPAGE_BPS"]["source"]) == ("", "default")
    rows = _show(work, BROKER="zerodha")
    assert (rows["BROKER"]["value"], rows["BROKER"]["source"]) == ("zerodha", "env")
    rows = _show(work)
    assert (rows["BROKER"]["value"], rows["BROKER"]["source"]) == ("upstox", ".env")
    rows = _show(work.parent)  # no .env there
    assert (rows["BROKER"]["value"], rows["BROKER"]["source"]) == ("paper", "default")


def test_secrets_are_masked_in_json_and_table(work: Path) -> None:
    rows = _show(work, UPSTOX_API_SECRET="upstox-secret-xyz")
    assert rows["KITE_API_KEY"] == {"name": "KITE_API_KEY", "value": "********", "source": ".env"}
    assert rows["UPSTOX_API_SECRET"]["value"] == "********" and rows["UPSTOX_API_SECRET"]["source"] == "env"
    assert rows["KITE_API_SECRET"]["value"] == ""  # empty in .env: nothing to hide, shown empty
    table = _run(work, "config", "show", UPSTOX_API_SECRET="upstox-secret-xyz")
    assert table.returncode == 0, table.stderr
    for secret in ("kite-key-123", "upstox-secret-xyz"):
        assert secret not in table.stdout and secret not in table.stderr
    assert "BROKER" in table.stdout and "upstox" in table.stdout


def test_a_command_reads_dotenv_and_the_environment_beats_it(work: Path) -> None:
    """`vyapari evaluate` takes its weekly target from .env, unless the environment sets it."""
    import pandas as pd

    ts = pd.date_range("2026-01-05 09:15", periods=5 * 15, freq="D", tz="Asia/Kolkata")
    pd.DataFrame({"ts": ts, "equity": [1_000_000 + 500 * i for i in range(len(ts))]}).to_csv(
        work / "equity.csv", index=False
    )
    (work / ".env").write_text("TARGET_WEEKLY_RETURN_PCT=7.5\n", encoding="utf-8")

    def target() -> float:
        proc = _run(work, "evaluate", "--equity", "equity.csv", "--basis", "net", "--json", **extra)
        assert proc.returncode in (0, 1), proc.stderr
        verdict = json.loads(proc.stdout)
        return next(c["target"] for c in verdict["criteria"] if c["name"] == "mean_weekly_gross_return")

    extra: dict[str, str] = {}
    assert target() == 7.5
    extra = {"TARGET_WEEKLY_RETURN_PCT": "2.5"}
    assert target() == 2.5


def test_the_shown_paper_defaults_are_the_ones_a_paper_broker_uses() -> None:
    """`vyapari config show` lists the paper defaults; they are the backtest's (one set for both)."""
    from decimal import Decimal

    from vyapari.brokers.paper.config import paper_config_from_env
    from vyapari.cli.settings import VyapariSettings

    shown = VyapariSettings()
    from_defaults = paper_config_from_env({})
    from_shown = paper_config_from_env({
        "PAPER_INITIAL_CAPITAL": shown.paper_initial_capital, "PAPER_FEES": shown.paper_fees,
        "PAPER_SLIPPAGE_BPS": shown.paper_slippage_bps, "PAPER_COMMISSION_BPS": shown.paper_commission_bps,
    })
    assert from_shown == from_defaults
    assert from_defaults.initial_capital == Decimal("1000000")


def test_every_shown_default_is_the_one_the_sdk_applies() -> None:
    """`vyapari config show` lists a default for each setting; handing those values to the sdk
    explicitly must build the same broker, risk and target configurations as the sdk's own defaults."""
    from vyapari.brokers.upstox.config import upstox_config_from_env
    from vyapari.brokers.zerodha.config import kite_config_from_env
    from vyapari.cli.settings import VyapariSettings
    from vyapari.evaluation.criteria import TargetCriteria
    from vyapari.live.risk import risk_limits_from_env

    shown = {name.upper(): str(field.default) for name, field in VyapariSettings.model_fields.items()
             if str(field.default) != ""}  # fmt: skip
    assert {"KITE_API_ROOT", "UPSTOX_WS_URL", "KITE_TIMEOUT_S", "TARGET_WEEKLY_RETURN_PCT"} <= set(shown)
    keys = {"KITE_API_KEY": "k", "KITE_API_SECRET": "s", "UPSTOX_API_KEY": "k", "UPSTOX_API_SECRET": "s"}
    builders = (kite_config_from_env, upstox_config_from_env, risk_limits_from_env, TargetCriteria.from_env)
    for build in builders:
        assert build({**shown, **keys}) == build(keys), build.__qualname__
