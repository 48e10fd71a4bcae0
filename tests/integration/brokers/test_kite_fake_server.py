"""The Kite adapter driven through the real ``kiteconnect`` client against a fake Kite server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import pytest
from fake_http import Response
from fake_kite import ACCESS_TOKEN, API_KEY, API_SECRET, REQUEST_TOKEN, FakeKite, error

from vyapari.brokers.errors import InsufficientFunds, OrderRejected, SessionExpired
from vyapari.brokers.retry import RetryPolicy
from vyapari.brokers.secrets import InMemorySecretsStore
from vyapari.brokers.session import BrokerSession, SessionProvider
from vyapari.brokers.types import OrderChange, OrderSubmission
from vyapari.brokers.zerodha import KiteBrokerAdapter, KiteConfig, kite_login
from vyapari.core.time import IST
from vyapari.model.enums import OrderStatus, OrderType, ProductType, Side

NOW = datetime(2026, 1, 5, 9, 20, tzinfo=IST)


@pytest.fixture
def kite() -> Iterator[FakeKite]:
    server = FakeKite()
    server.root = server.start()
    yield server
    server.stop()


def _provider(token: str = ACCESS_TOKEN) -> SessionProvider:
    provider = SessionProvider("zerodha", InMemorySecretsStore(), clock=lambda: NOW)
    provider.save(BrokerSession.issued("zerodha", token, NOW.replace(hour=8)))
    return provider


def _adapter(
    kite: FakeKite, provider: SessionProvider | None = None
) -> tuple[KiteBrokerAdapter, list[float]]:
    sleeps: list[float] = []
    config = KiteConfig(API_KEY, API_SECRET, api_root=kite.root, timeout_s=1.0)
    adapter = KiteBrokerAdapter(
        config, provider or _provider(), retry=RetryPolicy(4, 0.1), sleep=sleeps.append
    )
    return adapter, sleeps


def _buy(cid: str = "cid0001", qty: int = 5, **kw: object) -> OrderSubmission:
    return OrderSubmission(cid, "NSE:INFY", Side.BUY, qty, product=ProductType.MIS, **kw)  # type: ignore[arg-type]


def _placements(kite: FakeKite) -> int:
    return sum(1 for r in kite.log if r.method == "POST" and r.path == "/orders/regular")


def test_market_order_is_tagged_and_protected(kite: FakeKite) -> None:
    adapter, _ = _adapter(kite)
    order = adapter.submit(_buy())
    assert order.status is OrderStatus.SUBMITTED
    sent = next(r for r in kite.log if r.path == "/orders/regular").form
    assert sent["tag"] == "cid0001"
    assert sent["market_protection"] == "-1"
    assert sent["variety"] == "regular"


def test_stop_market_orders_are_protected_and_limit_orders_are_not(kite: FakeKite) -> None:
    adapter, _ = _adapter(kite)
    adapter.submit(_buy("cid0002", order_type=OrderType.SL_M, trigger_price=Decimal("1510")))
    adapter.submit(_buy("cid0003", order_type=OrderType.LIMIT, limit_price=Decimal("1490")))
    sent = [r.form for r in kite.log if r.path == "/orders/regular"]
    assert [(f["tag"], f["order_type"], f.get("market_protection")) for f in sent] == [
        ("cid0002", "SL-M", "-1"),
        ("cid0003", "LIMIT", None),
    ]


def test_timeout_before_accept_reads_the_book_before_the_one_retry(kite: FakeKite) -> None:
    adapter, sleeps = _adapter(kite)
    slow_failure = Response(503, {"status": "error", "message": "OMS busy", "error_type": "NetworkException"})
    slow_failure.delay_s = 2.5  # the client gives up at 1 s; the server never accepted the order
    kite.add_fault("POST", "/orders/regular", slow_failure)
    order = adapter.submit(_buy())
    calls = [(r.method, r.path) for r in kite.log if r.path in ("/orders/regular", "/orders")]
    assert calls == [("POST", "/orders/regular"), ("GET", "/orders"), ("POST", "/orders/regular")]
    assert [o["tag"] for o in kite.orders] == ["cid0001"]
    assert order.broker_order_id == kite.orders[0]["order_id"] and len(sleeps) == 1


def test_same_client_order_id_twice_is_one_kite_order(kite: FakeKite) -> None:
    adapter, _ = _adapter(kite)
    adapter.submit(_buy())
    adapter.submit(_buy())
    assert len(kite.orders) == 1
    assert _placements(kite) == 1


def test_timeout_after_accept_leaves_exactly_one_order(kite: FakeKite) -> None:
    adapter, _ = _adapter(kite)
    kite.add_fault("POST", "/orders/regular", delay_s=2.5)
    order = adapter.submit(_buy())
    assert len(kite.orders) == 1
    assert _placements(kite) == 1
    assert [(r.method, r.path) for r in kite.log][-1] == ("GET", "/orders")  # the book, not a retry
    assert order.broker_order_id == kite.orders[0]["order_id"]


def test_429_is_retried_after_backoff(kite: FakeKite) -> None:
    adapter, sleeps = _adapter(kite)
    kite.add_fault("POST", "/orders/regular", error(429, "NetworkException", "Too many requests"))
    adapter.submit(_buy())
    assert sleeps == [0.1]
    assert len(kite.orders) == 1


def test_5xx_checks_the_book_then_retries_once(kite: FakeKite) -> None:
    adapter, sleeps = _adapter(kite)
    kite.add_fault("POST", "/orders/regular", error(503, "NetworkException", "OMS unavailable"))
    kite.add_fault("POST", "/orders/regular", Response(502, b"<html>bad gateway</html>", "text/html"))
    adapter.submit(_buy())
    assert len(kite.orders) == 1
    assert sum(1 for r in kite.log if r.path == "/orders") == 2
    assert len(sleeps) == 2


def test_rejection_is_order_rejected_and_not_retried(kite: FakeKite) -> None:
    adapter, sleeps = _adapter(kite)
    with pytest.raises(OrderRejected, match="circuit"):
        adapter.submit(_buy(order_type=OrderType.LIMIT, limit_price=Decimal("0.01")))
    assert _placements(kite) == 1
    assert sleeps == []


def test_margin_shortfall_is_insufficient_funds(kite: FakeKite) -> None:
    adapter, _ = _adapter(kite)
    with pytest.raises(InsufficientFunds):
        adapter.submit(_buy(qty=20_000))


def test_expired_token_is_session_expired(kite: FakeKite) -> None:
    adapter, _ = _adapter(kite, _provider("kiteaccess-OLD-0000"))
    with pytest.raises(SessionExpired):
        adapter.submit(_buy())
    assert _placements(kite) == 1


def test_partial_fill_shows_in_order_and_trade_book(kite: FakeKite) -> None:
    adapter, _ = _adapter(kite)
    order = adapter.submit(_buy(qty=10))
    kite.fill(order.broker_order_id, 4, 1500.5)
    refreshed = adapter.find_order("cid0001")
    assert refreshed is not None and refreshed.status is OrderStatus.PARTIALLY_FILLED
    assert refreshed.filled_quantity == 4
    trades = adapter.trades()
    assert [(t.quantity, t.price, t.client_order_id) for t in trades] == [(4, Decimal("1500.5"), "cid0001")]
    assert trades[0].filled_at == datetime(2026, 1, 5, 9, 21, tzinfo=IST)


def test_modify_cancel_positions_candles(kite: FakeKite) -> None:
    adapter, _ = _adapter(kite)
    adapter.submit(_buy(order_type=OrderType.LIMIT, limit_price=Decimal("1490")))
    adapter.modify("cid0001", OrderChange(limit_price=Decimal("1495")))
    assert kite.orders[0]["price"] == 1495.0
    assert adapter.cancel("cid0001").status is OrderStatus.CANCELLED
    assert adapter.positions()[0].quantity == 5
    candles = adapter.candles("NSE:INFY", "minute", NOW.replace(hour=9, minute=15), NOW)
    assert [c.close for c in candles] == [Decimal("1502.25"), Decimal("1502")]
    assert candles[0].start_at == datetime(2026, 1, 5, 9, 15, tzinfo=IST)


def test_login_stores_token_and_adapter_uses_it_without_rebuild(kite: FakeKite) -> None:
    provider = SessionProvider("zerodha", InMemorySecretsStore(), clock=lambda: NOW)
    provider.save(BrokerSession.issued("zerodha", "kiteaccess-OLD-0000", NOW.replace(hour=8)))
    adapter, _ = _adapter(kite, provider)
    with pytest.raises(SessionExpired):
        adapter.orders()
    config = KiteConfig(API_KEY, API_SECRET, api_root=kite.root)
    session = kite_login(config, REQUEST_TOKEN, provider, clock=lambda: NOW)
    assert session.valid_until == datetime(2026, 1, 6, 6, 0, tzinfo=IST)
    assert adapter.orders() == []


def test_login_with_a_bad_request_token_is_session_expired(kite: FakeKite) -> None:
    config = KiteConfig(API_KEY, API_SECRET, api_root=kite.root)
    with pytest.raises(SessionExpired):
        kite_login(config, "reqtoken-WRONG", _provider(), clock=lambda: NOW)
