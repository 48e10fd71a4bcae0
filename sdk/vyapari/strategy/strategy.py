"""The :class:`Strategy`: signal + risk sizer + execution model, plus optional per-bar hooks.

A strategy built only from a :class:`VectorSignal`, a sizer and :class:`MarketExecution`
can run through the array kernel of the backtest engine; one that overrides ``on_bar`` or
``on_fill`` (or uses a :class:`BarSignal`) runs through the Python event loop. Both give
the same trades and equity for strategies both can express.

A backtest calls :meth:`Strategy.prepare` once with the whole panel. A live engine calls
:meth:`Strategy.advance` after every slice with the history so far: the newest row's targets,
stepped from the signal's :class:`~vyapari.strategy.signals.SignalStepper` when it has one
(bit for bit the targets ``prepare`` would give), else recomputed on the whole history.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from vyapari.model.enums import ProductType
from vyapari.model.events import Fill
from vyapari.strategy.actions import settled_targets
from vyapari.strategy.context import StrategyContext
from vyapari.strategy.execution import ExecutionModel, MarketExecution
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.signals import BarSignal, Signal, SignalStepper, VectorSignal
from vyapari.strategy.sizing import FixedNotional, FixedQuantity, RiskSizer, SizingInputs, hold_targets

# Sizers that size each change point on its own from its weight, price, lot and capital only
# (no trailing statistics, nothing across change points): stepping one row gives hold_targets' row.
_STEPPABLE_SIZERS = (FixedQuantity, FixedNotional)


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
    needs_volume: ClassVar[bool] = False
    """True for a strategy that reads traded volume (e.g. a VWAP); engines refuse bars without any."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass that does not set ``name`` is named after its class, and the arguments its
        ``__init__`` was called with (defaults applied) are its :attr:`params` unless it overrides
        them, so reports show both."""
        super().__init_subclass__(**kwargs)
        if cls.name == "strategy":
            cls.name = cls.__name__
        init = cls.__dict__.get("__init__")
        if init is not None:
            cls.__init__ = _recording_arguments(init)  # type: ignore[method-assign]

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
        self._stepping: _TargetStepper | None = None
        self._stepped: tuple[int, np.ndarray] | None = None

    # ----- what the engine asks -----------------------------------------------------
    @property
    def params(self) -> Mapping[str, Any]:
        """Parameters for reports (override to list a strategy's own; by default those it was
        built with from a reference, see :func:`vyapari.strategies.loader.load_strategy`)."""
        return dict(getattr(self, "_built_with", {}))

    @property
    def is_vectorisable(self) -> bool:
        """True when the array kernel can run this strategy with identical semantics."""
        return self.vector_ineligibility() is None

    def vector_ineligibility(self) -> str | None:
        """Why the array kernel cannot run this strategy (``None`` when it can), as a phrase."""
        cls = type(self)
        if not isinstance(self.signal, VectorSignal):
            kind = "no signal" if self.signal is None else f"a per-bar signal ({type(self.signal).__name__})"
            return f"has {kind}; the array kernel needs a VectorSignal"
        if type(self.execution) is not MarketExecution:
            return f"uses {type(self.execution).__name__}; the array kernel runs MarketExecution only"
        hooks = [h for h in ("on_bar", "on_fill") if getattr(cls, h) is not getattr(Strategy, h)]
        if hooks:
            return f"overrides {' and '.join(hooks)}; per-bar hooks run on the event loop"
        return None

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
        self._stepping, self._stepped = None, None
        if isinstance(self.signal, VectorSignal):  # a split is no signal (strategy.actions)
            self._targets = settled_targets(self.target_quantities, panel, capital)

    def advance(self, panel: BarPanel, capital: float) -> None:
        """Live: make the targets of ``panel``'s newest row the current ones (once per row).

        The same targets as :meth:`prepare` on ``panel`` for that row. Stepped (one row of
        work) when the signal has a stepper and the targets are the standard ones:
        ``prepare`` and ``target_quantities`` not overridden and a sizer in
        ``_STEPPABLE_SIZERS``; otherwise :meth:`prepare` on the whole panel.
        """
        rows = panel.shape[0]
        if panel.has_actions:  # settled targets need the whole history (strategy.actions)
            self.prepare(panel, capital)
            return
        if self._stepping is not None and self._stepping.rows == rows:
            return  # this row is already the current one
        if self._stepping is None or self._stepping.rows != rows - 1:  # first row, or rows missed
            stepper = self._new_stepper()
            if stepper is None:
                self.prepare(panel, capital)
                return
            self._stepping = _TargetStepper(stepper)
            for head in range(1, rows):
                self._stepping.step(panel.head(head), self.sizer, capital)
        self._capital = capital
        self._stepped = (rows - 1, self._stepping.step(panel, self.sizer, capital))

    @property
    def steps_incrementally(self) -> bool:
        """True when :meth:`advance` steps the signal row by row (False: it recomputes everything)."""
        return self._stepping is not None

    def _new_stepper(self) -> SignalStepper | None:
        """A fresh signal stepper when :meth:`advance` may step, else None."""
        cls = type(self)
        standard = (
            cls.prepare is Strategy.prepare
            and cls.target_quantities is Strategy.target_quantities
            and type(self.sizer) in _STEPPABLE_SIZERS
        )
        if not standard or not isinstance(self.signal, VectorSignal):
            return None
        return self.signal.stepper()

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
        if self._stepped is not None and self._stepped[0] == ctx.bar_index:
            return self._stepped[1]
        if self._targets is not None:
            return self._targets[ctx.bar_index]
        if isinstance(self.signal, BarSignal):
            return self._size_bar(ctx, np.nan_to_num(self.signal.update(ctx)))
        return None

    def _size_bar(self, ctx: StrategyContext, weights: np.ndarray) -> np.ndarray:
        """Targets as traded: sized and held in the run's first-session shares, as the array path
        sizes them (:func:`~vyapari.strategy.actions.settled_targets`), so a split is no trade."""
        factor = ctx.split_factor
        held = self._size_first_session(ctx, weights, factor)
        if not (factor != 1.0).any():
            return held
        return np.trunc(held * factor).astype(np.int64)

    def _size_first_session(
        self, ctx: StrategyContext, weights: np.ndarray, factor: np.ndarray
    ) -> np.ndarray:
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
                price=np.nan_to_num(ctx.close[changed] * factor[changed]),
                mean_return=mean[-1, changed],
                volatility=vol[-1, changed],
                lot_size=ctx.lot_sizes[changed],
                capital=getattr(self, "_capital", ctx.equity),
            )
            targets[changed] = self.sizer.quantities(inputs)
        self._last_weights, self._last_targets = weights, targets
        return targets


def _recording_arguments(init: Any) -> Any:
    """Wrap a subclass's ``__init__`` to keep its JSON-ready arguments as ``_built_with``."""
    signature = inspect.signature(init)

    @functools.wraps(init)
    def recording(self: Strategy, *args: Any, **kwargs: Any) -> None:
        if "_built_with" not in vars(self):  # the most derived class's arguments win
            try:
                bound = signature.bind(self, *args, **kwargs)
            except TypeError:
                pass  # the call itself will say what is wrong
            else:
                bound.apply_defaults()
                given = list(bound.arguments.items())[1:]  # without self
                vars(self)["_built_with"] = {k: v for k, v in given if isinstance(v, (int, float, str, bool))}
        init(self, *args, **kwargs)

    return recording


