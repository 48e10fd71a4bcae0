"""``sma_cross``: the long-only simple-moving-average crossover, the built-in example.

Exactly: per symbol, on the continuous close series (across sessions, bars of that symbol
only), fast = SMA(close, fast) and slow = SMA(close, slow); a cross-up at bar t is
fast[t] > slow[t] and fast[t−1] ≤ slow[t−1], a cross-down the mirror. Long-only with a
fixed quantity ``qty`` (default 10): flat and cross-up → buy, long and cross-down → sell,
filled at the next bar's open (a signal on the last bar is not filled). Delivery (CNC) by
default, so no square-off; an open position is valued at the last close.

Two implementations with identical decisions: :class:`SmaCross` (a vectorised signal, run
by the array kernel) and :class:`SmaCrossPerBar` (per-bar hooks, run by the event loop).
Both compute SMAs as differences of a running sum, so their floats are identical: the
per-bar hooks feed each bar to :class:`SmaCrossStepper`, which also steps the vectorised
signal one row at a time live (the last ``slow + 1`` running sums per symbol, in a ring),
bit for bit equal to the full computation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from vyapari.core.errors import InvalidInput
from vyapari.model.enums import ProductType
from vyapari.strategies._params import check_known, positive_int
from vyapari.strategy.context import StrategyContext
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.signals import SignalStepper, VectorSignal, crossover_state
from vyapari.strategy.sizing import FixedQuantity
from vyapari.strategy.strategy import Strategy

KNOWN = {"fast", "slow", "qty", "product"}


def _sma_from_cumsum(csum: np.ndarray, window: int) -> np.ndarray:
    """SMA of a series from its running sum ``csum`` (length L+1, csum[0] = 0)."""
    out = np.full(len(csum) - 1, np.nan)
    if len(csum) - 1 >= window:
        out[window - 1 :] = (csum[window:] - csum[:-window]) / window
    return out


def _sma_2d(csum: np.ndarray, window: int) -> np.ndarray:
    """Column-wise SMA ``[T, N]`` from running sums ``[T+1, N]`` (csum[0] = 0)."""
    out = np.full((csum.shape[0] - 1, csum.shape[1]), np.nan)
    if csum.shape[0] - 1 >= window:
        np.subtract(csum[window:], csum[:-window], out=out[window - 1 :])
        out[window - 1 :] /= window
    return out


class RunningSums:
    """Running sums of each symbol's closes over its own bars, and the SMAs taken from them.

    What every :class:`SmaCrossSignal` on one panel shares: a sweep over windows computes the sums
    once and each window's SMA once (the last ``keep`` windows asked are kept), with the same
    float operations as a single run, so every grid point's signal is bit for bit its own.
    """

    def __init__(self, panel: BarPanel, keep: int = 3) -> None:
        self.panel = panel
        self.uniform = bool(panel.valid.all())  # every symbol has every bar: one pass over the array
        self._keep = keep
        self._smas: dict[int, Any] = {}
        t_count, n_count = panel.shape
        if self.uniform:
            self.csum = np.zeros((t_count + 1, n_count))
            np.cumsum(panel.close, axis=0, out=self.csum[1:])
            return
        self.rows = [np.flatnonzero(panel.valid[:, n]) for n in range(n_count)]
        self.csums = [np.concatenate(([0.0], np.cumsum(panel.close[r, n]))) for n, r in enumerate(self.rows)]

    def sma(self, window: int) -> Any:
        """SMA over ``window`` bars: ``[T, N]`` when uniform, else one array per symbol (its bars)."""
        if window in self._smas:
            value = self._smas.pop(window)
        elif self.uniform:
            value = _sma_2d(self.csum, window)
        else:
            value = [_sma_from_cumsum(c, window) if r.size else None
                     for r, c in zip(self.rows, self.csums, strict=True)]
        self._smas[window] = value  # most recently used last
        while len(self._smas) > self._keep:
            del self._smas[next(iter(self._smas))]
        return value


class SmaCrossSignal(VectorSignal):
    """Long (1) after a fast-over-slow cross-up, flat (0) after a cross-down.

    ``sums`` (:class:`RunningSums` of the panel computed on, else made per call) lets many
    signals on one panel share their running sums and SMAs.
    """

    def __init__(self, fast: int, slow: int, sums: RunningSums | None = None) -> None:
        self.fast, self.slow = fast, slow
        self.sums = sums

    def compute(self, panel: BarPanel) -> np.ndarray:
        sums = self.sums if self.sums is not None and self.sums.panel is panel else RunningSums(panel, keep=0)
        if sums.uniform:
            return crossover_state(sums.sma(self.fast), sums.sma(self.slow))
        t_count, n_count = panel.shape
        weights = np.zeros((t_count, n_count))
        fasts, slows = sums.sma(self.fast), sums.sma(self.slow)
        for n in range(n_count):
            rows = sums.rows[n]
            if rows.size == 0:
                continue
            state = crossover_state(fasts[n][:, None], slows[n][:, None])[:, 0]
            filled = np.zeros(t_count)
            filled[rows] = state
            # rows without a bar keep the last state
            idx = np.maximum.accumulate(np.where(panel.valid[:, n], np.arange(t_count), 0))
            weights[:, n] = np.where(np.arange(t_count) >= rows[0], filled[idx], 0.0)
        return weights

    def stepper(self) -> SmaCrossStepper:
        return SmaCrossStepper(self.fast, self.slow)


class SmaCrossStepper(SignalStepper):
    """:class:`SmaCrossSignal` one row at a time.

    Per symbol, over its own bars only: the running sum of closes (the last ``slow + 1``
    values in a ring), the fast and slow SMAs of its previous bar and the long/flat state;
    a row without the symbol's bar keeps its state, as the full computation does.
    """

    def __init__(self, fast: int, slow: int) -> None:
        self.fast, self.slow = fast, slow
        self._ring = np.zeros((0, 0))

    def _start(self, n_count: int) -> None:
        self._ring = np.zeros((self.slow + 1, n_count))  # csum[k] of each symbol at k mod (slow+1)
        self._count = np.zeros(n_count, dtype=np.int64)  # bars of each symbol so far (see _bars)
        self._bars = 0  # while uniform: the one count of every symbol (_count is filled on leaving)
        self._prev_gap = np.full(n_count, np.nan)  # fast − slow SMA at each symbol's previous bar
        self._state = np.zeros(n_count)
        self._uniform = True  # every symbol had every bar so far: one count for all, no gathering

    def step(self, panel: BarPanel) -> np.ndarray:
        return self.update(panel.valid[-1], panel.close[-1]).copy()

    def update(self, valid: np.ndarray, close: np.ndarray) -> np.ndarray:
        """Take one slice (``valid`` and ``close`` ₹ per symbol); the long (1) / flat (0) state ``[N]``.

        The returned array is the stepper's own: read it, do not keep or change it.
        """
        if self._ring.shape[1] != len(valid):
            self._start(len(valid))
        if self._uniform:
            if valid.all():
                return self._update_all(close)
            self._uniform = False
            self._count[:] = self._bars
        cols = np.flatnonzero(valid)
        if cols.size:
            size = self.slow + 1
            k = self._count[cols]
            csum = self._ring[k % size, cols] + close[cols]
            k = k + 1
            self._ring[k % size, cols] = csum
            self._count[cols] = k
            gap = self._sma(csum, k, cols, self.fast) - self._sma(csum, k, cols, self.slow)
            self._cross(gap, self._prev_gap[cols], cols)
            self._prev_gap[cols] = gap
        return self._state

    def _update_all(self, close: np.ndarray) -> np.ndarray:
        """:meth:`update` when every symbol has a bar now and had one at every row before:
        the same arithmetic on whole rows of the ring."""
        size = self.slow + 1
        k = self._bars
        csum = self._ring[k % size] + close
        k += 1
        self._ring[k % size] = csum
        self._bars = k
        if k >= self.slow:  # both SMAs known (before, NaN: no crossing, the state stays flat)
            ring = self._ring
            gap = (csum - ring[(k - self.fast) % size]) / self.fast
            gap -= (csum - ring[(k - self.slow) % size]) / self.slow
            self._cross(gap, self._prev_gap, None)
            self._prev_gap = gap
        return self._state

    def _cross(self, gap: np.ndarray, prev_gap: np.ndarray, cols: np.ndarray | None) -> None:
        """Long where the fast SMA crossed above the slow one (``gap`` = fast − slow > 0, was <= 0),
        flat where it crossed below; elsewhere the state stays (``cols``: the symbols of ``gap``,
        None for all). ``a − b > 0`` exactly when ``a > b`` for finite floats; NaN is never a cross."""
        up = (gap > 0) & (prev_gap <= 0)
        down = (gap < 0) & (prev_gap >= 0)
        if cols is None:
            self._state[up] = 1.0
            self._state[down] = 0.0
        else:
            self._state[cols[up]] = 1.0
            self._state[cols[down]] = 0.0

    def _sma(self, csum: np.ndarray, k: np.ndarray, cols: np.ndarray, window: int) -> np.ndarray:
        """SMA over ``window`` bars ending at each symbol's ``k``-th bar (NaN before ``window`` bars)."""
        out = np.full(cols.size, np.nan)
        ok = k >= window
        out[ok] = (csum[ok] - self._ring[(k[ok] - window) % (self.slow + 1), cols[ok]]) / window
        return out


