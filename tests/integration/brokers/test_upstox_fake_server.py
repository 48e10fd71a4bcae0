"""The Upstox adapter driven through the real ``upstox-python-sdk`` against a fake Upstox server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import pytest
from fake_upstox import ACCESS_TOKEN, API_KEY, API_SECRET, AUTH_CODE, INFY_KEY, REDIRECT, FakeUpstox, error

from vyapari.brokers.errors import OrderRejected, SessionExpired
from vyapari.brokers.retry import RetryPolicy
from vyapari.brokers.secrets import InMemorySecretsStore
from vyapari.brokers.session import BrokerSession, SessionProvider
from vyapari.brokers.types import OrderChange, OrderSubmission
from vyapari.brokers.upstox import UpstoxBrokerAdapter, UpstoxConfig, upstox_config_from_env, upstox_login
from vyapari.core.time import IST
from vyapari.model.enums import OrderStatus, OrderType, ProductType, Side

NOW = datetime(2026, 1, 5, 9, 20, tzinfo=IST)


@pytest.fixture
def upstox() -> Iterator[FakeUpstox]:
    server = FakeUpstox()
    server.root = server.start()
    yield server
    server.stop()


def _config(server: FakeUpstox) -> UpstoxConfig:
    root = server.root
    return upstox_config_from_env(
        {
            "UPSTOX_API_KEY": API_KEY,
            "UPSTOX_API_SECRET": API_SECRET,
            "UPSTOX_REDIRECT_URI": REDIRECT,
            "UPSTOX_API_HOST": root,
            "UPSTOX_INSTRUMENTS_URL": f"{root}/instruments.json",
            "UPSTOX_TIMEOUT_S": "1.0",
        }
    )


def _provider(token: str = ACCESS_TOKEN) -> SessionProvider:
    provider = SessionProvider("upstox", InMemorySecretsStore(), clock=lambda: NOW)
    provider.save(BrokerSession.issued("upstox", token, NOW.replace(hour=8)))
    return provider


def _adapter(
    server: FakeUpstox, provider: SessionProvider | None = None
) -> tuple[UpstoxBrokerAdapter, list[float]]:
    sleeps: list[float] = []
    adapter = UpstoxBrokerAdapter(
        _config(server), provider or _provider(), retry=RetryPolicy(4, 0.1), sleep=sleeps.append
    )
    return adapter, sleeps


def _buy(cid: str = "ucid0001", qty: int = 5, **kw: object) -> OrderSubmission:
    return OrderSubmission(cid, "NSE:INFY", Side.BUY, qty, product=ProductType.MIS, **kw)  # type: ignore[arg-type]


def _placements(server: FakeUpstox) -> int:
    return sum(1 for r in server.log if r.path == "/v3/order/place")


def test_order_goes_to_v3_with_tag_and_instrument_key(upstox: FakeUpstox) -> None:
    adapter, _ = _adapter(upstox)
    order = adapter.submit(_buy())
    body = next(r for r in upstox.log if r.path == "/v3/order/place").body
    assert (body["tag"], body["instrument_token"], body["product"]) == ("ucid0001", INFY_KEY, "I")
    assert order.broker_order_id == upstox.orders[0]["order_id"]
    adapter.submit(_buy())
    assert _placements(upstox) == 1


def test_timeout_after_accept_leaves_exactly_one_order(upstox: FakeUpstox) -> None:
    adapter, _ = _adapter(upstox)
    upstox.add_fault("POST", "/v3/order/place", delay_s=2.5)
    order = adapter.submit(_buy())
    assert len(upstox.orders) == 1
    assert _placements(upstox) == 1
    assert order.broker_order_id == upstox.orders[0]["order_id"]


def test_429_and_500_are_retried(upstox: FakeUpstox) -> None:
    adapter, sleeps = _adapter(upstox)
    upstox.add_fault("POST", "/v3/order/place", error(429, "UDAPI10005", "Too Many Request Sent"))
    upstox.add_fault("POST", "/v3/order/place", error(500, "UDAPI100500", "Something went wrong"))
    adapter.submit(_buy())
    assert len(upstox.orders) == 1
    assert len(sleeps) == 2


def test_rejection_is_not_retried(upstox: FakeUpstox) -> None:
    adapter, sleeps = _adapter(upstox)
    with pytest.raises(OrderRejected, match="circuit"):
        adapter.submit(_buy(order_type=OrderType.LIMIT, limit_price=Decimal("0.01")))
    assert _placements(upstox) == 1
    assert sleeps == []


def test_invalid_token_is_session_expired(upstox: FakeUpstox) -> None:
    adapter, _ = _adapter(upstox, _provider("upstoxaccess-OLD-0000"))
    with pytest.raises(SessionExpired):
        adapter.orders()


def test_partial_fill_modify_cancel_positions_candles(upstox: FakeUpstox) -> None:
    adapter, _ = _adapter(upstox)
    order = adapter.submit(_buy(qty=10, order_type=OrderType.LIMIT, limit_price=Decimal("1500")))
    upstox.fill(order.broker_order_id, 3, 1499.95)
    found = adapter.find_order("ucid0001")
    assert found is not None and found.status is OrderStatus.PARTIALLY_FILLED
    trades = adapter.trades()
    assert [(t.quantity, t.price, t.client_order_id) for t in trades] == [(3, Decimal("1499.95"), "ucid0001")]
    assert trades[0].filled_at == datetime(2026, 1, 5, 9, 21, tzinfo=IST)
    adapter.modify("ucid0001", OrderChange(limit_price=Decimal("1501")))
    assert upstox.orders[0]["price"] == 1501.0
    assert adapter.cancel("ucid0001").status is OrderStatus.CANCELLED
    assert adapter.positions()[0].instrument_id == "NSE:INFY"
    candles = adapter.candles("NSE:INFY", "minute", NOW.replace(minute=15), NOW)
    assert [c.start_at.minute for c in candles] == [15, 16]


def test_login_exchanges_code_and_adapter_uses_new_token(upstox: FakeUpstox) -> None:
    provider = _provider("upstoxaccess-OLD-0000")
    adapter, _ = _adapter(upstox, provider)
    with pytest.raises(SessionExpired):
        adapter.orders()
    session = upstox_login(_config(upstox), AUTH_CODE, provider, clock=lambda: NOW)
    assert session.valid_until == datetime(2026, 1, 6, 3, 30, tzinfo=IST)
    assert adapter.orders() == []
