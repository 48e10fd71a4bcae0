"""The :class:`Strategy`: signal + risk sizer + execution model, plus optional per-bar hooks.

A strategy built only from a :class:`VectorSignal`, a sizer and :class:`MarketExecution`
can run through the array kernel of the backtest engine; one that overrides ``on_bar`` or
``on_fill`` (or uses a :class:`BarSignal`) runs through the Python event loop. Both give
the same trades and equity for strategies both can express.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from vyapari.model.enums import ProductType
from vyapari.model.events import Fill
from vyapari.strategy.context import StrategyContext
from vyapari.strategy.execution import ExecutionModel, MarketExecution
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.signals import BarSignal, Signal, VectorSignal
from vyapari.strategy.sizing import FixedQuantity, RiskSizer, SizingInputs, hold_targets


class Strategy:
    """Compose a signal, a sizer and an execution model; override hooks for custom logic.

    Parameters
    ----------
    signal:
        Target weights per symbol (vectorised or per bar). ``None`` when ``on_bar`` is
        overridden to place orders directly.
    sizer:
        Turns a weight change into a quantity (default: 1 share per unit weight).
    execution:
        Turns targets into orders (default: market orders).
    product:
        CNC (delivery, default), MIS (intraday, squared off at 15:20 IST) or NRML.
    """

    name: ClassVar[str] = "strategy"

    def __init__(
        self,
        signal: Signal | None = None,
        sizer: RiskSizer | None = None,
        execution: ExecutionModel | None = None,
        product: ProductType = ProductType.CNC,
    ) -> None:
        self.signal = signal
        self.sizer = sizer or FixedQuantity(1)
        self.execution = execution or MarketExecution()
        self.product = product
        self._targets: np.ndarray | None = None
        self._last_weights: np.ndarray | None = None
        self._last_targets: np.ndarray | None = None

    # ----- what the engine asks -----------------------------------------------------
    @property
    def params(self) -> Mapping[str, Any]:
        """Parameters for reports (override to list a strategy's own)."""
        return {}

    @property
    def is_vectorisable(self) -> bool:
        """True when the array kernel can run this strategy with identical semantics."""
        cls = type(self)
        return (
            isinstance(self.signal, VectorSignal)
            and type(self.execution) is MarketExecution
            and cls.on_bar is Strategy.on_bar
            and cls.on_fill is Strategy.on_fill
        )

    def target_quantities(self, panel: BarPanel, capital: float) -> np.ndarray:
        """Targets ``[T, N]`` (signed shares) of a vectorised strategy for the whole panel."""
        if not isinstance(self.signal, VectorSignal):
            raise TypeError(f"{self.name}: target_quantities needs a VectorSignal")
        weights = self.signal.compute(panel)
        if weights.shape != panel.shape:
            raise ValueError(f"{self.name}: signal returned shape {weights.shape}, expected {panel.shape}")
        return hold_targets(weights, panel.close, panel.lot_sizes, self.sizer, capital)

    def prepare(self, panel: BarPanel, capital: float) -> None:
        """Called by a backtest before the first bar with the whole panel."""
        self._capital = capital
        if isinstance(self.signal, VectorSignal):
            self._targets = self.target_quantities(panel, capital)

    # ----- hooks ---------------------------------------------------------------------
    def on_start(self, ctx: StrategyContext) -> None:
        """Called once before the first bar."""

    def on_bar(self, ctx: StrategyContext) -> None:
        """Called once per time slice; by default moves positions to the signal's targets."""
        targets = self.current_targets(ctx)
        if targets is not None:
            self.execution.apply(ctx, targets, self.product)

    def on_fill(self, ctx: StrategyContext, fill: Fill) -> None:
        """Called after each fill is booked."""

    def on_stop(self, ctx: StrategyContext) -> None:
        """Called once after the last bar."""

    # ----- helpers -------------------------------------------------------------------
    def current_targets(self, ctx: StrategyContext) -> np.ndarray | None:
        """Target quantities for the current slice from the signal (``None`` without one)."""
        if self._targets is not None:
            return self._targets[ctx.bar_index]
        if isinstance(self.signal, BarSignal):
            return self._size_bar(ctx, np.nan_to_num(self.signal.update(ctx)))
        return None

    def _size_bar(self, ctx: StrategyContext, weights: np.ndarray) -> np.ndarray:
        prev_w = self._last_weights if self._last_weights is not None else np.zeros_like(weights)
        targets = self._last_targets if self._last_targets is not None else np.zeros(len(weights), np.int64)
        changed = np.flatnonzero(weights != prev_w)
        if changed.size:
            targets = targets.copy()
            close_hist = ctx.history("close", max(self.sizer.lookback, 1) + 1)
            from vyapari.strategy.sizing import trailing_return_stats

            mean, vol = trailing_return_stats(close_hist, self.sizer.lookback)
            inputs = SizingInputs(
                weight=weights[changed],
                price=np.nan_to_num(ctx.close[changed]),
                mean_return=mean[-1, changed],
                volatility=vol[-1, changed],
                lot_size=ctx.lot_sizes[changed],
                capital=getattr(self, "_capital", ctx.equity),
            )
            targets[changed] = self.sizer.quantities(inputs)
        self._last_weights, self._last_targets = weights, targets
        return targets