def _validated(params: Mapping[str, Any]) -> tuple[int, int, int, ProductType]:
    check_known("sma_cross", params, KNOWN)
    fast, slow = positive_int(params, "fast", 20), positive_int(params, "slow", 50)
    if fast >= slow:
        raise InvalidInput("--params", f"fast ({fast}) must be shorter than slow ({slow})")
    qty = positive_int(params, "qty", 10)
    try:
        product = ProductType(str(params.get("product", "CNC")).upper())
    except ValueError:
        raise InvalidInput(
            "--params", f"product must be CNC, MIS or NRML, got {params['product']!r}"
        ) from None
    return fast, slow, qty, product


class SmaCross(Strategy):
    """Vectorised ``sma_cross`` (fast, slow, qty, product)."""

    name: ClassVar[str] = "sma_cross"

    def __init__(self, fast: int = 20, slow: int = 50, qty: int = 10, product: ProductType = ProductType.CNC):
        super().__init__(SmaCrossSignal(fast, slow), FixedQuantity(qty), product=product)
        self.fast, self.slow, self.qty = fast, slow, qty

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> SmaCross:
        """Build from a parameter dict, validating it."""
        return cls(*_validated(params))

    @property
    def params(self) -> Mapping[str, Any]:
        return {"fast": self.fast, "slow": self.slow, "qty": self.qty, "product": self.product.value}


