"""The tear sheet's benchmark: NIFTY 50 read from the lake when it has the index, else none."""

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from vyapari.cli.main import main
from vyapari.data.lake import Lake
from vyapari.evaluation.benchmark import lake_benchmark
from vyapari.strategy.synthetic import random_walk_panel


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    root = tmp_path_factory.mktemp("lake")
    panel = random_walk_panel(3, 6, seed=4, end=date(2025, 10, 1))
    lake = Lake.at(root)
    for symbol in panel.symbols[:2]:
        lake.write_minute_bars("NSE", symbol, panel.symbol_frame(symbol))
    index = panel.symbol_frame(panel.symbols[2])  # a third walk stands in for the index
    lake.write_minute_bars("NSE", "NIFTY", index)
    return root, panel, index


def test_lake_benchmark_is_the_index_last_close_of_each_session(lake):
    root, panel, index = lake
    dates = panel.session_dates
    closes = lake_benchmark(root, "NSE", dates[0].astype(object), dates[-1].astype(object))
    ts = pd.DatetimeIndex(index["ts"]).tz_convert("Asia/Kolkata")
    expected = index.groupby(ts.date)["close"].last()
    assert closes is not None and len(closes) == len(dates) == len(expected)
    np.testing.assert_allclose(closes.to_numpy(), expected.to_numpy())
    assert lake_benchmark(root, "BSE", dates[0].astype(object), dates[-1].astype(object)) is None


def test_backtest_report_shows_the_lake_benchmark_with_beta_and_alpha(lake, tmp_path):
    root, panel, _ = lake
    start, end = panel.session_dates[0].astype(object), panel.session_dates[-1].astype(object)
    out = tmp_path / "run"
    code = main(["backtest", "--strategy", "sma_cross", "--params", '{"fast": 5, "slow": 20, "qty": 5}',
                 "--lake", str(root), "--symbols", ",".join(panel.symbols[:2]), "--start", str(start),
                 "--end", str(end), "--out", str(out), "--json"])
    assert code == 0
    doc = json.loads((out / "report.json").read_text())
    bench = doc["benchmark"]
    # returns on the sessions after the first (the index has no close before the run to start from)
    assert bench["name"] == "NIFTY 50" and bench["sessions"] == len(panel.session_dates) - 1
    assert bench["beta"] is not None and doc["statistics"]["beta"] == bench["beta"]
    html = (out / "report.html").read_text()
    assert "Benchmark: NIFTY 50" in html and "NIFTY 50 (scaled to the capital" in html
