"""``vyapari evaluate``: JSON keys, human output, report files, one-line errors with exit 2."""

import json

import pandas as pd
import pytest
from tests.unit.evaluation.curves import NINE_WEEKS, weekly_curve, write_run_dir

from vyapari.cli.main import main

SESSIONS = len(NINE_WEEKS)  # 43: one fill a session in the hand-built run folder
CLOSING = SESSIONS // 2  # fills 1, 3, 5, ... close a trade: +₹150, -₹50, +₹150, ...
TRADE_WIN_RATE_PCT = round(100 * ((CLOSING + 1) // 2) / CLOSING, 4)

KEYS = {
    "weeks",
    "partial_weeks",
    "mean_weekly_return_pct",
    "mean_weekly_net_return_pct",
    "max_drawdown_pct",
    "p95_weekly_drawdown_pct",
    "weekly_win_rate_pct",
    "trade_win_rate_pct",
    "criteria",
    "badge",
    "weekly",
}


def equity_file(tmp_path, weekly=0.01, naive=True, column="timestamp", suffix=".csv"):
    curve = weekly_curve(NINE_WEEKS, weekly)
    stamps = curve.index.tz_localize(None) if naive else curve.index
    frame = pd.DataFrame({column: stamps, "equity": curve.to_numpy()})
    path = tmp_path / f"equity{suffix}"
    if suffix == ".parquet":
        frame.to_parquet(path)
    else:
        if not naive:  # text with a UTC offset, converted to IST on reading
            frame[column] = curve.index.tz_convert("UTC").map(lambda t: t.isoformat())
        frame.to_csv(path, index=False)
    return path


def run_json(capsys, *argv):
    assert main(["evaluate", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("naive", "column", "suffix"),
    [
        (True, "timestamp", ".csv"),
        (False, "timestamp", ".csv"),
        (True, "ts", ".csv"),
        (False, "ts", ".parquet"),
    ],
)
def test_evaluate_equity_json_has_the_documented_keys(tmp_path, capsys, naive, column, suffix):
    path = str(equity_file(tmp_path, 0.01, naive, column, suffix))
    out = run_json(capsys, "--equity", path, "--basis", "net")
    assert set(out) >= KEYS
    assert out["weeks"] == 9 and out["partial_weeks"] == []
    assert out["mean_weekly_net_return_pct"] == pytest.approx(1.0)
    assert out["mean_weekly_return_pct"] is None  # no charges given: gross unknown, not labelled as net
    assert out["criteria"][0]["basis"] == "net (lower bound of gross)"
    assert out["trade_win_rate_pct"] is None
    assert out["badge"] == "green"
    keys = {"name", "basis", "value", "target", "badge", "reason"}
    assert [set(c) for c in out["criteria"]] == [keys] * 3
    assert [c["basis"] for c in out["criteria"][1:]] == ["net", "net"]
    assert out["weekly"][0]["first_session"] == "2025-09-01"


def test_evaluate_respects_targets_from_the_environment(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TARGET_WEEKLY_RETURN_PCT", "5")
    out = run_json(capsys, "--equity", str(equity_file(tmp_path)), "--basis", "net")
    assert out["criteria"][0]["target"] == 5.0 and out["criteria"][0]["badge"] == "red"


def test_evaluate_bad_target_in_the_environment_is_one_line_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TOLERANCE_PCT", "lots")
    assert main(["evaluate", "--equity", str(equity_file(tmp_path)), "--basis", "net"]) == 2
    err = capsys.readouterr().err.strip()
    assert "TOLERANCE_PCT" in err and len(err.splitlines()) == 1


def test_evaluate_exits_0_on_a_red_verdict_and_prints_badges(tmp_path, capsys):
    assert main(["evaluate", "--equity", str(equity_file(tmp_path, weekly=-0.01)), "--basis", "net"]) == 0
    out = capsys.readouterr().out
    assert "mean_weekly_gross_return" in out and "overall: RED" in out


def test_evaluate_a_run_folder_reads_charges_and_trades_and_writes_nothing_without_out(tmp_path, capsys):
    run_dir = tmp_path / "run"
    write_run_dir(run_dir, weekly=0.01, charge=20.0)
    out = run_json(capsys, "--run", str(run_dir))
    assert out["mean_weekly_net_return_pct"] == pytest.approx(1.0)
    assert out["mean_weekly_return_pct"] > out["mean_weekly_net_return_pct"]  # gross adds back charges
    assert out["trade_win_rate_pct"] == TRADE_WIN_RATE_PCT  # opening fills (P&L 0) are not trades
    assert sorted(p.name for p in run_dir.iterdir()) == ["equity.parquet", "summary.json", "trades.parquet"]


def test_evaluate_a_run_folder_with_out_writes_the_report(tmp_path, capsys):
    run_dir, out_dir = tmp_path / "run", tmp_path / "out"
    write_run_dir(run_dir)
    assert main(["evaluate", "--run", str(run_dir), "--out", str(out_dir)]) == 0
    assert "report:" in capsys.readouterr().out
    report = json.loads((out_dir / "report.json").read_text())
    assert report["evaluation"]["badge"] in ("green", "amber", "red")
    assert report["charges_inr"] == {"brokerage": SESSIONS * 10.0, "stt": SESSIONS * 10.0}  # ₹10 each a fill
    assert report["summary"]["strategy"] == "hand_built"
    assert "bootstrap_mean_weekly_gross_return" in report["robustness"]
    html = (out_dir / "report.html").read_text()
    assert all(f'id="plot-{c}"' in html for c in ("equity", "drawdown", "weekly", "charges"))


def test_evaluate_equity_with_a_trades_csv_and_out(tmp_path, capsys):
    run_dir = tmp_path / "run"
    write_run_dir(run_dir)
    trades_csv = tmp_path / "trades.csv"
    trades = pd.read_parquet(run_dir / "trades.parquet")
    trades.assign(ts=trades["ts"].map(lambda t: t.isoformat())).to_csv(trades_csv, index=False)
    argv = [
        "--equity",
        str(run_dir / "equity.parquet"),
        "--trades",
        str(trades_csv),
        "--basis",
        "net",
        "--out",
        str(tmp_path / "o"),
    ]
    out = run_json(capsys, *argv)
    assert out["trade_win_rate_pct"] == TRADE_WIN_RATE_PCT
    assert json.loads((tmp_path / "o" / "report.json").read_text())["charges_inr"]["stt"] == SESSIONS * 10.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("when,equity\n2025-09-01,1\n", "needs columns timestamp (or ts) and equity"),
        ("timestamp,equity\nyesterday,1\ntoday,2\n", "unparseable timestamps"),
        ("timestamp,equity\n2025-09-01 15:29,1\n2025-09-02 15:29+05:30,2\n", "unparseable timestamps"),
        ("timestamp,equity\n2025-09-01 15:29,100\n2025-09-02 15:29,-5\n", "equity must be positive"),
        ("timestamp,equity\n2025-09-01 15:29,100\n2025-09-02 15:29,\n", "equity must be positive"),
        ("timestamp,equity\n2025-09-01 15:29,100\n2025-09-01 15:29,101\n", "duplicate timestamp"),
        ("timestamp,equity\n2025-09-01 15:29,100\n", "at least two points"),
    ],
)
def test_evaluate_bad_files_are_one_line_errors_with_exit_2(tmp_path, capsys, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    assert main(["evaluate", "--equity", str(path), "--basis", "net"]) == 2
    err = capsys.readouterr().err
    assert message in err and str(path) in err
    assert len(err.strip().splitlines()) == 1 and err.startswith("vyapari evaluate: error: ")


def test_evaluate_bad_trades_file_is_one_line_exit_2(tmp_path, capsys):
    trades = tmp_path / "trades.csv"
    trades.write_text("when,charges_inr\n2025-09-01,1\n")
    assert main(["evaluate", "--equity", str(equity_file(tmp_path)), "--trades", str(trades),
                 "--basis", "net"]) == 2
    err = capsys.readouterr().err
    assert "needs a ts column" in err and str(trades) in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--equity", "{tmp}/nope.csv"], "no such file"),
        (["--run", "{tmp}/nowhere"], "no such folder"),
        (["--run", "{tmp}", "--trades", "{tmp}/t.csv"], "--trades: only with --equity"),
    ],
)
def test_evaluate_missing_inputs_exit_2(tmp_path, capsys, argv, message):
    assert main(["evaluate", *[a.format(tmp=tmp_path) for a in argv]]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_evaluate_run_folder_without_equity_names_the_file(tmp_path, capsys):
    assert main(["evaluate", "--run", str(tmp_path)]) == 2
    assert f"{tmp_path / 'equity.parquet'}: no such file" in capsys.readouterr().err


def test_evaluate_refuses_an_equity_file_that_does_not_say_gross_or_net(tmp_path, capsys):
    path = equity_file(tmp_path)
    assert main(["evaluate", "--equity", str(path)]) == 2
    err = capsys.readouterr().err
    assert "--basis gross or --basis net" in err and str(path) in err


def test_evaluate_labels_gross_and_net_from_named_columns(tmp_path, capsys):
    net = weekly_curve(NINE_WEEKS, 0.01)
    gross = net + pd.Series(range(len(net)), index=net.index, dtype=float) * 50.0  # charges paid so far
    path = tmp_path / "both.csv"
    pd.DataFrame({"ts": net.index, "net_equity": net.to_numpy(), "gross_equity": gross.to_numpy()}).to_csv(
        path, index=False)
    out = run_json(capsys, "--equity", str(path))
    assert out["mean_weekly_net_return_pct"] == pytest.approx(1.0)
    assert out["mean_weekly_gross_return_pct"] > out["mean_weekly_net_return_pct"]
    assert [c["basis"] for c in out["criteria"]] == ["gross", "net", "net"]
    assert all(w["gross_return_pct"] > w["net_return_pct"] for w in out["weekly"][1:])


def test_a_gross_curve_needs_the_charges_to_judge_drawdowns_on_net(tmp_path, capsys):
    path = equity_file(tmp_path)
    assert main(["evaluate", "--equity", str(path), "--basis", "gross"]) == 2
    assert "charges_inr" in capsys.readouterr().err
