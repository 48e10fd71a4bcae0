"""Signals turn market data into target weights in [-1, 1] per symbol.

* A :class:`VectorSignal` computes on whole arrays at once. Contract: the value at row
  ``t`` uses data of rows ``<= t`` only (no look-ahead); tests perturb the future and
  check that past values do not change.
* A :class:`BarSignal` is updated bar by bar from the strategy context (for logic that
  needs state or is easier to write per bar).
* A :class:`VectorSignal` may also offer a :class:`SignalStepper` (:meth:`VectorSignal.stepper`):
  running state that yields the newest row only, bit for bit equal to ``compute`` on the
  panel so far. A live engine steps it once per slice instead of recomputing the whole
  history; a signal without one is recomputed.

Weight semantics: ``+1`` full long, ``-1`` full short, ``0`` flat; the RiskSizer turns a
weight into a quantity when it changes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

import numpy as np

from vyapari.strategy.panel import BarPanel

if TYPE_CHECKING:
    from vyapari.strategy.context import StrategyContext


class Signal(ABC):  # noqa: B024 - a marker base shared by the two kinds
    """Base of all signals."""


class SignalStepper(ABC):
    """The newest row of a :class:`VectorSignal`, from state carried from row to row.

    Contract: :meth:`step` is called once per row, in order from row 0, with the panel
    whose last row is the new one, and returns exactly ``compute(panel)[-1]``.
    """

    @abstractmethod
    def step(self, panel: BarPanel) -> np.ndarray:
        """Weights ``[N]`` of the panel's last row."""


class VectorSignal(Signal):
    """A signal computed on the whole panel: ``compute(panel) -> weights[T, N]``."""

    @abstractmethod
    def compute(self, panel: BarPanel) -> np.ndarray:
        """Target weights ``[T, N]`` in [-1, 1]; row ``t`` may use rows ``<= t`` only."""

    def stepper(self) -> SignalStepper | None:
        """A fresh :class:`SignalStepper` for this signal, or None when it has none (the default)."""
        return None


class BarSignal(Signal):
    """A signal updated once per time slice: ``update(ctx) -> weights[N]``."""

    @abstractmethod
    def update(self, ctx: StrategyContext) -> np.ndarray:
        """Target weights ``[N]`` for the current slice, from data up to it."""


def rolling_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean over ``window`` rows along axis 0; NaN for the first ``window-1`` rows.

    Uses a cumulative sum (O(T·N)); row ``t`` depends on rows ``t-window+1 .. t`` only.
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    csum = np.cumsum(values, axis=0, dtype=np.float64)
    out = np.full(values.shape, np.nan)
    if values.shape[0] >= window:
        out[window - 1 :] = csum[window - 1 :]
        out[window:] -= csum[:-window]
        out[window - 1 :] /= window
    return out


def forward_fill(values: np.ndarray) -> np.ndarray:
    """Carry the last non-NaN value forward along axis 0 (past only; leading NaNs stay)."""
    from vyapari.core.aot import kernel

    forward_fill_2d = kernel("forward_fill_2d")

    if values.ndim == 1:
        return forward_fill_2d(values[:, None].astype(np.float64))[:, 0]
    return forward_fill_2d(np.ascontiguousarray(values, dtype=np.float64))


def crossover_state(fast: np.ndarray, slow: np.ndarray) -> np.ndarray:
    """Long/flat state ``[T, N]`` from crossings: 1 after a cross-up, 0 after a cross-down.

    A cross-up at ``t`` is ``fast[t] > slow[t]`` and ``fast[t-1] <= slow[t-1]`` (both defined);
    a cross-down the mirror. Before the first crossing the state is 0 (flat).
    """
    from vyapari.core.aot import kernel

    return kernel("crossover_state_2d")(
        np.ascontiguousarray(fast, dtype=np.float64), np.ascontiguousarray(slow, dtype=np.float64)
    )
