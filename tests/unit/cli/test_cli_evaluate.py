import json
from datetime import date

import pandas as pd
import pytest

from vyapari.cli.main import main
from vyapari.market.calendar import get_calendar
from vyapari.model.enums import Exchange


def equity_csv(tmp_path, weekly=0.01, naive=True):
    days = [s.session_date for s in get_calendar(Exchange.NSE).sessions(date(2025, 9, 1), date(2025, 10, 31))]
    ts = [pd.Timestamp(d) + pd.Timedelta(hours=15, minutes=29) for d in days]
    values = [1_000_000 * (1 + weekly) ** (i / 5) for i in range(len(days))]
    frame = pd.DataFrame({"timestamp": ts, "equity": values})
    if not naive:
        frame["timestamp"] = frame["timestamp"].dt.tz_localize("Asia/Kolkata").map(lambda t: t.isoformat())
    path = tmp_path / "equity.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("naive", [True, False])
def test_evaluate_equity_json_has_the_documented_keys(tmp_path, capsys, naive):
    assert main(["evaluate", "--equity", str(equity_csv(tmp_path, naive=naive)), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in (
        "weeks",
        "mean_weekly_return_pct",
        "max_drawdown_pct",
        "p95_weekly_drawdown_pct",
        "weekly_win_rate_pct",
        "criteria",
        "badge",
    ):
        assert key in out
    assert out["badge"] in ("green", "amber", "red")
    assert {"name", "value", "target", "badge", "reason"} <= set(out["criteria"][0])
    assert out["weeks"] >= 7


def test_evaluate_respects_targets_from_the_environment(tmp_path, capsys, monkeypatch):
    path = equity_csv(tmp_path, weekly=0.01)
    monkeypatch.setenv("TARGET_WEEKLY_RETURN_PCT", "5")
    assert main(["evaluate", "--equity", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["criteria"][0]["target"] == 5.0 and out["criteria"][0]["badge"] == "red"


def test_evaluate_a_backtest_run_folder_writes_the_report(tmp_path, capsys):
    from vyapari.backtest.config import BacktestConfig
    from vyapari.backtest.engine import run_backtest
    from vyapari.strategies.sma_cross import SmaCross
    from vyapari.strategy.synthetic import random_walk_panel

    run_dir = tmp_path / "run"
    run_backtest(SmaCross(5, 20), random_walk_panel(3, 15, seed=2), BacktestConfig(fees="zerodha")).write(
        run_dir
    )
    assert main(["evaluate", "--run", str(run_dir), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["weeks"] >= 2
    report = json.loads((run_dir / "report.json").read_text())
    assert report["evaluation"]["badge"] == out["badge"]
    assert report["charges_inr"]["stt"] > 0
    assert "bootstrap_mean_weekly_gross_return" in report["robustness"]
    assert "plot-equity" in (run_dir / "report.html").read_text()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("when,equity\n2025-09-01,1\n", "needs columns timestamp"),
        ("timestamp,equity\nyesterday,1\ntoday,2\n", "unparseable timestamps"),
        ("timestamp,equity\n2025-09-01 15:29,100\n2025-09-02 15:29,-5\n", "equity must be positive"),
    ],
)
def test_evaluate_bad_files_are_one_line_errors_with_exit_2(tmp_path, capsys, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    assert main(["evaluate", "--equity", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and str(path) in err
    assert len(err.strip().splitlines()) == 1


def test_evaluate_missing_file_exit_2(tmp_path, capsys):
    assert main(["evaluate", "--equity", str(tmp_path / "nope.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