class _TargetStepper:
    """:func:`hold_targets` one row at a time: size where the stepped weight changes, else hold."""

    def __init__(self, signal: SignalStepper) -> None:
        self.signal = signal
        self.rows = 0
        self._weights: np.ndarray | None = None
        self._targets: np.ndarray | None = None

    def step(self, panel: BarPanel, sizer: RiskSizer, capital: float) -> np.ndarray:
        """Targets ``[N]`` (signed shares) of ``panel``'s last row, the next row in order."""
        t, n_count = panel.shape[0] - 1, panel.shape[1]
        weights = np.nan_to_num(self.signal.step(panel))
        if weights.shape != (n_count,):
            raise ValueError(f"signal stepper returned shape {weights.shape}, expected ({n_count},)")
        prev = self._weights if self._weights is not None else np.zeros(n_count)
        targets = self._targets if self._targets is not None else np.zeros(n_count, np.int64)
        changed = np.flatnonzero(weights != prev)
        if changed.size:
            targets = targets.copy()
            zeros = np.zeros(changed.size)
            targets[changed] = sizer.quantities(
                SizingInputs(
                    weight=weights[changed],
                    price=np.nan_to_num(panel.close[t, changed]),
                    mean_return=zeros,
                    volatility=zeros,
                    lot_size=panel.lot_sizes[changed],
                    capital=capital,
                )
            )
        self._weights, self._targets = weights, targets
        self.rows += 1
        return targets
