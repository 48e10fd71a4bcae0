"""An in-memory broker whose primitives fail on a script, to test the base workflow."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from vyapari.brokers.base import BrokerAdapter
from vyapari.brokers.errors import BrokerFailure
from vyapari.brokers.ratelimit import RateLimiter
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
    OrderChange,
    OrderSubmission,
    Tick,
)
from vyapari.model.enums import OrderStatus


class Failure(Exception):
    """A scripted broker failure carrying a neutral description."""

    def __init__(self, status: int | None, kind: str, message: str, *, accepted: bool = False) -> None:
        super().__init__(message)
        self.failure = BrokerFailure(status, kind, message)
        self.accepted = accepted


TIMEOUT_AFTER_ACCEPT = Failure(None, "timeout", "read timed out", accepted=True)
TIMEOUT_BEFORE_ACCEPT = Failure(None, "timeout", "read timed out")
HTTP_503 = Failure(503, "NetworkException", "gateway unavailable")
HTTP_429 = Failure(429, "NetworkException", "Too many requests")
REJECTED = Failure(400, "InputException", "Invalid price")


class ScriptedBroker(BrokerAdapter):
    """Places orders into ``book``; ``place_script`` / ``book_script`` raise in order."""

    name = "scripted"

    def __init__(
        self,
        *,
        sleeps: list[float] | None = None,
        session: SessionProvider | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.sleeps: list[float] = [] if sleeps is None else sleeps
        super().__init__(
            retry=retry or RetryPolicy(max_attempts=4, base_delay_s=0.5),
            sleep=self.sleeps.append,
            session=session,
            limiter=limiter,
        )
        self.book: list[BrokerOrder] = []
        self.place_script: list[Failure] = []
        self.book_script: list[Failure] = []
        self.place_calls = 0
        self.applied_tokens: list[str] = []

    def _apply_session(self, session: BrokerSession) -> None:
        self.applied_tokens.append(session.access_token)

    def _place_order(self, request: OrderSubmission) -> str:
        self.place_calls += 1
        failure = self.place_script.pop(0) if self.place_script else None
        if failure is not None and not failure.accepted:
            raise failure
        broker_id = f"B{len(self.book) + 1}"
        self.book.append(
            BrokerOrder(
                broker_id,
                request.client_order_id,
                request.instrument_id,
                request.side,
                request.quantity,
                OrderStatus.OPEN,
                request.order_type,
                request.product,
            )
        )
        if failure is not None:
            raise failure
        return broker_id

    def _modify_order(self, order: BrokerOrder, change: OrderChange) -> None:
        return None

    def _cancel_order(self, order: BrokerOrder) -> None:
        return None

    def _order_book(self) -> list[BrokerOrder]:
        if self.book_script:
            raise self.book_script.pop(0)
        return list(self.book)

    def _trade_book(self) -> list[BrokerTrade]:
        return []

    def _positions(self) -> list[BrokerPosition]:
        return []

    def _holdings(self) -> list[Holding]:
        return []

    def _historical_candles(
        self, instrument_id: str, interval: str, start: datetime, end: datetime
    ) -> list[Candle]:
        return []

    def _instruments(self, exchange: str | None) -> list[InstrumentInfo]:
        return []

    def _ticks(self) -> TickStream:
        return ListTickStream()

    def _failure(self, exc: Exception) -> BrokerFailure | None:
        return exc.failure if isinstance(exc, Failure) else None


class ListTickStream(TickStream):
    """A transport that records what was sent; frames are ``"ID:PRICE"`` strings."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, tuple[str, ...]]] = []

    def _open(self) -> None:
        self.handle_open()

    def _close(self) -> None:
        return None

    def _send_subscribe(self, instrument_ids: Sequence[str]) -> None:
        self.sent.append(("subscribe", tuple(instrument_ids)))

    def _send_unsubscribe(self, instrument_ids: Sequence[str]) -> None:
        self.sent.append(("unsubscribe", tuple(instrument_ids)))

    def _decode(self, payload: bytes | str) -> tuple[list[Tick], int]:
        from decimal import Decimal

        from vyapari.core.time import IST

        text = payload.decode() if isinstance(payload, bytes) else payload
        ident, _, price = text.rpartition(":")
        return [Tick(ident, Decimal(price), datetime(2026, 1, 5, 9, 15, tzinfo=IST))], 0
