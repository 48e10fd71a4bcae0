"""A sliced live order through the real ``kiteconnect`` client against the fake Kite server:
every child is tagged with its own id and market-protected, fills roll up to the parent, and a
refused child stops the rest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fake_kite import ACCESS_TOKEN, API_KEY, API_SECRET, FakeKite

from vyapari.brokers.retry import RetryPolicy
from vyapari.brokers.secrets import InMemorySecretsStore
from vyapari.brokers.session import BrokerSession, SessionProvider
from vyapari.brokers.slicing import child_order_id
from vyapari.brokers.zerodha import KiteBrokerAdapter, KiteConfig
from vyapari.core.time import IST
from vyapari.live.orders import OrderManager
from vyapari.live.ports import InMemoryMetrics, InMemoryPublisher
from vyapari.live.store import SqliteOrderStateStore
from vyapari.model.enums import ProductType, Side
from vyapari.model.intents import IntentState, OrderIntent

NOW = datetime(2026, 1, 5, 9, 20, tzinfo=IST)
PARENT = "kiteparent0000000001"


@pytest.fixture
def kite() -> Iterator[FakeKite]:
    server = FakeKite()
    server.root = server.start()
    yield server
    server.stop()


def _manager(kite: FakeKite, tmp_path: Path, freeze: int) -> OrderManager:
    provider = SessionProvider("zerodha", InMemorySecretsStore(), clock=lambda: NOW)
    provider.save(BrokerSession.issued("zerodha", ACCESS_TOKEN, NOW.replace(hour=8)))
    config = KiteConfig(API_KEY, API_SECRET, api_root=kite.root, timeout_s=1.0)
    broker = KiteBrokerAdapter(config, provider, retry=RetryPolicy(2, 0.01), sleep=lambda s: None)
    store = SqliteOrderStateStore(tmp_path / "orders.sqlite")
    return OrderManager(broker, store, "run", InMemoryMetrics(), InMemoryPublisher(), {"NSE:INFY": freeze})


def _order(quantity: int, lot_size: int) -> OrderIntent:
    return OrderIntent(
        PARENT, "run", "NSE:INFY", Side.BUY, quantity,
        product=ProductType.MIS, opened_step=1, lot_size=lot_size,
    )


def test_each_kite_child_is_tagged_with_its_own_id_and_market_protected(
    kite: FakeKite, tmp_path: Path
) -> None:
    manager = _manager(kite, tmp_path, freeze=1800)
    parent = manager.place(_order(6300, 75))
    sent = [r.form for r in kite.log if r.method == "POST" and r.path == "/orders/regular"]
    assert [f["tag"] for f in sent] == [child_order_id(PARENT, i, 4) for i in range(4)]
    assert [int(f["quantity"]) for f in sent] == [1800, 1800, 1800, 900]
    assert {f["market_protection"] for f in sent} == {"-1"}
    assert parent.state is IntentState.SUBMITTED and parent.broker_order_id is None

    for order in kite.orders:
        kite.fill(order["order_id"], order["quantity"], 1500.0)
    for trade in manager.broker.trades():
        manager.apply_trade(trade.client_order_id, trade.quantity, 3)
    rolled = manager.intents[PARENT]
    assert (rolled.state, rolled.filled_quantity, rolled.closed_step) == (IntentState.FILLED, 6300, 3)


def test_a_refused_kite_child_stops_the_rest_unsent(kite: FakeKite, tmp_path: Path) -> None:
    manager = _manager(kite, tmp_path, freeze=12_000)  # the fake refuses > 10,000 units for margin
    parent = manager.place(_order(25_000, 1))
    sent = [r.form["tag"] for r in kite.log if r.method == "POST" and r.path == "/orders/regular"]
    assert sent == [child_order_id(PARENT, 0, 3)]
    assert kite.orders == []
    children = manager.children(parent)
    assert [c.state for c in children] == [IntentState.REJECTED] * 3
    assert parent.state is IntentState.REJECTED and "3 REJECTED" in (parent.reason or "")


def test_cancel_of_a_sliced_kite_order_cancels_each_open_child(kite: FakeKite, tmp_path: Path) -> None:
    manager = _manager(kite, tmp_path, freeze=1800)
    manager.place(_order(4500, 75))
    first = kite.orders[0]
    kite.fill(first["order_id"], first["quantity"], 1500.0)
    for trade in manager.broker.trades():
        manager.apply_trade(trade.client_order_id, trade.quantity, 3)
    manager.cancel(PARENT, 4)
    cancels = [r.path.rsplit("/", 1)[-1] for r in kite.log if r.method == "DELETE"]
    assert cancels == [o["order_id"] for o in kite.orders[1:]]
    assert [o["status"] for o in kite.orders] == ["COMPLETE", "CANCELLED", "CANCELLED"]
    rolled = manager.intents[PARENT]
    assert (rolled.state, rolled.filled_quantity) == (IntentState.CANCELLED, 1800)
