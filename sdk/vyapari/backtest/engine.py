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
from vyapari.backtest.results import BacktestResult, rejection_note
from vyapari.backtest.vector import NeedsEventLoop, run_vectorised
from vyapari.core.errors import DataError, InvalidInput
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

    ``progress(done, total)`` is called during event-loop runs (slices done of total). The
    result's ``notes`` say why a run left the array kernel and when most orders were rejected.
    """
    check_volume(strategy, panel, config)
    why_not = strategy.vector_ineligibility()
    if config.path is EnginePath.VECTOR and why_not is not None:
        raise InvalidInput("--path", f"vector: strategy {strategy.name} {why_not}; use 'event' or 'auto'")
    notes: list[str] = []
    if config.path is not EnginePath.EVENT and why_not is None:
        try:
            return _noted(run_vectorised(strategy, panel, config), notes)
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
    return _noted(EventLoopEngine(strategy, panel, config).run(progress), notes)


def _noted(result: BacktestResult, notes: list[str]) -> BacktestResult:
    rejected = rejection_note(result.orders, result.fills)
    result.notes = [*notes, *([rejected] if rejected else [])]
    return result


def volumeless_symbols(panel: BarPanel) -> list[str]:
    """Symbols whose every bar in ``panel`` traded zero volume (index bars carry none)."""
    import numpy as np

    volume = np.where(panel.valid, np.nan_to_num(panel.volume), 0.0)
    return [s for s, total in zip(panel.symbols, volume.sum(axis=0).tolist(), strict=True) if total <= 0]


def check_volume(strategy: Strategy, panel: BarPanel, config: BacktestConfig) -> None:
    """Refuse, by name, a run that could only trade nothing for lack of volume.

    Raises
    ------
    DataError
        ``strategy`` reads volume (``needs_volume``) and some symbol has none in any bar.
    InvalidInput
        (``--slippage``) the slippage model caps fills at a share of bar volume and some symbol has
        none: every order of it would be cancelled.
    """
    empty = volumeless_symbols(panel)
    if not empty:
        return
    names = ", ".join(empty[:5]) + (f" and {len(empty) - 5} more" if len(empty) > 5 else "")
    if strategy.needs_volume:
        raise DataError(
            f"strategy {strategy.name} needs traded volume, and {names} traded zero volume in every bar "
            "(index bars carry none): run it on stocks' bars"
        )
    if not getattr(config.slippage, "volume_free", True):
        raise InvalidInput(
            "--slippage",
            f"volume caps each fill at a share of the bar's volume, and {names} traded zero volume in "
            "every bar: every order would be cancelled; use none or bps:N",
        )
