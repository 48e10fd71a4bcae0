"""No silent nothing: a run that can only trade nothing for lack of volume is refused by name, every
order that did not fill says why (identically on both engine paths), the summary counts orders by
status and reason, and a run whose orders mostly did not fill says so on the terminal."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.unit.data.official_layouts import shared_data_dir

from vyapari.backtest.config import BacktestConfig
from vyapari.backtest.engine import run_backtest
from vyapari.backtest.order_status import NO_VOLUME, PART_VOLUME
from vyapari.cli.main import main
from vyapari.costs import VolumeShareSlippage
from vyapari.strategies import make_strategy
from vyapari.strategy.synthetic import random_walk_panel

YAHOO = shared_data_dir() / "nifty_1min_yahoo" / "nifty_1min.csv"


def _write_folder(folder: Path, panel, volume: np.ndarray | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    ts = panel.timestamps()
    for n, s in enumerate(panel.symbols):
        cols = {c: getattr(panel, c)[:, n] for c in ("open", "high", "low", "close", "volume")}
        if volume is not None:
            cols["volume"] = volume[:, n]
        pd.DataFrame({"ts": ts, **cols}).to_parquet(folder / f"{s}.parquet")
    return folder


@pytest.fixture
def real_index_folder(tmp_path: Path) -> Path:
    if not YAHOO.is_file():
        pytest.skip("real NIFTY minute file ../shared/data/nifty_1min_yahoo is absent (see its README)")
    raw = pd.read_csv(YAHOO, skiprows=3, header=None, names=["ts", "close", "high", "low", "open", "volume"])
    ts = pd.to_datetime(raw["ts"], utc=True).dt.tz_convert("Asia/Kolkata")
    frame = raw.assign(ts=ts)[["ts", "open", "high", "low", "close", "volume"]]
    assert (frame["volume"] == 0).all()  # index bars carry no volume
    (tmp_path / "nifty").mkdir()
    frame.to_parquet(tmp_path / "nifty" / "NIFTY50.parquet")
    return tmp_path / "nifty"


def test_vwap_reversion_refuses_real_index_bars_without_volume(
        real_index_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["backtest", "--strategy", "vwap_reversion", "--data", str(real_index_folder), "--json"])
    err = capsys.readouterr().err
    assert code != 0
    assert "vwap_reversion needs traded volume" in err and "NIFTY50" in err


def test_volume_slippage_refuses_real_index_bars_without_volume(
        real_index_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["backtest", "--strategy", "sma_cross", "--params", '{"fast": 5, "slow": 20}',
                 "--data", str(real_index_folder), "--slippage", "volume", "--json"])
    err = capsys.readouterr().err
    assert code != 0
    assert "--slippage" in err and "NIFTY50" in err and "zero volume" in err


def _thin_panel():
    """Two symbols, volume zero on every other bar and small elsewhere: volume caps bite."""
    panel = random_walk_panel(2, 2, seed=3)
    volume = np.full(panel.volume.shape, 400.0)
    volume[::2] = 0.0
    return panel, volume


@pytest.mark.parametrize("path", ["vector", "event"])
def test_every_unfilled_order_carries_a_reason_on_both_paths(path: str) -> None:
    panel, volume = _thin_panel()
    panel = panel.with_arrays(volume=volume)
    config = BacktestConfig(fees="zerodha", slippage=VolumeShareSlippage(), path=path)
    result = run_backtest(make_strategy("sma_cross", {"fast": 3, "slow": 8, "qty": 50}), panel, config)
    orders = result.orders_frame()
    unfilled = orders[orders["status"] != "FILLED"]
    assert len(unfilled) > 0
    assert (unfilled["reason"] != "").all()
    assert set(unfilled["reason"]) & {NO_VOLUME, PART_VOLUME}
    summary = result.summary
    assert sum(summary["orders_by_status"].values()) == summary["orders"] == len(orders)
    assert summary["orders_by_reason"] == unfilled["reason"].value_counts().sort_index().to_dict()


def test_both_paths_give_the_same_reasons() -> None:
    panel, volume = _thin_panel()
    panel = panel.with_arrays(volume=volume)
    frames = []
    for path in ("vector", "event"):
        config = BacktestConfig(fees="zerodha", slippage=VolumeShareSlippage(), path=path)
        result = run_backtest(make_strategy("sma_cross", {"fast": 3, "slow": 8, "qty": 50}), panel, config)
        frames.append(result.orders_frame()[["status", "reason", "filled_quantity"]])
    pd.testing.assert_frame_equal(frames[0], frames[1])


def test_a_run_whose_orders_were_mostly_rejected_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    folder = _write_folder(tmp_path / "bars", random_walk_panel(2, 2, seed=3))
    code = main(["backtest", "--strategy", "sma_cross", "--params", '{"fast": 3, "slow": 8, "qty": 100000}',
                 "--data", str(folder), "--capital", "1000", "--out", str(tmp_path / "run")])
    captured = capsys.readouterr()
    assert code == 0
    assert "orders did not fill in full" in captured.err and "insufficient buying power" in captured.err
    assert "orders_by_status" in captured.out
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["orders_by_reason"]["insufficient buying power"] > summary["orders"] // 2
