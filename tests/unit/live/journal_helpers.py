"""An order manager over a SQLite state store and a journaled paper broker, as a restart builds
it, and the placements that broker's journal holds."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from vyapari.brokers.paper.journal import JournaledPaperBrokerAdapter
from vyapari.live.orders import OrderManager
from vyapari.live.ports import InMemoryMetrics, InMemoryPublisher
from vyapari.live.store import SqliteOrderStateStore
from vyapari.model.enums import ProductType, Side
from vyapari.model.intents import OrderIntent


def cnc_intent(cid: str, quantity: int = 10) -> OrderIntent:
    """A PENDING CNC buy of ``quantity`` NSE:INFY shares decided in the 2026-01-05 session."""
    return OrderIntent(cid, "run", "NSE:INFY", Side.BUY, quantity, product=ProductType.CNC,
                       session_date=date(2026, 1, 5), opened_step=1)


def journal_manager(
    tmp_path: Path, broker: JournaledPaperBrokerAdapter
) -> tuple[OrderManager, SqliteOrderStateStore]:
    """An order manager of run ``run`` over ``tmp_path/orders.sqlite`` and ``broker``."""
    store = SqliteOrderStateStore(tmp_path / "orders.sqlite")
    return OrderManager(broker, store, "run", InMemoryMetrics(), InMemoryPublisher()), store


def placements(journal: Path) -> list[str]:
    """The client order ids the paper journal at ``journal`` placed, in order."""
    lines = journal.read_text(encoding="utf-8").splitlines() if journal.exists() else []
    return [json.loads(x)["cid"] for x in lines if '"op":"place"' in x]
