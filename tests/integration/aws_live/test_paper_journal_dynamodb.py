"""The paper broker's journal on the order-state table (moto): the paper account outlives the task.

The journal itself (order, pages, lines in pieces, size limit, two writers, a retried write), the
journaled paper broker rebuilt from the table, and the live engine killed at random points of a
replayed day and restarted with nothing but the table (the Fargate task replaced, /tmp gone): no
order placed twice or lost, the same positions and P&L as an uninterrupted run.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import boto3
import pytest
from functions.shared.dynamo_order_store import DynamoDbOrderStateStore
from functions.shared.dynamo_paper_journal import (
    MAX_LINE_BYTES,
    PIECE_BYTES,
    DynamoDbPaperJournal,
    JournalConflict,
    JournalLineTooLarge,
)
from tests.integration.live.live_helpers import counters, make_engine, paper_broker, run_live
from tests.unit.brokers.test_paper_journal_port import account, config, trade_session

from vyapari.brokers.paper import JournaledPaperBrokerAdapter, PaperBrokerAdapter
from vyapari.brokers.types import OrderSubmission
from vyapari.live.engine import LiveEngine
from vyapari.live.replay import replay
from vyapari.model.intents import IntentState
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.synthetic import random_walk_panel

VWAP = ("vwap_reversion", {"k": 1.5, "lookback": 10, "notional_inr": 50000})
ACCOUNT = "paper-dev"


def _items(table: str, partition: str) -> list[dict[str, Any]]:
    """Every item of ``partition``, read straight from the table."""
    client = boto3.client("dynamodb")
    pages = client.get_paginator("query").paginate(
        TableName=table, KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": partition}}, ConsistentRead=True,
    )
    return [item for page in pages for item in page["Items"]]


def _item_bytes(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB counts it: UTF-8 names and values (a boolean counts 1)."""
    values = (v["S"].encode() if "S" in v else b"1" for v in item.values())
    return sum(len(k.encode()) + len(value) for k, value in zip(item, values, strict=True))


# ----- the journal ------------------------------------------------------------------------------
def test_lines_come_back_in_order_across_pages_and_numbered_without_gaps(order_table: str) -> None:
    big = ['{"op":"bar","pad":"' + str(n) * 90_000 + '"}' for n in range(10)]  # 0.9 MB: several pages
    small = [json.dumps({"op": "slice", "n": n}) for n in range(250)]
    writer = DynamoDbPaperJournal(order_table, ACCOUNT)
    writer.append(big[:5], durable=False)
    writer.append(small, durable=False)
    writer.append(big[5:], durable=True)
    assert list(DynamoDbPaperJournal(order_table, ACCOUNT).read_all()) == big[:5] + small + big[5:]
    keys = [item["sk"]["S"] for item in _items(order_table, f"journal#{ACCOUNT}")]
    assert keys == [f"{n:020d}" for n in range(len(big) + len(small))]


