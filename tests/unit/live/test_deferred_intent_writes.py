"""What is durable when: PENDING before the broker call, the broker's answers at the slice's flush.

Each check reads a second SQLite connection (what is on disk), and a restart builds a new order
manager on the same file and the same paper journal, as a process killed before the flush would.
"""

from __future__ import annotations

from pathlib import Path

from journal_helpers import cnc_intent, journal_manager, placements

from vyapari.brokers.paper import PaperConfig
from vyapari.brokers.paper.journal import JournaledPaperBrokerAdapter
from vyapari.brokers.types import OrderSubmission
from vyapari.live.store import SqliteOrderStateStore
from vyapari.model.intents import IntentState


def _on_disk(path: Path, cid: str) -> IntentState | None:
    other = SqliteOrderStateStore(path)
    try:
        found = other.get(cid)
        return None if found is None else found.state
    finally:
        other.close()




class Watching(JournaledPaperBrokerAdapter):
    """A paper broker that notes what the disk holds for each order when it is sent."""

    def __init__(self, journal: Path, db: Path) -> None:
        super().__init__(journal, PaperConfig())
        self.db, self.seen = db, []  # type: ignore[var-annotated]

    def _place_order(self, request: OrderSubmission) -> str:
        self.seen.append(_on_disk(self.db, request.client_order_id))
        return super()._place_order(request)


def test_pending_is_on_disk_before_the_send_and_the_acceptance_after_the_flush(tmp_path: Path) -> None:
    broker = Watching(tmp_path / "journal.jsonl", tmp_path / "orders.sqlite")
    manager, store = journal_manager(tmp_path, broker)
    placed = manager.place(cnc_intent("cid-a"))
    assert placed.state is IntentState.SUBMITTED
    assert broker.seen == [IntentState.PENDING]
    assert _on_disk(tmp_path / "orders.sqlite", "cid-a") is IntentState.PENDING
    assert manager.flush() == 1
    assert _on_disk(tmp_path / "orders.sqlite", "cid-a") is IntentState.SUBMITTED
    assert manager.flush() == 0
    store.close()


def test_a_refusal_is_written_at_once(tmp_path: Path) -> None:
    broker = JournaledPaperBrokerAdapter(tmp_path / "journal.jsonl", PaperConfig())
    manager, store = journal_manager(tmp_path, broker)
    manager.block(cnc_intent("cid-b"), "max order value")
    assert _on_disk(tmp_path / "orders.sqlite", "cid-b") is IntentState.BLOCKED
    store.close()


def test_a_restart_before_the_flush_adopts_the_sent_order_and_never_sends_it_again(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    manager, store = journal_manager(tmp_path, JournaledPaperBrokerAdapter(journal, PaperConfig()))
    manager.place(cnc_intent("cid-c"))
    store.close()  # killed here: the acceptance was never flushed
    assert _on_disk(tmp_path / "orders.sqlite", "cid-c") is IntentState.PENDING
    broker = JournaledPaperBrokerAdapter(journal, PaperConfig())  # the broker's books survive
    manager, store = journal_manager(tmp_path, broker)
    manager.reconcile(broker.orders(), 2, lambda intent: True)
    assert manager.place(cnc_intent("cid-c")).state is IntentState.SUBMITTED
    manager.flush()
    assert _on_disk(tmp_path / "orders.sqlite", "cid-c") is IntentState.SUBMITTED
    assert placements(journal) == ["cid-c"]
    store.close()


class WatchingAll(JournaledPaperBrokerAdapter):
    """Notes, at each send, what the disk holds for every staged order."""

    def __init__(self, journal: Path, db: Path, cids: list[str]) -> None:
        super().__init__(journal, PaperConfig())
        self.db, self.cids, self.seen = db, cids, []  # type: ignore[var-annotated]

    def _place_order(self, request: OrderSubmission) -> str:
        self.seen.append([_on_disk(self.db, cid) for cid in self.cids])
        return super()._place_order(request)


def test_a_slices_staged_orders_are_all_on_disk_before_the_first_is_sent(tmp_path: Path) -> None:
    cids = ["cid-1", "cid-2", "cid-3"]
    broker = WatchingAll(tmp_path / "journal.jsonl", tmp_path / "orders.sqlite", cids)
    manager, store = journal_manager(tmp_path, broker)
    for cid in cids:
        assert manager.stage(cnc_intent(cid)).state is IntentState.PENDING
    assert [i.client_order_id for i in manager.open_intents()] == cids  # open at once
    assert broker.seen == [] and _on_disk(tmp_path / "orders.sqlite", "cid-1") is None
    assert manager.send_staged() == 3
    assert broker.seen[0] == [IntentState.PENDING] * 3
    assert placements(tmp_path / "journal.jsonl") == cids
    assert manager.send_staged() == 0
    store.close()


def test_a_staged_order_cancelled_in_its_slice_is_never_sent(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    manager, store = journal_manager(tmp_path, JournaledPaperBrokerAdapter(journal, PaperConfig()))
    manager.stage(cnc_intent("cid-x"))
    manager.stage(cnc_intent("cid-y"))
    manager.cancel("cid-x", 1)
    manager.send_staged()
    manager.flush()
    assert placements(journal) == ["cid-y"]
    assert _on_disk(tmp_path / "orders.sqlite", "cid-x") is IntentState.CANCELLED
    store.close()
