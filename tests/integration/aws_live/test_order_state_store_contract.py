"""One contract for every :class:`OrderStateStore`: in memory, SQLite and DynamoDB (moto).

The same checks run against each implementation; the DynamoDB-only checks at the end cover what
the others do not promise (stale writers refused, a second process sees every write).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from functions.shared.dynamo_order_store import DynamoDbOrderStateStore, StaleIntentWrite
from tests.integration.live.live_helpers import make_engine, run_live

from vyapari.core.time import IST
from vyapari.live.replay import replay
from vyapari.live.risk import engage_kill_switch, kill_switch_state, reset_kill_switch
from vyapari.live.store import InMemoryOrderStateStore, OrderStateStore, SqliteOrderStateStore
from vyapari.model.enums import OrderType, ProductType, Side
from vyapari.model.intents import IntentKind, IntentState, OrderIntent
from vyapari.strategy.synthetic import random_walk_panel

Factory = Callable[[], OrderStateStore]
SMA = ("sma_cross_bar", {"fast": 5, "slow": 20, "qty": 10})


def intent(cid: str, run: str = "run-a", **changes: Any) -> OrderIntent:
    """A limit order intent with every optional field filled."""
    base = OrderIntent(
        cid, run, "NSE:RELIANCE", Side.BUY, 10, OrderType.LIMIT, ProductType.MIS,
        limit_price=Decimal("1380.55"), trigger_price=Decimal("1379.05"),
        decided_at=datetime(2026, 1, 5, 9, 16, tzinfo=IST), session_date=date(2026, 1, 5), opened_step=42,
    )
    return base.evolve(**changes)


def _factory(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Factory]:
    """Opens stores of ``kind`` on one shared backing (a file, a table); memory stores share nothing."""
    if kind == "memory":
        yield InMemoryOrderStateStore
    elif kind == "sqlite":
        opened: list[SqliteOrderStateStore] = []

        def sqlite() -> OrderStateStore:
            opened.append(SqliteOrderStateStore(tmp_path / "orders.sqlite"))
            return opened[-1]

        yield sqlite
        for store in opened:
            store.close()
    else:
        table = request.getfixturevalue("order_table")
        yield lambda: DynamoDbOrderStateStore(table)


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Factory]:
    """Every implementation."""
    yield from _factory(request.param, request, tmp_path)


@pytest.fixture(params=["sqlite", "dynamodb"])
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Factory]:
    """The implementations several processes can open at once."""
    yield from _factory(request.param, request, tmp_path)


def test_put_then_get_round_trips_every_field(factory: Factory) -> None:
    store = factory()
    written = intent("c1", state=IntentState.SUBMITTED, broker_order_id="B1", reason="r", closed_step=7)
    store.put(written)
    assert store.get("c1") == written
    assert store.get("unknown") is None


@pytest.mark.parametrize("kind", list(IntentKind))
def test_every_kind_and_the_typed_instants_round_trip(factory: Factory, kind: IntentKind) -> None:
    store = factory()
    written = intent("c1", kind=kind)
    store.put(written)
    loaded = store.get("c1")
    assert loaded == written and loaded is not None
    assert loaded.kind is kind
    assert loaded.decided_at == datetime(2026, 1, 5, 9, 16, tzinfo=IST)
    assert loaded.decided_at.tzinfo is not None
    assert type(loaded.session_date) is date and loaded.session_date == date(2026, 1, 5)


OLD_BODY = (  # what the previous version wrote: kind, decided_at and session_date as plain text
    '{"broker_order_id":"B7","client_order_id":"sq-old-0001","closed_step":null,'
    '"decided_at":"2026-01-05T15:20:00+05:30","filled_quantity":0,"freeze_quantity":null,'
    '"instrument_id":"NSE:RELIANCE","kind":"squareoff","limit_price":"1380.55","lot_size":1,'
    '"opened_step":42,"order_type":"LIMIT","parent_id":null,"product":"MIS","quantity":10,'
    '"reason":null,"run_id":"run-a","session_date":"2026-01-05","side":"SELL","state":"SUBMITTED",'
    '"trigger_price":null}'
)
OLDER_BODY = (  # older still: no lot or slice fields, and an adopted order's empty instants
    '{"broker_order_id":"B8","client_order_id":"ad-old-0001","closed_step":null,"decided_at":"",'
    '"filled_quantity":0,"instrument_id":"NSE:INFY","kind":"adopted","limit_price":null,'
    '"opened_step":3,"order_type":"MARKET","product":"CNC","quantity":5,"reason":null,'
    '"run_id":"run-a","session_date":"","side":"BUY","state":"SUBMITTED","trigger_price":null}'
)


def _store_old_body(kind: str, factory: Factory, written: OrderIntent, body: str, where: Any) -> None:
    """Store ``written``, then put ``body`` (the previous version's text) in its place."""
    factory().put(written)
    if kind == "sqlite":
        db = sqlite3.connect(where / "orders.sqlite")
        db.execute("UPDATE intents SET body = ? WHERE client_order_id = ?", (body, written.client_order_id))
        db.commit()
        db.close()
    else:
        DynamoDbOrderStateStore(where).table.update_item(
            Key={"pk": f"intent#{written.client_order_id}", "sk": "intent"},
            UpdateExpression="SET body = :b", ExpressionAttributeValues={":b": body})


@pytest.mark.parametrize("kind", ["sqlite", "dynamodb"])
def test_rows_written_by_the_previous_version_load_typed(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    where = tmp_path if kind == "sqlite" else request.getfixturevalue("order_table")
    for factory in _factory(kind, request, tmp_path):
        old = OrderIntent("sq-old-0001", "run-a", "NSE:RELIANCE", Side.SELL, 10, OrderType.LIMIT,
                          ProductType.MIS, Decimal("1380.55"), state=IntentState.SUBMITTED,
                          broker_order_id="B7", opened_step=42)
        older = OrderIntent("ad-old-0001", "run-a", "NSE:INFY", Side.BUY, 5, state=IntentState.SUBMITTED,
                            broker_order_id="B8", opened_step=3)
        _store_old_body(kind, factory, old, OLD_BODY, where)
        _store_old_body(kind, factory, older, OLDER_BODY, where)
        loaded = {i.client_order_id: i for i in factory().intents("run-a")}
        assert loaded["sq-old-0001"] == old.evolve(
            kind=IntentKind.SQUAREOFF, decided_at=datetime(2026, 1, 5, 15, 20, tzinfo=IST),
            session_date=date(2026, 1, 5),
        )
        assert loaded["sq-old-0001"].kind is IntentKind.SQUAREOFF
        assert loaded["ad-old-0001"] == older.evolve(kind=IntentKind.ADOPTED)
        assert loaded["ad-old-0001"].decided_at is None and loaded["ad-old-0001"].session_date is None


def test_put_replaces_and_keeps_the_first_insertion_order(factory: Factory) -> None:
    store = factory()
    for cid in ("c1", "c2", "c3"):
        store.put(intent(cid))
    store.put(intent("c1", state=IntentState.SUBMITTED, broker_order_id="B1"))
    store.put(intent("c2", state=IntentState.FILLED, filled_quantity=10, closed_step=50))
    listed = store.intents()
    assert [i.client_order_id for i in listed] == ["c1", "c2", "c3"]
    assert [i.state for i in listed] == [IntentState.SUBMITTED, IntentState.FILLED, IntentState.PENDING]


def test_put_many_inserts_and_moves_forward_in_one_call(factory: Factory) -> None:
    store = factory()
    store.put(intent("c1"))
    store.put_many(
        [
            intent("c1", state=IntentState.SUBMITTED, broker_order_id="B1"),
            intent("c2", state=IntentState.FILLED, filled_quantity=10, closed_step=50),
            intent("c3"),
        ]
    )
    store.put_many([])
    listed = store.intents("run-a")
    assert [(i.client_order_id, i.state) for i in listed] == [
        ("c1", IntentState.SUBMITTED),
        ("c2", IntentState.FILLED),
        ("c3", IntentState.PENDING),
    ]
    assert store.get("c2") == intent("c2", state=IntentState.FILLED, filled_quantity=10, closed_step=50)


def test_intents_of_a_run_in_insertion_order(factory: Factory) -> None:
    store = factory()
    for cid, run in (("x9", "run-a"), ("a1", "run-b"), ("m5", "run-a"), ("b2", "run-b"), ("c0", "run-a")):
        store.put(intent(cid, run))
    assert [i.client_order_id for i in store.intents("run-a")] == ["x9", "m5", "c0"]
    assert [i.client_order_id for i in store.intents("run-b")] == ["a1", "b2"]
    assert [i.client_order_id for i in store.intents()] == ["x9", "a1", "m5", "b2", "c0"]
    assert store.intents("run-none") == []


def test_values_set_overwrite_and_delete(factory: Factory) -> None:
    store = factory()
    assert store.get_value("kill_switch") is None
    store.set_value("kill_switch", '{"reason": "test"}')
    store.set_value("checkpoint:run-a", "1")
    store.set_value("checkpoint:run-a", "2")
    assert store.get_value("checkpoint:run-a") == "2"
    store.set_value("kill_switch", None)
    store.set_value("never-set", None)
    assert store.get_value("kill_switch") is None and store.get_value("checkpoint:run-a") == "2"


def test_a_second_store_on_the_same_backing_sees_every_write(shared: Factory) -> None:
    service, operator = shared(), shared()  # e.g. the live service and `vyapari live kill`
    service.put(intent("c1"))
    engage_kill_switch(operator, "operator")
    assert kill_switch_state(service) is not None
    assert operator.get("c1") == intent("c1")
    operator.put(intent("c1", state=IntentState.CANCELLED, closed_step=3))
    assert service.get("c1") == intent("c1", state=IntentState.CANCELLED, closed_step=3)
    reset_kill_switch(service)
    assert kill_switch_state(operator) is None


def test_engine_on_the_store_trades_like_the_in_memory_engine(factory: Factory) -> None:
    panel = random_walk_panel(symbols=3, sessions=1, bars_per_session=200, seed=11)
    reference = run_live(*SMA, panel)
    store = factory()
    engine = run_live(*SMA, panel, store=store)
    expected = list(reference.orders.intents.values())
    assert len(expected) > 4, "the case must trade to prove anything"
    assert store.intents("parity") == expected
    assert engine.summary() == reference.summary()


# ----- DynamoDB only ------------------------------------------------------------------
def test_dynamodb_refuses_a_stale_writer(order_table: str) -> None:
    current, stale = DynamoDbOrderStateStore(order_table), DynamoDbOrderStateStore(order_table)
    current.put(intent("c1"))
    assert stale.get("c1") == intent("c1")
    current.put(intent("c1", state=IntentState.SUBMITTED, broker_order_id="B1"))
    current.put(intent("c1", state=IntentState.PARTIALLY_FILLED, broker_order_id="B1", filled_quantity=4))
    with pytest.raises(StaleIntentWrite, match="c1"):
        stale.put(intent("c1", state=IntentState.SUBMITTED, broker_order_id="B1"))
    with pytest.raises(StaleIntentWrite):
        stale.put(intent("c1", state=IntentState.CANCELLED, filled_quantity=2))
    assert current.get("c1") == intent(
        "c1", state=IntentState.PARTIALLY_FILLED, broker_order_id="B1", filled_quantity=4
    )
    late_trade = intent("c1", state=IntentState.PARTIALLY_FILLED, filled_quantity=6)
    current.put(intent("c1", state=IntentState.CANCELLED, filled_quantity=4, closed_step=9))
    stale.put(late_trade)  # more units filled after a cancel is news, not a regression
    assert current.get("c1") == late_trade


def test_dynamodb_insert_race_keeps_one_index_entry(order_table: str) -> None:
    first, second = DynamoDbOrderStateStore(order_table), DynamoDbOrderStateStore(order_table)
    first.put(intent("c1"))
    second.put(intent("c1", state=IntentState.SUBMITTED, broker_order_id="B1"))  # never read it
    assert [i.state for i in first.intents("run-a")] == [IntentState.SUBMITTED]
    with pytest.raises(ValueError, match="belongs to run"):
        second.put(intent("c1", run="run-b", state=IntentState.FILLED))


def _calls(store: DynamoDbOrderStateStore) -> list[str]:
    """The DynamoDB operations ``store``'s real client sends from now on, in order."""
    sent: list[str] = []
    store.resource.meta.client.meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: sent.append(model.name)
    )
    return sent


def test_dynamodb_put_many_takes_three_round_trips_for_new_intents_and_one_to_move_them(
    order_table: str,
) -> None:
    store = DynamoDbOrderStateStore(order_table)
    calls = _calls(store)
    store.put_many([intent(f"n{k}") for k in range(5)])
    assert calls == ["BatchGetItem", "UpdateItem", "TransactWriteItems"]
    calls.clear()
    store.put_many([intent(f"n{k}", state=IntentState.SUBMITTED, broker_order_id=f"B{k}") for k in range(5)])
    assert calls == ["TransactWriteItems"]
    other = DynamoDbOrderStateStore(order_table)
    assert [(i.client_order_id, i.state) for i in other.intents("run-a")] == [
        (f"n{k}", IntentState.SUBMITTED) for k in range(5)
    ]


def test_dynamodb_put_many_splits_at_the_transaction_limit_and_keeps_order(order_table: str) -> None:
    store = DynamoDbOrderStateStore(order_table)
    written = [intent(f"m{k:03d}", run="run-a" if k % 3 else "run-b") for k in range(120)]
    store.put_many(written)
    other = DynamoDbOrderStateStore(order_table)
    assert other.intents("run-a") == [i for i in written if i.run_id == "run-a"]
    assert other.intents() == written


def test_dynamodb_put_many_refuses_a_stale_update_like_put(order_table: str) -> None:
    current, stale = DynamoDbOrderStateStore(order_table), DynamoDbOrderStateStore(order_table)
    current.put_many([intent("s1"), intent("s2")])
    assert stale.get("s1") is not None and stale.get("s2") is not None
    current.put(intent("s2", state=IntentState.FILLED, filled_quantity=10, closed_step=3))
    with pytest.raises(StaleIntentWrite, match="s2"):
        stale.put_many([intent("s1", state=IntentState.SUBMITTED), intent("s2", state=IntentState.SUBMITTED)])
    assert current.get("s1") == intent("s1", state=IntentState.SUBMITTED)  # redone one by one
    assert current.get("s2") == intent("s2", state=IntentState.FILLED, filled_quantity=10, closed_step=3)


def test_dynamodb_put_many_raced_by_another_inserter_keeps_one_intent_each(order_table: str) -> None:
    racer, store = DynamoDbOrderStateStore(order_table), DynamoDbOrderStateStore(order_table)
    raced: list[bool] = []

    def insert_first(**_: Any) -> None:  # another task inserts r1 between our read and our write
        if not raced:
            raced.append(True)
            racer.put(intent("r1"))

    store.resource.meta.client.meta.events.register("before-call.dynamodb.TransactWriteItems", insert_first)
    store.put_many([intent("r1", state=IntentState.SUBMITTED, broker_order_id="B1"), intent("r2")])
    assert raced
    other = DynamoDbOrderStateStore(order_table)
    assert [(i.client_order_id, i.state) for i in other.intents("run-a")] == [
        ("r1", IntentState.SUBMITTED),
        ("r2", IntentState.PENDING),
    ]


def _restart_mid_session(open_store: Factory) -> Any:
    """Replay 200 slices, drop the engine (a crash), restart on a new store object, finish the day."""
    panel = random_walk_panel(symbols=3, sessions=1, bars_per_session=375, seed=11)
    first = make_engine(*SMA, panel, store=open_store())
    half = panel.with_arrays(valid=panel.valid.copy())
    half.valid[200:] = False
    replay(first, half)
    assert first.orders.intents, "the first half must leave intents behind"
    restarted = make_engine(*SMA, panel, broker=first.broker, store=open_store())
    replay(restarted, panel)
    return restarted, run_live(*SMA, panel)


def test_dynamodb_restart_resumes_exactly_like_sqlite(order_table: str, tmp_path: Path) -> None:
    on_dynamo, uninterrupted = _restart_mid_session(lambda: DynamoDbOrderStateStore(order_table))
    on_sqlite, _ = _restart_mid_session(lambda: SqliteOrderStateStore(tmp_path / "orders.sqlite"))
    assert on_dynamo.summary() == uninterrupted.summary()
    assert list(on_dynamo.orders.intents.values()) == list(on_sqlite.orders.intents.values())
    assert DynamoDbOrderStateStore(order_table).intents() == list(on_sqlite.orders.intents.values())
