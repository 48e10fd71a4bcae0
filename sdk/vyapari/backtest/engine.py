"""Run a backtest: pick the engine path and return a :class:`BacktestResult`.

``auto`` runs a vectorisable strategy through the array kernel and everything else
through the event loop; if the kernel meets a case only the event loop models (an
order beyond buying power), the run is redone on the event loop, so ``auto`` never
trades correctness for speed.
"""

from __future__ import annotations

from collections.abc import Callable

from vyapari.backtest.config import BacktestConfig, EnginePath
from vyapari.backtest.results import BacktestResult, rejection_note
from vyapari.backtest.vector import NeedsEventLoop, PanelPrep, run_vectorised
from vyapari.core.errors import InvalidInput
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.strategy import Strategy
from vyapari.strategy.volume import check_volume

Progress = Callable[[int, int], None]


def run_backtest(
    strategy: Strategy,
    panel: BarPanel,
    config: BacktestConfig,
    progress: Progress | None = None,
    prep: PanelPrep | None = None,
) -> BacktestResult:
    """Backtest ``strategy`` on ``panel`` under ``config``.

    ``progress(done, total)`` is called during event-loop runs (slices done of total). The
    result's ``notes`` say why a run left the array kernel and when most orders were rejected.
    ``prep`` (:func:`~vyapari.backtest.vector.prepare_panel`) lets many runs on one panel share
    the array path's per-panel work (a sweep).
    """
    known = prep.volumeless if prep is not None and prep.fits(panel, config) else None
    check_volume(strategy, panel, config.slippage, known)
    why_not = strategy.vector_ineligibility()
    if config.path is EnginePath.VECTOR and why_not is not None:
        raise InvalidInput("--path", f"vector: strategy {strategy.name} {why_not}; use 'event' or 'auto'")
    notes: list[str] = []
    if config.path is not EnginePath.EVENT and why_not is None:
        try:
            return _noted(run_vectorised(strategy, panel, config, prep), notes)
        except NeedsEventLoop as exc:
            why = (
                f"the array kernel met an order beyond buying power ({exc}), which only the event "
                "loop reduces or rejects — size positions within capital to stay on the fast path"
            )
            if config.path is EnginePath.VECTOR:
                raise InvalidInput("--path", f"vector: {why}; use 'auto' or 'event'") from None
            notes.append(f"ran on the event loop (slower): {why}")
    elif config.path is EnginePath.AUTO:
        notes.append(f"ran on the event loop (slower): strategy {strategy.name} {why_not}")
    from vyapari.backtest.event_loop import EventLoopEngine  # its imports load only when it runs

    return _noted(EventLoopEngine(strategy, panel, config).run(progress), notes)


def _noted(result: BacktestResult, notes: list[str]) -> BacktestResult:
    rejected = rejection_note(result.orders, result.fills)
    result.notes = [*notes, *([rejected] if rejected else [])]
    return result
