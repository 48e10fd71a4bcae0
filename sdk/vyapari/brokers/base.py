"""The broker workflow, owned once: brokers implement primitives only.

:class:`BrokerAdapter` does, for every broker:

* **validation** of an :class:`~vyapari.brokers.types.OrderSubmission` (:mod:`.validation`);
* **idempotency** on ``client_order_id``: a second submit in this process returns the order
  placed and never calls the broker; the broker's order book is searched by tag **before any
  retry**: after an error whose outcome is unknown (time-out, 5xx, broken connection), and
  before the first attempt when the caller says the order may already be placed
  (``maybe_placed``: the live order manager resending an intent it wrote but has no answer
  for), so an order the broker accepted is never placed twice; if the book cannot be read,
  the submit fails with :class:`~vyapari.brokers.errors.BrokerUnavailable` instead of
  placing blind. This is the one place that search lives;
* **session checks**: the access token is re-read through the session provider before
  each call, so a new daily token is picked up without rebuilding the adapter;
* **rate limiting** (:mod:`.ratelimit`, kinds ``order``, ``read``, ``historical``) and
  **retries** with backoff for retryable errors only (:mod:`.retry`);
* **error mapping** through the one table in :mod:`.errors`, and **logging** through a
  redacting logger (:mod:`.redact`).

A broker implements ``_place_order``, ``_modify_order``, ``_cancel_order``, ``_order_book``,
``_trade_book``, ``_positions``, ``_holdings``, ``_historical_candles``, ``_instruments``,
``_ticks`` and ``_failure`` (its SDK's exception → :class:`~vyapari.brokers.errors.BrokerFailure`).
Every adapter is a :class:`~vyapari.brokers.venue.Venue` of the live engine; a real broker
ignores the market data a simulated venue fills against.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar, TypeVar

from vyapari.brokers.errors import BrokerError, BrokerFailure, BrokerUnavailable, OrderNotFound, map_failure
from vyapari.brokers.ratelimit import RateLimiter, unlimited
from vyapari.brokers.redact import get_logger, install_redaction
from vyapari.brokers.retry import RetryPolicy
from vyapari.brokers.session import BrokerSession, SessionProvider
from vyapari.brokers.ticks import TickStream
from vyapari.brokers.types import (
    BrokerOrder,
    BrokerPosition,
    BrokerTrade,
    Candle,
    Holding,
    InstrumentInfo,
    MinuteBars,
    OrderChange,
    OrderSubmission,
)
from vyapari.brokers.validation import validate_request
from vyapari.brokers.venue import NO_UPDATE, VenueUpdate
from vyapari.core.deferred_log import deferred
from vyapari.model.enums import OrderStatus

if TYPE_CHECKING:  # pandas loads with the first history request, not with every handler that names a broker
    import pandas as pd

log = get_logger(__name__)
T = TypeVar("T")


class BrokerAdapter(ABC):
    """The one broker interface (see the module docstring for what the base owns).

    Parameters
    ----------
    limiter : RateLimiter, optional
        Token buckets per call kind; unlimited when omitted.
    retry : RetryPolicy, optional
        Attempts and backoff for retryable errors.
    session : SessionProvider, optional
        Source of the daily access token; None for brokers without one (paper).
    sleep : callable, optional
        Sleeper for backoff (injected by tests).
    """

    name: ClassVar[str] = "broker"

    def __init__(
        self,
        *,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        session: SessionProvider | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        install_redaction()
        self.limiter = limiter or unlimited()
        self.retry = retry or RetryPolicy()
        self._placed: dict[str, BrokerOrder] = {}  # by client_order_id: what this process placed
        self.session_provider = session
        self._sleep = sleep
        self._token: str | None = None
        self._submit_lock = threading.Lock()

    # ----- orders ---------------------------------------------------------------
    def submit(self, request: OrderSubmission, *, maybe_placed: bool = False) -> BrokerOrder:
        """Place ``request`` at most once; returns the broker's order (status SUBMITTED when new).

        ``maybe_placed``: an earlier attempt (perhaps by a process that died) may have reached the
        broker; its book is searched by tag first and an order found there is returned, not placed.

        Raises
        ------
        InvalidOrder
            The request failed validation (nothing was sent).
        OrderRejected, InsufficientFunds, SessionExpired, ...
            The broker refused it (never retried).
        BrokerUnavailable, RateLimited
            Retries were exhausted and the order book shows no such order, or the book could not
            be read when it had to be (nothing was placed blind).
        """
        validate_request(request)
        with self._submit_lock:
            existing = self._placed.get(request.client_order_id)
            if existing is not None:
                log.info("%s: order %s already placed as %s; not sent again",
                         self.name, request.client_order_id, existing.broker_order_id)
                return existing
            found = None
            if maybe_placed:
                found = self._search_book(request.client_order_id, "it may have been placed before")
            order = found if found is not None else self._place_once(request)
            self._placed[request.client_order_id] = order
        deferred.info(log, "%s: order %s placed as %s (%s %d %s %s)", self.name, request.client_order_id,
                      order.broker_order_id, request.side.value, request.quantity, request.instrument_id,
                      request.order_type.value)  # held while the live engine decides a slice
        return order

    def _place_once(self, request: OrderSubmission) -> BrokerOrder:
        for attempt in range(1, self.retry.max_attempts + 1):
            self._check_session()
            self.limiter.acquire("order")
            try:
                broker_order_id = self._place_order(request)
            except Exception as exc:
                error = self._translate(exc, "place_order")
            else:
                return _accepted(request, broker_order_id)
            if not error.retryable:
                raise error from None
            if error.outcome_unknown:
                why = f"outcome unknown after {type(error).__name__}"
                found = self._search_book(request.client_order_id, why)
                if found is not None:
                    return found
            if attempt == self.retry.max_attempts:
                raise error from None
            self._backoff("place_order", attempt, error)
        raise AssertionError("unreachable")  # pragma: no cover

    def _search_book(self, client_order_id: str, why: str) -> BrokerOrder | None:
        """The order tagged ``client_order_id`` in the broker's book, searched before placing it
        (again) because ``why``; raises :class:`BrokerUnavailable` when the book is unreadable."""
        log.warning("%s: order %s: %s; checking the order book", self.name, client_order_id, why)
        try:
            found = self.find_order(client_order_id)
        except BrokerError as exc:
            raise BrokerUnavailable(
                f"order {client_order_id}: {why} and the order book could not be read "
                f"({type(exc).__name__}); not re-sent, reconcile before retrying",
                broker=self.name,
            ) from None
        if found is not None:
            log.warning("%s: order %s was accepted as %s; not re-sent",
                        self.name, client_order_id, found.broker_order_id)
        return found

    def modify(self, client_order_id: str, change: OrderChange) -> BrokerOrder:
        """Modify the open order placed for ``client_order_id``; returns its refreshed state."""
        order = self._known(client_order_id)
        self._call("order", "modify_order", lambda: self._modify_order(order, change))
        return self.find_order(client_order_id) or order

    def cancel(self, client_order_id: str) -> BrokerOrder:
        """Cancel the order placed for ``client_order_id``; returns its refreshed state."""
        order = self._known(client_order_id)
        self._call("order", "cancel_order", lambda: self._cancel_order(order))
        return self.find_order(client_order_id) or order

    def _known(self, client_order_id: str) -> BrokerOrder:
        order = self._placed.get(client_order_id) or self.find_order(client_order_id)
        if order is None:
            raise OrderNotFound(f"no order with client_order_id {client_order_id}", broker=self.name)
        return order

    def find_order(self, client_order_id: str) -> BrokerOrder | None:
        """The broker's current view of the order tagged ``client_order_id`` (None if absent)."""
        matches = [o for o in self.orders() if o.client_order_id == client_order_id]
        if not matches:
            return None
        order = matches[0]
        if client_order_id in self._placed:
            self._placed[client_order_id] = order
        return order

    def settle_corporate_action(
        self, instrument_id: str, at: datetime, ratio: Decimal, dividend_per_share: Decimal
    ) -> list[BrokerOrder]:
        """Settle a split or bonus (``ratio`` shares after / before) and a cash dividend (₹ per
        share) of ``instrument_id`` effective from ``at`` (its ex-date's first bar); returns the
        orders it cancelled. A real broker's back office settles these itself, so this does
        nothing; a simulated broker (paper) is told here."""
        return []

    # ----- reads ------------------------------------------------------------------
    def orders(self) -> list[BrokerOrder]:
        """Today's order book."""
        return self._call("read", "order_book", self._order_book)

    def trades(self) -> list[BrokerTrade]:
        """Today's executions (one per partial fill)."""
        return self._call("read", "trade_book", self._trade_book)

    def positions(self) -> list[BrokerPosition]:
        """Net positions."""
        return self._call("read", "positions", self._positions)

    def holdings(self) -> list[Holding]:
        """Delivery holdings."""
        return self._call("read", "holdings", self._holdings)

    def candles(self, instrument_id: str, interval: str, start: datetime, end: datetime) -> list[Candle]:
        """Historical bars of ``interval`` (``"minute"``, ``"day"``, ...) between IST instants."""
        return self._call(
            "historical", "historical_candles",
            lambda: self._historical_candles(instrument_id, interval, start, end),
        )

    def candle_frame(self, instrument_id: str, interval: str, start: datetime, end: datetime) -> pd.DataFrame:
        """:meth:`candles` as one frame (``ts`` IST bar start, OHLC ₹, volume): long histories' fast path."""
        return self._call(
            "historical", "historical_candles",
            lambda: self._historical_frame(instrument_id, interval, start, end),
        )

    def _historical_frame(self, instrument_id: str, interval: str, start: datetime,
                          end: datetime) -> pd.DataFrame:
        rows = [[c.start_at.isoformat(), c.open, c.high, c.low, c.close, c.volume]
                for c in self._historical_candles(instrument_id, interval, start, end)]
        from vyapari.brokers.candle_rows import candle_rows_frame

        return candle_rows_frame(rows)

    def instruments(self, exchange: str | None = None) -> list[InstrumentInfo]:
        """The broker's instrument master (optionally one exchange)."""
        return self._call("read", "instruments", lambda: self._instruments(exchange))

    def tick_stream(self) -> TickStream:
        """A new, unconnected tick stream using the current session."""
        self._check_session()
        return self._ticks()

    # ----- market data for a simulated venue (vyapari.brokers.venue.Venue) ---------------------
    def on_minute(self, bars: MinuteBars) -> VenueUpdate | None:
        """A broker fills from the exchange, not from the engine's minutes: None (read the books)."""
        return None

    def first_trades_wanted(self) -> Collection[str]:
        """None: a broker's fills do not wait on the engine's trades."""
        return ()

    def on_first_trade(self, instrument_id: str, minute_start: datetime, price: float) -> VenueUpdate:
        """Nothing to do (never asked for)."""
        return NO_UPDATE

    def sync(self) -> None:  # noqa: B027 (a no-op a simulated venue overrides)
        """Nothing held back: every call went to the broker."""

    # ----- the machinery ------------------------------------------------------------
    def _call(self, kind: str, operation: str, fn: Callable[[], T]) -> T:
        """Run an idempotent call with session check, rate limit, mapping and retries."""
        for attempt in range(1, self.retry.max_attempts + 1):
            self._check_session()
            self.limiter.acquire(kind)
            try:
                return fn()
            except Exception as exc:
                error = self._translate(exc, operation)
            if not error.retryable or attempt == self.retry.max_attempts:
                raise error from None
            self._backoff(operation, attempt, error)
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, operation: str, attempt: int, error: BrokerError) -> None:
        delay = self.retry.delay(attempt)
        log.warning("%s: %s attempt %d failed (%s: %s); retrying in %.2fs",
                    self.name, operation, attempt, type(error).__name__, error.message, delay)
        self._sleep(delay)

    def _translate(self, exc: Exception, operation: str) -> BrokerError:
        if isinstance(exc, BrokerError):
            return exc
        failure = self._failure(exc)
        if failure is None:
            raise exc
        error = map_failure(self.name, failure)
        log.warning("%s: %s failed: %s", self.name, operation, error)
        return error

    def _check_session(self) -> None:
        if self.session_provider is None:
            return
        session = self.session_provider.current()
        if session.access_token != self._token:
            self._apply_session(session)
            self._token = session.access_token
            log.info("%s: using the session valid until %s", self.name, session.valid_until.isoformat())

    def _apply_session(self, session: BrokerSession) -> None:  # noqa: B027 (optional hook)
        """Give the SDK client a new access token (brokers with sessions override)."""

    # ----- primitives -----------------------------------------------------------------
    @abstractmethod
    def _place_order(self, request: OrderSubmission) -> str:
        """Send a new order tagged ``request.client_order_id``; return the broker order id."""

    @abstractmethod
    def _modify_order(self, order: BrokerOrder, change: OrderChange) -> None:
        """Modify ``order``."""

    @abstractmethod
    def _cancel_order(self, order: BrokerOrder) -> None:
        """Cancel ``order``."""

    @abstractmethod
    def _order_book(self) -> list[BrokerOrder]:
        """All of today's orders."""

    @abstractmethod
    def _trade_book(self) -> list[BrokerTrade]:
        """All of today's executions."""

    @abstractmethod
    def _positions(self) -> list[BrokerPosition]:
        """Net positions."""

    @abstractmethod
    def _holdings(self) -> list[Holding]:
        """Demat holdings."""

    @abstractmethod
    def _historical_candles(
        self, instrument_id: str, interval: str, start: datetime, end: datetime
    ) -> list[Candle]:
        """Historical candles."""

    @abstractmethod
    def _instruments(self, exchange: str | None) -> list[InstrumentInfo]:
        """Instrument master."""

    @abstractmethod
    def _ticks(self) -> TickStream:
        """A tick stream over the broker's socket."""

    @abstractmethod
    def _failure(self, exc: Exception) -> BrokerFailure | None:
        """``exc`` in neutral form, or None when it is not a broker failure (a bug: re-raised)."""


def _accepted(request: OrderSubmission, broker_order_id: str) -> BrokerOrder:
    return BrokerOrder(
        broker_order_id=broker_order_id,
        client_order_id=request.client_order_id,
        instrument_id=request.instrument_id,
        side=request.side,
        quantity=request.quantity,
        status=OrderStatus.SUBMITTED,
        order_type=request.order_type,
        product=request.product,
        limit_price=request.limit_price,
        trigger_price=request.trigger_price,
    )
