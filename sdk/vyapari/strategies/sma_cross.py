"""``sma_cross``: the long-only simple-moving-average crossover, the built-in example.

Exactly: per symbol, on the continuous close series (across sessions, bars of that symbol
only), fast = SMA(close, fast) and slow = SMA(close, slow); a cross-up at bar t is
fast[t] > slow[t] and fast[t−1] ≤ slow[t−1], a cross-down the mirror. Long-only with a
fixed quantity ``qty`` (default 10): flat and cross-up → buy, long and cross-down → sell,
filled at the next bar's open (a signal on the last bar is not filled). Delivery (CNC) by
default, so no square-off; an open position is valued at the last close.

Two implementations with identical decisions: :class:`SmaCross` (a vectorised signal, run
by the array kernel) and :class:`SmaCrossPerBar` (per-bar hooks, run by the event loop).
Both compute SMAs as differences of a running sum, so their floats are identical.
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
from vyapari.strategy.signals import VectorSignal, crossover_state
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


class SmaCrossSignal(VectorSignal):
    """Long (1) after a fast-over-slow cross-up, flat (0) after a cross-down."""

    def __init__(self, fast: int, slow: int) -> None:
        self.fast, self.slow = fast, slow

    def compute(self, panel: BarPanel) -> np.ndarray:
        t_count, n_count = panel.shape
        if panel.valid.all():  # every symbol has every bar: one pass over the whole array
            csum = np.zeros((t_count + 1, n_count))
            np.cumsum(panel.close, axis=0, out=csum[1:])
            return crossover_state(_sma_2d(csum, self.fast), _sma_2d(csum, self.slow))
        weights = np.zeros((t_count, n_count))
        for n in range(n_count):
            rows = np.flatnonzero(panel.valid[:, n])
            if rows.size == 0:
                continue
            csum = np.concatenate(([0.0], np.cumsum(panel.close[rows, n])))
            fast = _sma_from_cumsum(csum, self.fast)[:, None]
            slow = _sma_from_cumsum(csum, self.slow)[:, None]
            state = crossover_state(fast, slow)[:, 0]
            filled = np.zeros(t_count)
            filled[rows] = state
            # rows without a bar keep the last state
            idx = np.maximum.accumulate(np.where(panel.valid[:, n], np.arange(t_count), 0))
            weights[:, n] = np.where(np.arange(t_count) >= rows[0], filled[idx], 0.0)
        return weights


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
        n = len(ctx.symbols)
        self._csum = np.zeros((1024, n))
        self._count = np.zeros(n, dtype=np.int64)
        self._prev_diff = np.full(n, np.nan)
        self._long = np.zeros(n, dtype=bool)
        self._cols = np.arange(n)

    def on_bar(self, ctx: StrategyContext) -> None:
        cols = self._cols[ctx.valid]
        if cols.size == 0:
            return
        k = self._count[cols]
        if int(k.max()) + 1 >= self._csum.shape[0]:
            self._csum = np.concatenate([self._csum, np.zeros_like(self._csum)])
        self._csum[k + 1, cols] = self._csum[k, cols] + ctx.close[cols]
        k = self._count[cols] = k + 1
        diff = self._sma(k, cols, self.fast) - self._sma(k, cols, self.slow)
        prev = self._prev_diff[cols]
        up = (diff > 0) & (prev <= 0) & ~self._long[cols]
        down = (diff < 0) & (prev >= 0) & self._long[cols]
        self._prev_diff[cols] = diff
        self._long[cols[up]] = True
        self._long[cols[down]] = False
        targets = np.where(self._long, self.qty, 0).astype(np.int64)
        behind = (targets != ctx.positions) & ctx.valid  # e.g. re-entry after an MIS square-off
        if up.any() or down.any() or behind.any() or ctx.open_orders():
            self.execution.apply(ctx, targets, self.product)

    def _sma(self, k: np.ndarray, cols: np.ndarray, window: int) -> np.ndarray:
        start = k - window
        ok = start >= 0
        out = np.full(cols.size, np.nan)
        out[ok] = (self._csum[k[ok], cols[ok]] - self._csum[start[ok], cols[ok]]) / window
        return out
