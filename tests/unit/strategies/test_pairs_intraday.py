"""Pairs trades MIS: short legs are intraday only, squared off by 15:20 IST, on both engine paths."""

from __future__ import annotations

import numpy as np
import pytest
from tests.unit.strategies.test_reference_strategies import CAL, pair_frames

from vyapari.backtest.config import BacktestConfig
from vyapari.backtest.engine import run_backtest
from vyapari.core.time_arrays import minute_of_day_ist
from vyapari.execution.limits import SQUAREOFF_MINUTE
from vyapari.model.enums import ProductType, Segment
from vyapari.strategies import make_strategy
from vyapari.strategy.panel import build_panel

PARAMS = {"formation_sessions": 2, "hedge_window": 200, "z_window": 60, "entry_z": 2.0, "exit_z": 0.5}


@pytest.mark.parametrize("path", ["vector", "event"])
def test_pairs_is_intraday_and_never_carries_a_short_overnight(path: str) -> None:
    panel = build_panel(pair_frames(shock_at=375 * 3 + 100, n_sessions=5), CAL.session_bounds)
    strategy = make_strategy("pairs", PARAMS)
    assert strategy.product is ProductType.MIS
    result = run_backtest(strategy, panel, BacktestConfig(fees="zerodha", path=path))
    assert result.summary["segment"] == Segment.INTRADAY.value
    trades = result.trades_frame()
    assert (trades["side"] == "SELL").any() and result.positions.min() < 0  # a short leg was held
    late = minute_of_day_ist(panel.ts) >= SQUAREOFF_MINUTE
    held_late = result.positions[late]
    assert not held_late.any(), "a position is open at or after 15:20 IST"
    session_end = np.r_[panel.session[1:] != panel.session[:-1], True]
    assert not result.positions[session_end].any(), "a position is carried overnight"
    orders = result.orders_frame()
    minute = orders["ts"].dt.hour * 60 + orders["ts"].dt.minute
    assert orders[(orders["kind"] == "strategy") & (minute >= SQUAREOFF_MINUTE)].empty


def test_pairs_gives_the_same_result_on_both_engine_paths() -> None:
    panel = build_panel(pair_frames(shock_at=375 * 3 + 100, n_sessions=5), CAL.session_bounds)
    vec = run_backtest(make_strategy("pairs", PARAMS), panel, BacktestConfig(fees="zerodha"))
    evt = run_backtest(make_strategy("pairs", PARAMS), panel, BacktestConfig(fees="zerodha", path="event"))
    assert vec.path == "vector" and evt.path == "event"
    assert vec.fills.qty.tolist() == evt.fills.qty.tolist()
    assert vec.summary["final_equity_inr"] == evt.summary["final_equity_inr"]
