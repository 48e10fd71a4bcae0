"""The strategy context: what a strategy sees and can do at one time slice.

Engines (backtest event loop, paper, live) implement :class:`StrategyContext`; the
strategy never knows which one it runs in. Everything it exposes is data up to and
including the current bar: there is no way to read the future.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

import numpy as np

from vyapari.model.events import Fill
from vyapari.model.orders import Order
from vyapari.strategy.orders import OrderRequest


class StrategyContext(Protocol):
    """The current slice, the account and the order entry of a running strategy.

    Arrays are indexed by symbol column (``symbols.index(s)``); prices in ₹, NaN where a
    symbol has no bar in this slice. Times are IST; ``now`` is the current bar's start.
    """

    symbols: tuple[str, ...]
    bar_index: int
    close: np.ndarray
    valid: np.ndarray
    lot_sizes: np.ndarray

    @property
    def open(self) -> np.ndarray:
        """Opens of the current slice (₹), ``[N]``."""
        ...

    @property
    def high(self) -> np.ndarray:
        """Highs of the current slice (₹), ``[N]``."""
        ...

    @property
    def low(self) -> np.ndarray:
        """Lows of the current slice (₹), ``[N]``."""
        ...

    @property
    def volume(self) -> np.ndarray:
        """Volumes of the current slice (units), ``[N]``."""
        ...

    @property
    def now(self) -> datetime:
        """Start of the current bar (IST)."""
        ...

    @property
    def session_date(self) -> date:
        """The current session's date (IST)."""
        ...

    def history(self, field: str, length: int) -> np.ndarray:
        """The last ``length`` rows (up to and including now) of ``field``: ``[<=length, N]``,
        adjusted for splits and bonuses up to now (earlier prices ÷ the ratio, volumes ×), so the
        newest row is as traded and a split is not a jump."""
        ...

    @property
    def split_factor(self) -> np.ndarray:
        """``[N]`` shares now per share of the run's first session (the product of the split and
        bonus ratios so far; 1 without any): ``close × split_factor`` is the first-session price
        the vectorised signals read (:mod:`vyapari.strategy.actions`)."""
        ...

    @property
    def positions(self) -> np.ndarray:
        """Signed position quantity per symbol (shares)."""
        ...

    @property
    def cash(self) -> float:
        """Cash in ₹ after charges."""
        ...

    @property
    def equity(self) -> float:
        """Cash plus open positions at the last close, in ₹."""
        ...

    def column(self, symbol: str) -> int:
        """Column index of ``symbol`` in the arrays."""
        ...

    def submit(self, request: OrderRequest) -> str:
        """Submit an order; returns its ``client_order_id``."""
        ...

    def cancel(self, client_order_id: str) -> None:
        """Cancel an open order (no-op if already terminal)."""
        ...

    def open_orders(self) -> list[Order]:
        """Orders not yet filled, cancelled or rejected."""
        ...

    def is_squareoff_time(self) -> bool:
        """True from the MIS square-off time (15:20 IST) to the end of the session."""
        ...


class FillListener(Protocol):
    """Anything told of fills (the strategy's ``on_fill``)."""

    def on_fill(self, ctx: StrategyContext, fill: Fill) -> None:
        """Called once per fill, after it is booked."""
        ...
