import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from vyapari.cli.main import main
from vyapari.strategy.synthetic import random_walk_panel


@pytest.fixture(scope="module")
def bar_folder(tmp_path_factory) -> Path:
    panel = random_walk_panel(3, 3, seed=4, end=pd.Timestamp("2025-10-01").date())
    folder = tmp_path_factory.mktemp("bars")
    for n, symbol in enumerate(panel.symbols):
        frame = panel.symbol_frame(symbol)
        if n == 0:  # one CSV with naive timestamps meaning IST, the others Parquet
            frame.assign(ts=frame["ts"].dt.tz_localize(None)).to_csv(folder / f"{symbol}.csv", index=False)
        else:
            frame.to_parquet(folder / f"{symbol}.parquet")
    return folder


def test_backtest_cli_writes_results_and_prints_json_summary(bar_folder, tmp_path, capsys):
    out = tmp_path / "run"
    code = main(
        [
            "backtest",
            "--strategy",
            "sma_cross",
            "--params",
            '{"fast": 5, "slow": 20}',
            "--data",
            str(bar_folder),
            "--start",
            "2025-09-01",
            "--end",
            "2025-09-30",
            "--fees",
            "zerodha",
            "--segment",
            "intraday",
            "--capital",
            "1000000",
            "--out",
            str(out),
            "--json",
        ]
    )
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    for key in ("bars", "orders", "fills", "pnl_inr", "charges_inr", "final_equity_inr", "statistics"):
        assert key in summary
    assert summary["bars"] == 3 * 3 * 375
    assert summary["fills"] > 0 and summary["charges_inr"] > 0
    assert summary["segment"] == "intraday"
    assert round(summary["final_equity_inr"] - 1_000_000, 2) == summary["pnl_inr"]
    for key in ("sharpe", "sortino", "max_drawdown", "win_rate", "profit_factor", "turnover", "exposure"):
        assert key in summary["statistics"]
    trades = pq.read_table(out / "trades.parquet").to_pandas()
    assert len(trades) == summary["fills"]
    assert {"stt_inr", "gst_inr", "stamp_duty_inr", "charges_inr"} <= set(trades.columns)
    assert (out / "equity.parquet").exists() and (out / "summary.json").exists()
    report = json.loads((out / "report.json").read_text())
    assert report["summary"] == summary and report["evaluation"]["badge"] in ("green", "amber", "red")
    assert "plot-equity" in (out / "report.html").read_text()
    assert json.loads((out / "summary.json").read_text()) == summary


def test_backtest_cli_same_inputs_give_identical_files(bar_folder, tmp_path):
    for name in ("a", "b"):
        assert (
            main(
                [
                    "backtest",
                    "--strategy",
                    "sma_cross",
                    "--data",
                    str(bar_folder),
                    "--fees",
                    "bps:5",
                    "--out",
                    str(tmp_path / name),
                    "--json",
                ]
            )
            == 0
        )
    for f in ("trades.parquet", "equity.parquet", "summary.json"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--params", "{not json"], "--params: not valid JSON"),
        (["--params", '{"fast": 50, "slow": 20}'], "fast (50) must be shorter than slow (20)"),
        (["--params", '{"speed": 3}'], "sma_cross has no parameter(s) speed"),
        (["--fees", "robinhood"], "robinhood"),
        (["--slippage", "bps:x"], "--slippage"),
        (["--capital", "-5"], "--capital"),
        (["--start", "2025-13-01"], "--start"),
    ],
)
def test_backtest_cli_bad_input_is_one_line_and_exit_2(bar_folder, capsys, args, message):
    code = main(["backtest", "--strategy", "sma_cross", "--data", str(bar_folder), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_backtest_cli_names_the_symbol_and_time_of_bad_data(tmp_path, capsys):
    frame = pd.DataFrame(
        {
            "ts": ["2025-09-10 09:16:00", "2025-09-10 09:15:00"],
            "open": [1.0, 1.0],
            "high": [1.0, 1.0],
            "low": [1.0, 1.0],
            "close": [1.0, 1.0],
            "volume": [1, 1],
        }
    )
    frame.to_csv(tmp_path / "XYZ.csv", index=False)
    code = main(["backtest", "--strategy", "sma_cross", "--data", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "XYZ" in err and "2025-09-10" in err


def test_backtest_console_script_runs_as_a_process(bar_folder, tmp_path):
    exe = Path(sys.executable).parent / "vyapari"
    proc = subprocess.run(
        [
            str(exe),
            "backtest",
            "--strategy",
            "sma_cross_bar",
            "--data",
            str(bar_folder),
            "--fees",
            "upstox",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["path"] == "event"
