"""The BrokerAdapter workflow: validation, idempotency, reconcile-before-retry, error mapping."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from broker_fakes import (
    HTTP_429,
    HTTP_503,
    REJECTED,
    TIMEOUT_AFTER_ACCEPT,
    TIMEOUT_BEFORE_ACCEPT,
    Failure,
    ScriptedBroker,
)

from vyapari.brokers.errors import (
    BrokerUnavailable,
    InsufficientFunds,
    InvalidOrder,
    OrderNotFound,
    OrderRejected,
    RateLimited,
    SessionExpired,
)
from vyapari.brokers.types import OrderSubmission
from vyapari.model.enums import OrderType, Side


def _request(cid: str = "abc123", **kw: object) -> OrderSubmission:
    base: dict[str, object] = {
        "client_order_id": cid,
        "instrument_id": "NSE:INFY",
        "side": Side.BUY,
        "quantity": 10,
    }
    base.update(kw)
    return OrderSubmission(**base)  # type: ignore[arg-type]


def test_same_client_order_id_twice_places_one_broker_order() -> None:
    broker = ScriptedBroker()
    first = broker.submit(_request())
    second = broker.submit(_request())
    assert broker.place_calls == 1
    assert len(broker.book) == 1
    assert second.broker_order_id == first.broker_order_id


def test_timeout_after_accept_finds_order_by_tag_and_never_places_twice() -> None:
    broker = ScriptedBroker()
    broker.place_script = [TIMEOUT_AFTER_ACCEPT]
    order = broker.submit(_request())
    assert broker.place_calls == 1
    assert [o.client_order_id for o in broker.book] == ["abc123"]
    assert order.broker_order_id == "B1"
    assert broker.submit(_request()).broker_order_id == "B1"


def test_timeout_before_accept_is_retried_after_book_check() -> None:
    broker = ScriptedBroker()
    broker.place_script = [TIMEOUT_BEFORE_ACCEPT, HTTP_503]
    order = broker.submit(_request())
    assert broker.place_calls == 3
    assert len(broker.book) == 1
    assert order.broker_order_id == "B1"
    assert broker.sleeps == [0.5, 1.0]


def test_rate_limited_is_retried_after_backoff() -> None:
    broker = ScriptedBroker()
    broker.place_script = [HTTP_429, HTTP_429]
    broker.submit(_request())
    assert broker.place_calls == 3
    assert broker.sleeps == [0.5, 1.0]


def test_rate_limited_every_time_raises_rate_limited() -> None:
    broker = ScriptedBroker()
    broker.place_script = [HTTP_429] * 4
    with pytest.raises(RateLimited):
        broker.submit(_request())
    assert broker.place_calls == 4
    assert broker.book == []


def test_rejection_is_mapped_and_never_retried() -> None:
    broker = ScriptedBroker()
    broker.place_script = [REJECTED]
    with pytest.raises(OrderRejected, match="Invalid price"):
        broker.submit(_request())
    assert broker.place_calls == 1
    assert broker.sleeps == []


def test_insufficient_funds_is_its_own_error() -> None:
    broker = ScriptedBroker()
    broker.place_script = [Failure(400, "MarginException", "Insufficient funds. Required margin is 95.")]
    with pytest.raises(InsufficientFunds):
        broker.submit(_request())


def test_expired_token_maps_to_session_expired_without_retry() -> None:
    broker = ScriptedBroker()
    broker.place_script = [Failure(403, "TokenException", "Incorrect `api_key` or `access_token`.")]
    with pytest.raises(SessionExpired):
        broker.submit(_request())
    assert broker.place_calls == 1


def test_unreadable_book_after_timeout_fails_without_replacing() -> None:
    broker = ScriptedBroker()
    broker.place_script = [TIMEOUT_AFTER_ACCEPT]
    broker.book_script = [HTTP_503] * 4
    with pytest.raises(BrokerUnavailable, match="outcome unknown"):
        broker.submit(_request())
    assert broker.place_calls == 1


def test_reads_are_retried_on_5xx() -> None:
    broker = ScriptedBroker()
    broker.book_script = [HTTP_503, HTTP_503]
    assert broker.orders() == []
    assert broker.sleeps == [0.5, 1.0]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": 15, "lot_size": 10}, "lots"),
        ({"order_type": OrderType.LIMIT}, "limit_price"),
        ({"order_type": OrderType.SL, "limit_price": Decimal("10")}, "trigger_price"),
        ({"limit_price": Decimal("10")}, "limit_price"),
        ({"order_type": OrderType.LIMIT, "limit_price": Decimal("-1")}, "limit_price"),
        ({"instrument_id": "INFY"}, "instrument_id"),
        ({"client_order_id": "x" * 21}, "client_order_id"),
        ({"side": "BUY"}, "side"),
    ],
)
def test_invalid_requests_never_reach_the_broker(changes: dict[str, Any], field: str) -> None:
    broker = ScriptedBroker()
    with pytest.raises(InvalidOrder, match=field):
        broker.submit(_request(**changes))
    assert broker.place_calls == 0


def test_cancel_of_unknown_order_is_order_not_found() -> None:
    with pytest.raises(OrderNotFound):
        ScriptedBroker().cancel("nope")


def test_maybe_placed_finds_an_order_an_earlier_process_placed_and_never_places_it() -> None:
    earlier = ScriptedBroker()
    earlier.submit(_request())  # accepted; that process died before recording the answer
    restarted = ScriptedBroker()
    restarted.book = earlier.book  # the broker's book outlives the process
    order = restarted.submit(_request(), maybe_placed=True)
    assert restarted.place_calls == 0
    assert order.broker_order_id == "B1" and [o.client_order_id for o in restarted.book] == ["abc123"]
    assert restarted.submit(_request(), maybe_placed=True).broker_order_id == "B1"
    assert restarted.place_calls == 0


def test_maybe_placed_places_once_when_the_book_provably_lacks_it() -> None:
    broker = ScriptedBroker()
    broker.submit(_request(), maybe_placed=True)
    broker.submit(_request(), maybe_placed=True)
    assert broker.place_calls == 1 and len(broker.book) == 1


def test_maybe_placed_with_an_unreadable_book_places_nothing() -> None:
    broker = ScriptedBroker()
    broker.book_script = [HTTP_503] * 4
    with pytest.raises(BrokerUnavailable, match="placed before"):
        broker.submit(_request(), maybe_placed=True)
    assert broker.place_calls == 0 and broker.book == []
