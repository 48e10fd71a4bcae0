"""A PENDING intent resent after a crash goes through the venue's one search of its book by tag
(``BrokerAdapter.submit(..., maybe_placed=True)``): found once, never placed twice, never placed
blind when the book cannot be read."""

from __future__ import annotations

from pathlib import Path

from journal_helpers import cnc_intent, journal_manager, placements

from vyapari.brokers.errors import BrokerUnavailable
from vyapari.brokers.paper import PaperConfig
from vyapari.brokers.paper.journal import JournaledPaperBrokerAdapter
from vyapari.brokers.types import BrokerOrder
from vyapari.live.store import SqliteOrderStateStore
from vyapari.model.intents import IntentState


class BookDown(JournaledPaperBrokerAdapter):
    """A paper broker whose order book cannot be read ``down`` times."""

    def __init__(self, journal: Path, down: int) -> None:
        super().__init__(journal, PaperConfig())
        self.down, self.reads = down, 0

    def _order_book(self) -> list[BrokerOrder]:
        self.reads += 1
        if self.reads <= self.down:
            raise BrokerUnavailable("order book: 503", broker=self.name)
        return super()._order_book()


def _crash_after_the_broker_accepted(tmp_path: Path) -> Path:
    journal = tmp_path / "journal.jsonl"
    manager, store = journal_manager(tmp_path, JournaledPaperBrokerAdapter(journal, PaperConfig()))
    manager.place(cnc_intent("cid-x"))
    store.close()  # killed before the acceptance was written: the intent is PENDING on disk
    on_disk = SqliteOrderStateStore(tmp_path / "orders.sqlite")
    assert on_disk.intents("run") == [cnc_intent("cid-x")]  # PENDING, as written
    on_disk.close()
    return journal


def test_a_retry_after_a_crash_finds_the_order_once_and_never_places_it_again(tmp_path: Path) -> None:
    journal = _crash_after_the_broker_accepted(tmp_path)
    broker = JournaledPaperBrokerAdapter(journal, PaperConfig())
    manager, store = journal_manager(tmp_path, broker)
    placed = manager.place(cnc_intent("cid-x"))  # the strategy decides it again after the restart
    assert placed.state is IntentState.SUBMITTED and placed.broker_order_id is not None
    assert manager.place(cnc_intent("cid-x")).broker_order_id == placed.broker_order_id
    assert placements(journal) == ["cid-x"]
    assert [o.client_order_id for o in broker.orders()] == ["cid-x"]
    store.close()


def test_a_retry_with_the_book_unreadable_stays_pending_and_places_nothing(tmp_path: Path) -> None:
    journal = _crash_after_the_broker_accepted(tmp_path)
    broker = BookDown(journal, down=1)
    manager, store = journal_manager(tmp_path, broker)
    assert manager.place(cnc_intent("cid-x")).state is IntentState.PENDING
    assert placements(journal) == ["cid-x"]
    assert manager.place(cnc_intent("cid-x")).state is IntentState.SUBMITTED  # the book is back
    assert placements(journal) == ["cid-x"] and broker.reads == 2
    store.close()


def test_an_intent_never_accepted_is_placed_by_the_retry_once(tmp_path: Path) -> None:
    journal = tmp_path / "journal.jsonl"
    store = SqliteOrderStateStore(tmp_path / "orders.sqlite")
    store.put(cnc_intent("cid-y"))  # written, then killed before the send
    store.close()
    broker = JournaledPaperBrokerAdapter(journal, PaperConfig())
    manager, store = journal_manager(tmp_path, broker)
    assert manager.place(cnc_intent("cid-y")).state is IntentState.SUBMITTED
    assert manager.place(cnc_intent("cid-y")).state is IntentState.SUBMITTED
    assert placements(journal) == ["cid-y"]
    store.close()