def test_a_line_longer_than_an_item_is_stored_in_pieces_and_read_back_whole(order_table: str) -> None:
    line = json.dumps({"op": "slice", "ids": ["NSE:₹" + str(n) for n in range(120_000)]}, ensure_ascii=False)
    size = len(line.encode())
    assert 3 * PIECE_BYTES < size < MAX_LINE_BYTES
    journal = DynamoDbPaperJournal(order_table, ACCOUNT)
    journal.append(["first", line, "last"], durable=False)
    assert list(DynamoDbPaperJournal(order_table, ACCOUNT).read_all()) == ["first", line, "last"]
    items = _items(order_table, f"journal#{ACCOUNT}")
    pieces = len(items) - 2
    fewest = -(-size // PIECE_BYTES)
    assert fewest <= pieces <= fewest + 1  # cut between characters, never inside one
    assert [("more" in item) for item in items] == [False] + [True] * (pieces - 1) + [False, False]
    assert max(_item_bytes(item) for item in items) < 400 * 1024


def test_a_line_over_the_limit_is_refused_and_nothing_of_it_is_written(order_table: str) -> None:
    journal = DynamoDbPaperJournal(order_table, ACCOUNT)
    with pytest.raises(JournalLineTooLarge, match="over the 3,500,000-byte limit"):
        journal.append(["ok", "x" * (MAX_LINE_BYTES + 1)], durable=True)
    assert _items(order_table, f"journal#{ACCOUNT}") == []
    journal.append(["ok"], durable=True)
    assert list(DynamoDbPaperJournal(order_table, ACCOUNT).read_all()) == ["ok"]


def test_a_second_task_on_the_journal_stops_the_first_from_interleaving(order_table: str) -> None:
    old = DynamoDbPaperJournal(order_table, ACCOUNT)
    assert list(old.read_all()) == []
    old.append(["a"], durable=True)
    new = DynamoDbPaperJournal(order_table, ACCOUNT)  # the replacement task starts
    assert list(new.read_all()) == ["a"]
    new.append(["b"], durable=True)
    with pytest.raises(JournalConflict, match="another task is journaling"):
        old.append(["c"], durable=True)
    with pytest.raises(JournalConflict):
        old.append(["d", "e"], durable=True)
    new.append(["f"], durable=True)
    assert list(DynamoDbPaperJournal(order_table, ACCOUNT).read_all()) == ["a", "b", "f"]


def test_a_write_retried_after_it_was_stored_is_not_taken_for_another_writer(order_table: str) -> None:
    class LostResponse:
        """The table, as a retry sees it: the first attempt was stored, its answer lost."""

        def __init__(self, table: Any) -> None:
            self.table = table

        def __getattr__(self, name: str) -> Any:
            return getattr(self.table, name)

        def put_item(self, **kwargs: Any) -> Any:
            self.table.put_item(**kwargs)
            return self.table.put_item(**kwargs)  # refused by DynamoDB: the entry exists

    journal = DynamoDbPaperJournal(order_table, ACCOUNT)
    journal.table = LostResponse(journal.table)
    journal.append(["a", "b"], durable=True)
    assert list(DynamoDbPaperJournal(order_table, ACCOUNT).read_all()) == ["a", "b"]


def test_journals_of_two_accounts_and_the_order_store_share_the_table(order_table: str) -> None:
    from tests.integration.aws_live.test_order_state_store_contract import intent

    store = DynamoDbOrderStateStore(order_table)
    store.put(intent("c1"))
    DynamoDbPaperJournal(order_table, "one").append(["1"], durable=True)
    DynamoDbPaperJournal(order_table, "two").append(["2", "2b"], durable=True)
    store.set_value("checkpoint:run-a", "42")
    assert list(DynamoDbPaperJournal(order_table, "one").read_all()) == ["1"]
    assert list(DynamoDbPaperJournal(order_table, "two").read_all()) == ["2", "2b"]
    assert [i.client_order_id for i in store.intents()] == ["c1"]
    assert store.get_value("checkpoint:run-a") == "42"


def test_the_journal_needs_a_table_and_an_account() -> None:
    with pytest.raises(ValueError, match="ORDER_STATE_TABLE"):
        DynamoDbPaperJournal("", ACCOUNT)
    with pytest.raises(ValueError, match="journal id"):
        DynamoDbPaperJournal("t", "")


# ----- the paper broker on it ---------------------------------------------------------------------
def test_a_broker_rebuilt_on_the_table_has_the_same_orders_trades_positions_and_cash(
    order_table: str,
) -> None:
    broker = JournaledPaperBrokerAdapter(DynamoDbPaperJournal(order_table, ACCOUNT), config())
    trade_session(broker)
    before = account(broker)
    assert len(broker.trades()) > 10
    del broker  # the task is replaced: nothing closed, nothing on local disk

    rebuilt = JournaledPaperBrokerAdapter(DynamoDbPaperJournal(order_table, ACCOUNT), config())
    assert account(rebuilt) == before
    other = JournaledPaperBrokerAdapter(DynamoDbPaperJournal(order_table, "another"), config())
    assert other.orders() == [] and other.portfolio.cash == config().initial_capital


# ----- the live engine killed and restarted ----------------------------------------------------------
class Killed(BaseException):
    """The task dies here (a BaseException: nothing in the engine catches it)."""


class KillingBroker(JournaledPaperBrokerAdapter):
    """A paper broker on the DynamoDB journal that dies at its ``kill_at``-th placement.

    ``after``: the order is accepted and journaled, the engine never hears back; ``before``: the
    order never reaches the exchange.
    """

    def __init__(self, table: str, kill_at: int | None = None, when: str = "after") -> None:
        super().__init__(DynamoDbPaperJournal(table, ACCOUNT), paper_broker().config)
        self.kill_at, self.when, self.placed = kill_at, when, 0

    def _place_order(self, request: OrderSubmission) -> str:
        self.placed += 1
        if self.placed == self.kill_at and self.when == "before":
            raise Killed
        broker_id = super()._place_order(request)
        if self.placed == self.kill_at and self.when == "after":
            raise Killed
        return broker_id


def _task(table: str, panel: BarPanel, broker: PaperBrokerAdapter | None = None) -> LiveEngine:
    """A fresh live task: everything it knows comes from the table."""
    broker = broker or KillingBroker(table)
    return make_engine(*VWAP, panel, broker=broker, store=DynamoDbOrderStateStore(table), run_id="dev")


def _kill(table: str, panel: BarPanel, rng: random.Random, how: str) -> None:
    """Run a task until it dies: at a random slice (``slice``), or at a random placement with the
    order accepted (``after``) or not (``before``)."""
    if how == "slice":
        engine = _task(table, panel)
        stop_at = rng.randrange(20, len(panel.ts) - 20)
        assert not replay(engine, panel, should_stop=lambda: engine.slices >= stop_at)
        return
    broker = KillingBroker(table, rng.randrange(1, 4), how)
    with pytest.raises(Killed):
        replay(_task(table, panel, broker), panel)


def _placed(table: str) -> Counter[str]:
    lines = DynamoDbPaperJournal(table, ACCOUNT).read_all()
    return Counter(r["cid"] for r in map(json.loads, lines) if r["op"] == "place")


@pytest.fixture(scope="module")
def day() -> tuple[BarPanel, dict[str, Any]]:
    """A replayed day and the summary of its uninterrupted run (in memory)."""
    panel = random_walk_panel(symbols=3, sessions=1, bars_per_session=375, seed=11)
    return panel, run_live(*VWAP, panel, run_id="dev").summary()


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_killed_tasks_restarted_from_the_table_never_duplicate_or_lose_an_order(
    seed: int, day: tuple[BarPanel, dict[str, Any]], order_table: str
) -> None:
    panel, uninterrupted = day
    rng = random.Random(seed)
    for how in rng.sample(["slice", "after", "before"], 3):
        _kill(order_table, panel, rng, how)
    engine = _task(order_table, panel)
    replay(engine, panel)
    summary = engine.summary()

    placed = _placed(order_table)
    assert placed and max(placed.values()) == 1, "an order was placed twice"
    assert len(placed) == summary["fills"] == uninterrupted["fills"], "an order was lost or invented"
    assert summary["orders"] == uninterrupted["orders"] == {"FILLED": uninterrupted["fills"]}
    assert summary["positions"] == uninterrupted["positions"]
    assert summary["final_equity_inr"] == pytest.approx(uninterrupted["final_equity_inr"], abs=1e-6)
    assert not any(k.startswith("position_mismatch") for k in counters(engine))
    rebuilt = JournaledPaperBrokerAdapter(DynamoDbPaperJournal(order_table, ACCOUNT), paper_broker().config)
    assert {p.instrument_id: p.quantity for p in rebuilt.positions() if p.quantity} == summary["positions"]


def test_without_the_journal_a_restarted_task_has_lost_the_fills_its_intents_remember(
    day: tuple[BarPanel, dict[str, Any]], order_table: str
) -> None:
    """The failure the journal prevents: the intents survive in DynamoDB, the paper account does not."""
    panel, uninterrupted = day
    first = _task(order_table, panel, JournaledPaperBrokerAdapter(_NoJournal(), paper_broker().config))
    assert not replay(first, panel, should_stop=lambda: first.slices >= 200)
    assert first.account.portfolio.fills
    restarted = _task(order_table, panel, paper_broker())  # a fresh paper account: /tmp was lost
    replay(restarted, panel)
    fills = len(restarted.account.portfolio.fills)
    filled = sum(1 for i in restarted.orders.intents.values() if i.state is IntentState.FILLED)
    assert fills < filled  # DynamoDB says filled, the paper account never saw the fills
    assert fills < uninterrupted["fills"]


class _NoJournal:
    """A journal that keeps nothing (the task's local disk, lost with the task)."""

    def append(self, lines: Any, *, durable: bool) -> None:
        """Forget ``lines``."""

    def read_all(self) -> list[str]:
        """Nothing."""
        return []

    def close(self) -> None:
        """Nothing."""

