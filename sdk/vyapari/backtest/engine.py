"""Run a backtest: pick the engine path and return a :class:`BacktestResult`.

``auto`` runs a vectorisable strategy through the array kernel and everything else
through the event loop; if the kernel meets a case only the event loop models (an
order beyond buying power), the run is redone on the event loop, so ``auto`` never
trades correctness for speed.
"""

from __future__ import annotations

from collections.abc import Callable

from vyapari.backtest.config import BacktestConfig, EnginePath
from vyapari.backtest.event_loop import EventLoopEngine
from vyapari.backtest.results import BacktestResult
from vyapari.backtest.vector import NeedsEventLoop, run_vectorised
from vyapari.core.errors import InvalidInput
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.strategy import Strategy

Progress = Callable[[int, int], None]


def run_backtest(
    strategy: Strategy,
    panel: BarPanel,
    config: BacktestConfig,
    progress: Progress | None = None,
) -> BacktestResult:
    """Backtest ``strategy`` on ``panel`` under ``config``.

    ``progress(done, total)`` is called during event-loop runs (slices done of total).
    """
    if config.path is EnginePath.VECTOR and not strategy.is_vectorisable:
        raise InvalidInput("--path", f"strategy {strategy.name} has per-bar hooks; use 'event' or 'auto'")
    if config.path is not EnginePath.EVENT and strategy.is_vectorisable:
        try:
            return run_vectorised(strategy, panel, config)
        except NeedsEventLoop:
            pass
    return EventLoopEngine(strategy, panel, config).run(progress)
