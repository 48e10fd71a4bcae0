"""Live engine → API records: orders, trades and positions written from the engine's ``orders`` messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pytest
from tests.integration.live.live_helpers import CAPITAL, paper_broker
from tests.integration.live.slicing_helpers import (
    FREEZE,
    LOT,
    QUANTITY,
    BigOrder,
    paper_config,
    session_panel,
)

from vyapari.api.live_records import LiveRecords, RecordStores
from vyapari.api.ports import MemoryRecordStore, Record
from vyapari.brokers.paper import PaperBrokerAdapter
from vyapari.core.errors import InvalidInput
from vyapari.core.time import IST
from vyapari.live.bars import SessionTable
from vyapari.live.engine import LiveConfig, LiveEngine
from vyapari.live.messages import intent_message
from vyapari.live.ports import InMemoryMetrics, InMemoryPublisher
from vyapari.live.replay import replay
from vyapari.live.store import InMemoryOrderStateStore
from vyapari.market.calendar import get_calendar
from vyapari.model.enums import Side
from vyapari.model.intents import IntentState, OrderIntent
from vyapari.strategies import make_strategy
from vyapari.strategy.strategy import Strategy
from vyapari.strategy.synthetic import random_walk_panel

AT = datetime(2026, 1, 5, 10, 0, tzinfo=IST)


def _stores() -> RecordStores:
    return RecordStores(MemoryRecordStore(), MemoryRecordStore(), MemoryRecordStore())


def _partitions(store: Any) -> dict[str, dict[str, Record]]:
    """The records of a :class:`MemoryRecordStore` by mode (partition)."""
    assert isinstance(store, MemoryRecordStore)
    return store.partitions


def _all(store: Any, mode: str) -> dict[str, Record]:
    return {k: dict(v) for k, v in store.partitions.get(mode, {}).items()}


def _engine(strategy: Strategy, broker: PaperBrokerAdapter, symbols: list[str], records: LiveRecords,
            **kwargs: Any) -> LiveEngine:
    config = LiveConfig(run_id="records", capital_inr=float(kwargs.pop("capital", CAPITAL)),
                        fees=kwargs.pop("fees", "zerodha"))
    return LiveEngine(strategy, broker, symbols, config, InMemoryOrderStateStore(),
                      SessionTable(get_calendar("NSE").session_bounds), publisher=records,
                      metrics=InMemoryMetrics(), **kwargs)


def test_a_replayed_day_records_every_order_fill_and_position() -> None:
    panel = random_walk_panel(symbols=3, sessions=1, bars_per_session=120, seed=11)
    stores, forwarded = _stores(), InMemoryPublisher()
    records = LiveRecords(stores, "paper", forwarded, clock=lambda: AT)
    engine = _engine(make_strategy("sma_cross_bar", {"fast": 5, "slow": 20, "qty": 10}), paper_broker(),
                     list(panel.symbols), records)
    replay(engine, panel)
    orders = _all(stores.orders, "paper")
    intents = engine.orders.intents
    assert len(intents) > 4 and set(orders) == set(intents)
    for cid, intent in intents.items():
        assert (orders[cid]["state"], orders[cid]["filled_quantity"]) == (intent.state.value,
                                                                          intent.filled_quantity)
        assert orders[cid]["mode"] == "paper" and orders[cid]["updated_at"] == AT.isoformat()
    positions = _all(stores.positions, "paper")
    held = {iid: int(engine.account.pos[n]) for iid, n in engine.columns.items()}
    assert {iid: p["quantity"] for iid, p in positions.items()} == {iid: held[iid] for iid in positions}
    fills = engine.account.portfolio.fills
    trades = list(_all(stores.trades, "paper").values())
    assert sum(t["quantity"] for t in trades) == sum(f.quantity for f in fills)
    for iid, position in positions.items():
        mine = [t for t in trades if t["instrument_id"] == iid]
        assert position["bought_quantity"] == sum(t["quantity"] for t in mine if t["side"] == "BUY")
        assert position["sold_quantity"] == sum(t["quantity"] for t in mine if t["side"] == "SELL")
    assert records.errors == 0
    assert len(forwarded.messages["orders"]) >= len(intents) and forwarded.messages["pnl"]
    assert not _all(stores.orders, "live")


def test_a_sliced_order_is_counted_through_its_slices_only() -> None:
    panel = session_panel()
    stores = _stores()
    strategy = BigOrder()
    engine = _engine(strategy, PaperBrokerAdapter(paper_config()), list(panel.symbols),
                     LiveRecords(stores, "live"), capital=float(paper_config().initial_capital),
                     fees="none", lot_sizes=np.array([LOT]), freeze_quantities=np.array([FREEZE]))
    replay(engine, panel)
    [parent_id] = strategy.submitted
    orders = _all(stores.orders, "live")
    assert orders[parent_id]["sliced"] and orders[parent_id]["filled_quantity"] == QUANTITY
    children = [o for o in orders.values() if o["parent_id"] == parent_id]
    assert len(children) == 4 and not any(c["sliced"] for c in children)
    trades = _all(stores.trades, "live")
    assert {t["client_order_id"] for t in trades.values()} == {c["client_order_id"] for c in children}
    [position] = _all(stores.positions, "live").values()
    assert position["quantity"] == position["bought_quantity"] == QUANTITY == int(engine.account.pos[0])


def _intent(**changes: Any) -> OrderIntent:
    base = OrderIntent("run-a-0001", "run", "NSE:INFY", Side.BUY, 100, decided_at=AT)
    return base.evolve(**changes)


def test_partial_fills_become_trades_and_a_republished_state_moves_nothing() -> None:
    stores = _stores()
    messages = [intent_message(_intent(state=s, filled_quantity=q)) for s, q in [
        (IntentState.PENDING, 0), (IntentState.SUBMITTED, 0), (IntentState.PARTIALLY_FILLED, 40),
        (IntentState.FILLED, 100)]]
    for message in messages:
        LiveRecords(stores, "paper").publish("orders", message)
    sell = intent_message(_intent(client_order_id="run-a-0002", side=Side.SELL, quantity=30,
                                  state=IntentState.FILLED, filled_quantity=30))
    records = LiveRecords(stores, "paper")  # a restarted service: its caches are empty
    for message in [messages[-1], messages[2], sell, sell]:  # republished, stale, new, repeated
        records.publish("orders", message)
    trades = _all(stores.trades, "paper")
    assert {k: v["quantity"] for k, v in trades.items()} == {"run-a-0001#40": 40, "run-a-0001#100": 60,
                                                               "run-a-0002#30": 30}
    position = stores.positions.get("paper", "NSE:INFY")
    assert position is not None
    assert (position["quantity"], position["bought_quantity"], position["sold_quantity"]) == (70, 100, 30)
    assert stores.orders.get("paper", "run-a-0001")["filled_quantity"] == 100  # type: ignore[index]


def test_messages_without_an_order_are_forwarded_but_not_recorded() -> None:
    stores, forwarded = _stores(), InMemoryPublisher()
    records = LiveRecords(stores, "live", forwarded)
    records.publish("orders", {"type": "readiness", "ready": False, "errors": ["StaleFeed"]})
    records.publish("pnl", {"at": AT.isoformat(), "equity_inr": 1.0})
    assert forwarded.messages["orders"][0]["type"] == "readiness" and forwarded.messages["pnl"]
    assert not _partitions(stores.orders) and not _partitions(stores.positions)


class BrokenStore(MemoryRecordStore):
    def put(self, partition: str, key: str, record: Record, *, if_absent: bool = False) -> bool:
        raise ConnectionError("table unreachable")


def test_a_failed_write_is_counted_and_never_reaches_the_engine() -> None:
    metrics, forwarded = InMemoryMetrics(), InMemoryPublisher()
    stores = RecordStores(BrokenStore(), MemoryRecordStore(), MemoryRecordStore())
    records = LiveRecords(stores, "paper", forwarded, metrics=metrics)
    records.publish("orders", intent_message(_intent()))
    assert records.errors == 1 and metrics.counters["live_records_errors_total{channel=orders}"] == 1
    assert forwarded.messages["orders"][0]["client_order_id"] == "run-a-0001"


def test_the_mode_must_be_paper_or_live() -> None:
    with pytest.raises(InvalidInput, match="mode"):
        LiveRecords(_stores(), "demo")


def test_trades_carry_fill_prices_and_positions_the_engine_average_and_realised_pnl() -> None:
    from decimal import Decimal

    panel = random_walk_panel(symbols=3, sessions=1, bars_per_session=120, seed=11)
    stores = _stores()
    records = LiveRecords(stores, "paper", InMemoryPublisher(), clock=lambda: AT)
    engine = _engine(make_strategy("sma_cross_bar", {"fast": 5, "slow": 20, "qty": 10}), paper_broker(),
                     list(panel.symbols), records)
    replay(engine, panel)
    fills = engine.account.portfolio.fills
    trades = list(_all(stores.trades, "paper").values())
    assert trades and all(t["priced"] for t in trades)
    by_trade = {f.trade_id: f for f in fills}
    for trade in trades:
        mine = [by_trade[t] for t in trade["broker_trade_ids"]]
        assert sum(f.quantity for f in mine) == trade["quantity"]
        vwap = sum(f.price * f.quantity for f in mine) / trade["quantity"]
        assert Decimal(trade["price_inr"]) == vwap.quantize(Decimal("0.0001"))
        assert Decimal(trade["charges_inr"]) == sum(f.charges.total for f in mine)
    cent = Decimal("0.01")
    for iid, record in _all(stores.positions, "paper").items():
        ours = engine.account.portfolio.positions[iid]
        assert abs(Decimal(record["average_price_inr"]) - ours.average_price) < cent
        assert abs(Decimal(record["realised_pnl_inr"]) - ours.realised_pnl) < cent
    assert any(Decimal(r["realised_pnl_inr"]) != 0 for r in _all(stores.positions, "paper").values())
