"""The event loop leaves the cyclic garbage collector as it found it, whether the run ends or fails."""

from __future__ import annotations

import gc
from typing import ClassVar

import pytest

from vyapari.backtest.config import BacktestConfig
from vyapari.backtest.event_loop import EventLoopEngine
from vyapari.core.errors import StrategyError
from vyapari.strategies.sma_cross import SmaCrossPerBar
from vyapari.strategy.context import StrategyContext
from vyapari.strategy.synthetic import random_walk_panel


class FailsLate(SmaCrossPerBar):
    """sma_cross_bar that raises after the loop has frozen its records once (4,096 slices)."""

    name: ClassVar[str] = "fails_late"

    def on_bar(self, ctx: StrategyContext) -> None:
        if ctx.bar_index == 4_100:
            raise RuntimeError("boom")
        super().on_bar(ctx)


def test_a_long_run_unfreezes_what_it_froze() -> None:
    panel = random_walk_panel(2, 12, seed=5)  # 4,500 slices: past one settle
    assert panel.shape[0] > 4_096 and gc.get_freeze_count() == 0
    engine = EventLoopEngine(SmaCrossPerBar(5, 20, 10), panel, BacktestConfig(fees="none"))
    result = engine.run()
    assert result.summary["fills"] > 0
    assert gc.get_freeze_count() == 0


def test_a_failing_run_unfreezes_too() -> None:
    panel = random_walk_panel(2, 12, seed=5)
    engine = EventLoopEngine(FailsLate(5, 20, 10), panel, BacktestConfig(fees="none"))
    with pytest.raises(StrategyError, match="boom"):
        engine.run()
    assert gc.get_freeze_count() == 0


def test_a_process_that_froze_objects_itself_is_left_alone() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        EventLoopEngine(SmaCrossPerBar(5, 20, 10), random_walk_panel(2, 12, seed=5), BacktestConfig()).run()
        assert 0 < gc.get_freeze_count() <= frozen  # neither unfrozen nor added to by the run
    finally:
        gc.unfreeze()