class SmaCrossPerBar(Strategy):
    """``sma_cross`` written with per-bar hooks (runs in the Python event loop)."""

    name: ClassVar[str] = "sma_cross_bar"

    def __init__(self, fast: int = 20, slow: int = 50, qty: int = 10, product: ProductType = ProductType.CNC):
        super().__init__(None, FixedQuantity(qty), product=product)
        self.fast, self.slow, self.qty = fast, slow, qty

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> SmaCrossPerBar:
        """Build from a parameter dict, validating it."""
        return cls(*_validated(params))

    @property
    def params(self) -> Mapping[str, Any]:
        return {"fast": self.fast, "slow": self.slow, "qty": self.qty, "product": self.product.value}

    def on_start(self, ctx: StrategyContext) -> None:
        self._signal = SmaCrossStepper(self.fast, self.slow)  # the vectorised signal's running sums

    def on_bar(self, ctx: StrategyContext) -> None:
        if not ctx.valid.any():
            return
        # the vectorised signal's inputs: closes and quantities in the run's first-session shares
        factor = ctx.split_factor
        split = bool((factor != 1.0).any())
        state = self._signal.update(ctx.valid, ctx.close * factor if split else ctx.close) > 0
        targets = state * np.int64(self.qty)  # long: qty, else 0
        if split:  # after a split or bonus: the qty of the first session, in shares now
            targets = np.trunc(targets * factor).astype(np.int64)
        # a flip, or a position that lags (e.g. re-entry after an MIS square-off), or orders to replace;
        # a flip whose position already matches, with nothing open, changes nothing
        behind = (targets != ctx.positions) & ctx.valid
        if behind.any() or ctx.open_orders():
            self.execution.apply(ctx, targets, self.product)
