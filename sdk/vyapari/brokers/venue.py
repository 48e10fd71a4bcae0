"""The live engine's one seam to where its orders go: a real broker or a simulated exchange.

:class:`Venue` is what the engine calls, typed: orders out (submit, cancel, look up), the books
in (orders, trades, positions), and the market data a simulated venue fills against. A real
broker fills from the exchange: it ignores the market data (:class:`~vyapari.brokers.base.
BrokerAdapter` implements those calls as no-ops) and the engine reads its books. A simulated
venue (the paper broker) matches resting orders against the minutes and first trades it is
given and says what changed (:class:`VenueUpdate`), so the engine books just that.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from vyapari.brokers.types import BrokerOrder, BrokerPosition, BrokerTrade, MinuteBars, OrderSubmission


class VenueUpdate(Protocol):
    """What a venue reports changed: its new executions and the orders whose status or fills moved."""

    @property
    def trades(self) -> Sequence[BrokerTrade]:
        """New executions, in the order they happened."""
        ...

    @property
    def orders(self) -> Sequence[BrokerOrder]:
        """Current book entries of the orders that moved."""
        ...


class Venue(Protocol):
    """Where the live engine's orders go (see the module docstring). Times are tz-aware IST."""

    def submit(self, request: OrderSubmission, *, maybe_placed: bool = False) -> BrokerOrder:
        """Place ``request`` at most once per ``client_order_id``; the venue's order. With
        ``maybe_placed`` the venue first searches its book by tag and returns the order found
        there (the one place that search before a retry lives)."""
        ...

    def cancel(self, client_order_id: str) -> BrokerOrder:
        """Cancel the open order tagged ``client_order_id``; its refreshed state."""
        ...

    def find_order(self, client_order_id: str) -> BrokerOrder | None:
        """The venue's order tagged ``client_order_id`` (None when its book lacks it)."""
        ...

    def orders(self) -> list[BrokerOrder]:
        """Today's order book."""
        ...

    def trades(self) -> list[BrokerTrade]:
        """Today's executions."""
        ...

    def positions(self) -> list[BrokerPosition]:
        """Net positions."""
        ...

    def on_minute(self, bars: MinuteBars) -> VenueUpdate | None:
        """A finished minute of the engine's instruments (pass the same ``instruments`` sequence
        every time). A simulated venue matches its resting orders and returns what changed; a
        real broker returns None: read its books."""
        ...

    def first_trades_wanted(self) -> Collection[str]:
        """Instruments whose next trade inside the minute now being built the venue wants to hear
        of (:meth:`on_first_trade`): asked after each minute; empty for a real broker."""
        ...

    def on_first_trade(self, instrument_id: str, minute_start: datetime, price: float) -> VenueUpdate:
        """The first trade at ``price`` ₹ of ``instrument_id`` in the minute starting
        ``minute_start`` (one it asked for); returns what it changed."""
        ...

    def settle_corporate_action(
        self, instrument_id: str, at: datetime, ratio: Decimal, dividend_per_share: Decimal
    ) -> list[BrokerOrder]:
        """Settle a split or bonus (``ratio`` shares after / before) and a cash dividend (₹ per share)
        effective from ``at``; the orders it cancelled. A real broker's back office does this itself
        (nothing to do); a simulated venue adjusts its positions and resting orders."""
        ...

    def sync(self) -> None:
        """Bring the venue up to date with what it was given and make its inputs durable; called
        before an order intent is written and before a minute is recorded as done."""
        ...


class NoUpdate:
    """A :class:`VenueUpdate` with nothing in it."""

    trades: Sequence[BrokerTrade] = ()
    orders: Sequence[BrokerOrder] = ()


NO_UPDATE = NoUpdate()
