"""Per-bar (event-path) strategies read split-adjusted history: a split is no signal.

On the raw prices of a 5:1 split the close falls 5× at the ex-date, which crosses any moving
average; ``sma_cross_bar`` (its own ``on_bar``) must not trade on it, and must give the fills of
the vectorised ``sma_cross`` on the array path, split included. Fills stay as traded.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest
from tests.unit.backtest.bt_helpers import split_panel

from vyapari.backtest.config import BacktestConfig
from vyapari.backtest.engine import run_backtest
from vyapari.backtest.results import BacktestResult
from vyapari.strategies.sma_cross import SmaCross, SmaCrossPerBar
from vyapari.strategy.context import StrategyContext
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.strategy import Strategy


def _ex_row(panel: BarPanel) -> int:
    return int(np.flatnonzero(panel.session == 1)[0])


def _fills(result: BacktestResult) -> list[tuple[int, int, int, float]]:
    f = result.fills
    return list(zip(f.t.tolist(), f.n.tolist(), f.qty.tolist(), f.price.tolist(), strict=True))


def test_a_per_bar_strategy_matches_the_array_path_across_a_split() -> None:
    panel = split_panel()
    event = run_backtest(SmaCrossPerBar(5, 20, 10), panel, BacktestConfig(path="event"))
    vector = run_backtest(SmaCross(5, 20, 10), panel, BacktestConfig(path="vector"))
    assert (event.path, vector.path) == ("event", "vector")
    ex = _ex_row(panel)
    assert event.positions[ex - 1 : ex + 1, 0].tolist() == [10, 50]  # held across the split
    assert len(_fills(event)) > 4
    assert _fills(event) == _fills(vector)
    assert event.equity[-1] == pytest.approx(vector.equity[-1], abs=1e-6)


def test_the_split_is_no_signal_but_would_be_on_raw_prices() -> None:
    panel = split_panel()
    ex = _ex_row(panel)
    settled = run_backtest(SmaCrossPerBar(5, 20, 10), panel, BacktestConfig(path="event"))
    assert ex not in settled.fills.t[settled.fills.n == 0].tolist()
    bare = panel.with_arrays(share_ratio=np.empty((0, 0)), cash_per_share=np.empty((0, 0)))
    raw = run_backtest(SmaCrossPerBar(5, 20, 10), bare, BacktestConfig(path="event"))
    sold = raw.fills.t[(raw.fills.n == 0) & (raw.fills.qty < 0)].tolist()
    assert ex + 1 in sold  # the control: the raw 5× drop crosses the averages, a sell fills next bar


class _Recorder(Strategy):
    """Records the close history and the as-traded close it sees at one slice."""

    name: ClassVar[str] = "recorder"

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at = at
        self.seen: tuple[np.ndarray, np.ndarray, float, float] | None = None

    def on_bar(self, ctx: StrategyContext) -> None:
        if ctx.bar_index == self.at:
            self.seen = (ctx.history("close", 3)[:, 0].copy(), ctx.history("volume", 2)[:, 0].copy(),
                         float(ctx.close[0]), float(ctx.split_factor[0]))


def test_history_is_in_todays_shares_and_the_current_bar_as_traded() -> None:
    panel = split_panel()
    ex = _ex_row(panel)
    recorder = _Recorder(ex)
    run_backtest(recorder, panel, BacktestConfig(path="event"))
    assert recorder.seen is not None
    closes, volumes, close_now, factor = recorder.seen
    raw = panel.close[ex - 2 : ex + 1, 0]
    np.testing.assert_allclose(closes, [raw[0] / 5, raw[1] / 5, raw[2]])
    assert close_now == raw[2] and factor == 5.0
    np.testing.assert_allclose(volumes, [panel.volume[ex - 1, 0] * 5, panel.volume[ex, 0]])
