"""Order intents keep their lot size, and sliced orders roll up and recover, in the order manager."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from vyapari.brokers.paper import PaperBrokerAdapter, PaperConfig
from vyapari.brokers.paper.journal import JournaledPaperBrokerAdapter
from vyapari.brokers.slicing import child_order_id
from vyapari.live.orders import OrderManager
from vyapari.live.ports import InMemoryMetrics, InMemoryPublisher
from vyapari.live.sliced import aggregate, freeze_by_instrument
from vyapari.live.store import SqliteOrderStateStore, intent_from_json, intent_to_json
from vyapari.model.enums import ProductType, Side
from vyapari.model.intents import IntentState, OrderIntent

IID = "NFO:NIFTY26JANFUT"


def _intent(cid: str = "parent0000000000001", quantity: int = 6300, **kw: object) -> OrderIntent:
    return OrderIntent(
        cid,
        "run",
        IID,
        Side.BUY,
        quantity,
        product=ProductType.NRML,
        session_date=date(2026, 1, 5),
        **kw,  # type: ignore[arg-type]
    )


def _manager(
    broker: PaperBrokerAdapter, store: SqliteOrderStateStore, freeze: int | None = 1800
) -> OrderManager:
    frozen = {} if freeze is None else {IID: freeze}
    return OrderManager(broker, store, "run", InMemoryMetrics(), InMemoryPublisher(), frozen)


def _placed(journal: Path) -> list[dict[str, object]]:
    lines = journal.read_text(encoding="utf-8").splitlines() if journal.exists() else []
    return [json.loads(x) for x in lines if '"op":"place"' in x]


def test_intent_rows_written_before_lot_and_slice_fields_still_load(tmp_path: Path) -> None:
    legacy = json.loads(intent_to_json(_intent(quantity=75)))
    for key in ("lot_size", "parent_id", "freeze_quantity"):
        del legacy[key]
    db = sqlite3.connect(tmp_path / "orders.sqlite")
    db.execute(
        "CREATE TABLE intents (client_order_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, "
        "seq INTEGER NOT NULL, state TEXT NOT NULL, body TEXT NOT NULL)"
    )
    db.execute(
        "INSERT INTO intents VALUES (?,?,?,?,?)",
        ("parent0000000000001", "run", 1, "PENDING", json.dumps(legacy)),
    )
    db.commit()
    db.close()
    store = SqliteOrderStateStore(tmp_path / "orders.sqlite")
    (loaded,) = store.intents("run")
    assert (loaded.lot_size, loaded.parent_id, loaded.freeze_quantity, loaded.quantity) == (1, None, None, 75)
    assert not loaded.is_parent
    store.close()


def test_lot_size_and_slice_fields_round_trip_through_json() -> None:
    intent = _intent(lot_size=75, parent_id="p1", freeze_quantity=1800)
    assert intent_from_json(intent_to_json(intent)) == intent


def test_intent_resent_after_a_restart_goes_out_with_its_stored_lot_size(tmp_path: Path) -> None:
    store = SqliteOrderStateStore(tmp_path / "orders.sqlite")
    store.put(_intent("cid00000000000000075", quantity=150, lot_size=75))  # written, then the crash
    store.close()
    store = SqliteOrderStateStore(tmp_path / "orders.sqlite")
    broker = JournaledPaperBrokerAdapter(tmp_path / "journal.jsonl", PaperConfig())
    manager = _manager(broker, store)
    counts = manager.reconcile(broker.orders(), 0, lambda intent: True)
    assert counts["resent"] == 1
    assert [(r["cid"], r["quantity"], r["lot_size"]) for r in _placed(tmp_path / "journal.jsonl")] == [
        ("cid00000000000000075", 150, 75)
    ]
    assert manager.flush() == 1  # the acceptance is written with the slice's other changes
    assert store.get("cid00000000000000075").state is IntentState.SUBMITTED  # type: ignore[union-attr]
    store.close()


def test_parent_whose_children_were_never_written_gets_them_once_on_reconcile(tmp_path: Path) -> None:
    store = SqliteOrderStateStore(tmp_path / "orders.sqlite")
    store.put(_intent(lot_size=50, freeze_quantity=1800))  # the parent is written, the crash comes next
    broker = JournaledPaperBrokerAdapter(tmp_path / "journal.jsonl", PaperConfig())
    manager = _manager(broker, store)
    manager.reconcile(broker.orders(), 0, lambda intent: True)
    manager.reconcile(broker.orders(), 2, lambda intent: True)
    placed = _placed(tmp_path / "journal.jsonl")
    assert [r["cid"] for r in placed] == [child_order_id("parent0000000000001", i, 4) for i in range(4)]
    assert [r["quantity"] for r in placed] == [1800, 1800, 1800, 900]
    assert manager.intents["parent0000000000001"].state is IntentState.SUBMITTED
    store.close()


def test_partial_fills_of_children_show_as_one_partly_filled_parent(tmp_path: Path) -> None:
    store = SqliteOrderStateStore(tmp_path / "orders.sqlite")
    manager = _manager(PaperBrokerAdapter(PaperConfig()), store)
    parent = manager.place(_intent(opened_step=1, lot_size=50))
    assert parent.state is IntentState.SUBMITTED and parent.is_parent
    first = child_order_id(parent.client_order_id, 0, 4)
    assert manager.apply_trade(first, 1000, 2) == parent.client_order_id
    assert manager.apply_trade(first, 800, 2) == parent.client_order_id
    (shown,) = manager.open_intents()
    assert (shown.client_order_id, shown.state, shown.filled_quantity) == (
        parent.client_order_id,
        IntentState.PARTIALLY_FILLED,
        1800,
    )
    assert manager.intents[first].state is IntentState.FILLED
    unflushed = SqliteOrderStateStore(tmp_path / "orders.sqlite").get(parent.client_order_id)
    assert unflushed is not None and unflushed.filled_quantity == 0  # fills are written at the flush
    manager.flush()
    reloaded = SqliteOrderStateStore(tmp_path / "orders.sqlite").get(parent.client_order_id)
    assert reloaded is not None and reloaded.filled_quantity == 1800  # the roll-up is durable too


def test_unsliced_order_apply_trade_returns_its_own_id(tmp_path: Path) -> None:
    store = SqliteOrderStateStore(tmp_path / "orders.sqlite")
    manager = _manager(PaperBrokerAdapter(PaperConfig()), store)
    single = manager.place(_intent(quantity=1800, opened_step=1, lot_size=50))
    assert not single.is_parent and single.state is IntentState.SUBMITTED and single.lot_size == 50
    assert manager.apply_trade(single.client_order_id, 1800, 2) == single.client_order_id


def test_cancel_of_a_pending_intent_the_broker_never_saw_is_not_sent(tmp_path: Path) -> None:
    store = SqliteOrderStateStore(tmp_path / "orders.sqlite")
    store.put(_intent("cid0000000000000pend", quantity=50, lot_size=50))
    broker = JournaledPaperBrokerAdapter(tmp_path / "journal.jsonl", PaperConfig())
    manager = _manager(broker, store)
    manager.cancel("cid0000000000000pend", 3)
    assert _placed(tmp_path / "journal.jsonl") == []
    assert manager.intents["cid0000000000000pend"].state is IntentState.CANCELLED


def _child(state: IntentState, filled: int = 0, closed: int | None = 7) -> OrderIntent:
    return _intent("c", 1800, state=state, filled_quantity=filled, closed_step=closed, parent_id="p")


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ([_child(IntentState.PENDING), _child(IntentState.PENDING)], IntentState.PENDING),
        ([_child(IntentState.SUBMITTED), _child(IntentState.PENDING)], IntentState.SUBMITTED),
        ([_child(IntentState.FILLED, 1800), _child(IntentState.SUBMITTED)], IntentState.PARTIALLY_FILLED),
        ([_child(IntentState.FILLED, 1800), _child(IntentState.FILLED, 1800)], IntentState.FILLED),
        ([_child(IntentState.FILLED, 1800), _child(IntentState.REJECTED)], IntentState.CANCELLED),
        ([_child(IntentState.REJECTED), _child(IntentState.REJECTED)], IntentState.REJECTED),
        ([_child(IntentState.CANCELLED), _child(IntentState.REJECTED)], IntentState.CANCELLED),
        ([_child(IntentState.FILLED, 1800), _child(IntentState.MISSING)], IntentState.MISSING),
        ([_child(IntentState.EXPIRED), _child(IntentState.EXPIRED)], IntentState.EXPIRED),
    ],
)
def test_parent_state_is_the_roll_up_of_its_children(
    states: list[OrderIntent], expected: IntentState
) -> None:
    parent = _intent("p", 3600, freeze_quantity=1800)
    rolled = aggregate(parent, states, 9)
    assert rolled.state is expected
    assert rolled.filled_quantity == sum(c.filled_quantity for c in states)
    assert (rolled.closed_step is None) == expected.is_open


def test_freeze_quantities_array_maps_to_instruments_and_skips_unknown() -> None:
    assert freeze_by_instrument(["NFO:A", "NSE:B"], [1800, 0]) == {"NFO:A": 1800}
    assert freeze_by_instrument(["NFO:A"], None) == {}
    with pytest.raises(ValueError, match="one value per instrument"):
        freeze_by_instrument(["NFO:A", "NSE:B"], [1800])


def test_limit_price_and_lot_survive_on_every_child(tmp_path: Path) -> None:
    store = SqliteOrderStateStore(tmp_path / "orders.sqlite")
    manager = _manager(PaperBrokerAdapter(PaperConfig()), store)
    from vyapari.model.enums import OrderType

    parent = manager.place(
        _intent(opened_step=1, order_type=OrderType.LIMIT, limit_price=Decimal("101.5"), lot_size=50)
    )
    children = manager.children(parent)
    assert {(c.limit_price, c.lot_size, c.order_type) for c in children} == {
        (Decimal("101.5"), 50, OrderType.LIMIT)
    }
    assert all(c.state is IntentState.SUBMITTED for c in children)
