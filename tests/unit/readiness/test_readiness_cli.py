"""``vyapari ready``: exit 0 when ready, 1 when a check fails, 2 on bad input; JSON report."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from vyapari.cli import main as cli_main
from vyapari.data import layout
from vyapari.data.storage import LocalObjectStore
from vyapari.live.store import SqliteOrderStateStore

AT = "2026-01-05T08:45:00+05:30"


@pytest.fixture(autouse=True)
def _registered(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(cli_main.COMMANDS, "ready", ("ready", "Pre-open trading-day readiness check"))
    monkeypatch.delenv("REGISTERED_EGRESS_IP", raising=False)
    monkeypatch.setenv("VYAPARI_SECRETS_FILE", str(tmp_path / "secrets.json"))


def _lake_and_state(tmp_path: Path) -> tuple[Path, Path]:
    lake, state = tmp_path / "lake", tmp_path / "state"
    LocalObjectStore(lake).put(layout.day_key("daily_bars", "NSE", date(2026, 1, 2)), b"parquet")
    SqliteOrderStateStore(state / "orders.sqlite").close()
    return lake, state


def test_ready_paper_exits_zero_with_json_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lake, state = _lake_and_state(tmp_path)
    code = cli_main.main(["ready", "--broker", "paper", "--lake", str(lake), "--state-dir", str(state),
                          "--at", AT, "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["ready"] is True and report["errors"] == []


def test_ready_on_a_holiday_exits_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lake, state = _lake_and_state(tmp_path)
    code = cli_main.main(["ready", "--broker", "paper", "--lake", str(lake), "--state-dir", str(state),
                          "--at", "2026-01-26T08:45:00+05:30"])
    out = capsys.readouterr().out
    assert code == 1 and "[NotASession]" in out and "NOT READY" in out


def test_ready_zerodha_without_login_or_ip_setting_exits_one(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    lake, state = _lake_and_state(tmp_path)
    code = cli_main.main(["ready", "--broker", "zerodha", "--lake", str(lake), "--state-dir", str(state),
                          "--at", AT, "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert {"SessionExpired", "IpNotRegistered", "InstrumentsStale"} <= set(report["errors"])


def test_ready_without_state_dir_reads_the_live_default_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No --state-dir: .vyapari-live in the working directory, as `vyapari live` writes it; before any
    live run the kill switch is off and the check passes, once one engaged it the check fails."""
    from vyapari.live.risk import engage_kill_switch

    lake, _ = _lake_and_state(tmp_path)
    monkeypatch.chdir(tmp_path)
    argv = ["ready", "--broker", "paper", "--lake", str(lake), "--at", AT, "--json"]
    assert cli_main.main(argv) == 0 and json.loads(capsys.readouterr().out)["ready"] is True
    store = SqliteOrderStateStore(tmp_path / ".vyapari-live" / "orders.sqlite")
    engage_kill_switch(store, "drill")
    store.close()
    assert cli_main.main(argv) == 1
    assert json.loads(capsys.readouterr().out)["errors"] == ["KillSwitchEngaged"]


def test_ready_bad_risk_limit_setting_fails_the_risk_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    lake, state = _lake_and_state(tmp_path)
    monkeypatch.setenv("RISK_MAX_ORDER_VALUE_INR", "lots")
    code = cli_main.main(["ready", "--broker", "paper", "--lake", str(lake), "--state-dir", str(state),
                          "--at", AT, "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and report["errors"] == ["RiskLimitsMissing"]
    risk = next(c for c in report["checks"] if c["name"] == "risk")
    assert "RISK_MAX_ORDER_VALUE_INR" in risk["reason"]


BAD = [["ready", "--broker", "ibkr"], ["ready", "--broker", "paper", "--at", "09:15"]]


@pytest.mark.parametrize("argv", BAD)
def test_ready_bad_input_exits_two(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main.main(argv) == 2
    assert "error" in capsys.readouterr().err
