"""Orders above the freeze quantity go out as whole-lot children, tracked, crash-safe, rolled up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from tests.integration.live.slicing_helpers import (
    FREEZE,
    LOT,
    QUANTITY,
    BigOrder,
    KillingPaperBroker,
    make_engine,
    placements,
    session_panel,
)

from vyapari.brokers.slicing import child_order_id
from vyapari.brokers.types import OrderSubmission
from vyapari.live.engine import LiveEngine
from vyapari.live.replay import replay
from vyapari.live.store import SqliteOrderStateStore
from vyapari.model.enums import OrderStatus
from vyapari.model.intents import IntentState

ROOT = Path(__file__).resolve().parents[3]
SIZES = [1800, 1800, 1800, 900]


def _run(tmp_path: Path, strategy: BigOrder | None = None) -> tuple[BigOrder, LiveEngine, KillingPaperBroker]:
    strategy = strategy or BigOrder()
    broker = KillingPaperBroker(tmp_path / "paper-journal.jsonl")
    store = SqliteOrderStateStore(tmp_path / "orders.sqlite")
    engine = make_engine(broker, store, strategy, session_panel())
    replay(engine, session_panel())
    return strategy, engine, broker


def test_order_of_three_and_a_half_freeze_quantities_goes_out_as_four_whole_lot_children(
    tmp_path: Path,
) -> None:
    strategy, _, broker = _run(tmp_path)
    (parent_id,) = strategy.submitted
    sent = placements(tmp_path / "paper-journal.jsonl")
    assert [r["cid"] for r in sent] == [child_order_id(parent_id, i, 4) for i in range(4)]
    assert [r["quantity"] for r in sent] == SIZES
    assert all(r["quantity"] % LOT == 0 and r["quantity"] <= FREEZE for r in sent)
    assert {r["lot_size"] for r in sent} == {LOT}
    assert parent_id not in {o.client_order_id for o in broker.orders()}
    assert Counter(o.status for o in broker.orders()) == {OrderStatus.FILLED: 4}


def test_every_child_intent_is_durable_before_the_first_child_is_sent(tmp_path: Path) -> None:
    seen: list[dict[str, str]] = []

    class Watching(KillingPaperBroker):
        def _place_order(self, request: OrderSubmission) -> str:
            other = SqliteOrderStateStore(
                tmp_path / "orders.sqlite"
            )  # a second connection: only what is on disk
            seen.append({i.client_order_id: i.state.value for i in other.intents() if i.parent_id})
            other.close()
            return super()._place_order(request)

    strategy = BigOrder()
    store = SqliteOrderStateStore(tmp_path / "orders.sqlite")
    engine = make_engine(Watching(tmp_path / "paper-journal.jsonl"), store, strategy, session_panel())
    replay(engine, session_panel())
    children = [child_order_id(strategy.submitted[0], i, 4) for i in range(4)]
    assert len(seen) == 4
    assert set(seen[0]) == set(children) and set(seen[0].values()) == {"PENDING"}
    assert [seen[n][children[n]] for n in range(4)] == ["PENDING"] * 4  # each still unsent when it goes out
    # the broker's acceptances are written at the end of the slice (the broker's book holds them)
    on_disk = {i.client_order_id: i.state for i in store.intents() if i.parent_id}
    assert all(on_disk[c] in (IntentState.SUBMITTED, IntentState.FILLED) for c in children)


def test_fills_of_the_children_roll_up_to_the_parent_strategy_and_account(tmp_path: Path) -> None:
    strategy, engine, _ = _run(tmp_path)
    (parent_id,) = strategy.submitted
    parent = engine.orders.intents[parent_id]
    assert parent.state is IntentState.FILLED and parent.filled_quantity == QUANTITY
    assert parent.freeze_quantity == FREEZE and parent.lot_size == LOT
    children = engine.orders.children(parent)
    assert [(c.quantity, c.filled_quantity, c.state) for c in children] == [
        (q, q, IntentState.FILLED) for q in SIZES
    ]
    assert sorted(f.quantity for f in strategy.fills) == sorted(SIZES)
    assert {f.client_order_id for f in strategy.fills} == {parent_id}  # the id the strategy decided
    assert int(engine.account.pos[0]) == QUANTITY
    assert engine.orders.open_intents() == []
    assert [i.client_order_id for i in engine.orders.open_intents(step=1 << 40) if i.parent_id] == []


def test_cancelling_the_parent_cancels_every_open_child(tmp_path: Path) -> None:
    low = Decimal("0.05")  # a limit far below the market: the children rest
    strategy, engine, broker = _run(tmp_path, BigOrder(limit=low, cancel_bar=6))
    (parent_id,) = strategy.submitted
    assert strategy.open_seen == [(parent_id, QUANTITY, 0)]  # the strategy sees one order, not four
    statuses = {o.client_order_id: o.status for o in broker.orders()}
    assert statuses == {child_order_id(parent_id, i, 4): OrderStatus.CANCELLED for i in range(4)}
    parent = engine.orders.intents[parent_id]
    assert parent.state is IntentState.CANCELLED and parent.filled_quantity == 0
    assert int(engine.account.pos[0]) == 0


def _process(state: Path, *kill: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPER_", "BROKER"))}
    cmd = [sys.executable, "-m", "tests.integration.live.slicing_helpers", str(state), *kill]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=120, check=False)


@pytest.mark.slow
@pytest.mark.parametrize(("kill_at", "when"), [(2, "after"), (3, "before")])
def test_sigkill_between_children_then_restart_sends_no_child_twice(
    kill_at: int, when: str, tmp_path: Path
) -> None:
    killed = _process(tmp_path, str(kill_at), when)
    assert killed.returncode == -9, killed.stderr[-2000:]
    before = [r["cid"] for r in placements(tmp_path / "paper-journal.jsonl")]
    assert len(before) == (kill_at if when == "after" else kill_at - 1)
    stored = SqliteOrderStateStore(tmp_path / "orders.sqlite")
    assert sum(1 for i in stored.intents() if i.parent_id) == 4  # all four written before the first send
    stored.close()

    done = _process(tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout[done.stdout.index("{") :])
    sent = placements(tmp_path / "paper-journal.jsonl")
    counts = Counter(r["cid"] for r in sent)
    assert len(counts) == 4 and max(counts.values()) == 1, f"a child was sent twice: {counts}"
    assert sorted(r["quantity"] for r in sent) == sorted(SIZES)
    assert {r["lot_size"] for r in sent} == {LOT}  # children resent after the restart keep their lot
    assert summary["positions"] == {"NSE:" + session_panel().symbols[0]: QUANTITY}
    assert summary["orders"] == {"FILLED": 5}  # the parent and its four children
