"""Order intents and their durable store (the :class:`OrderStateStore` port).

An :class:`OrderIntent` is written **before** the order is sent, so a crash between the
write and the broker call is found on restart and reconciled by ``client_order_id``
against the broker's order book instead of being re-sent blindly.

Intent states
-------------
``PENDING``   written, the broker's answer not yet recorded (maybe sent, maybe not);
``SUBMITTED`` the broker accepted it (``broker_order_id`` known);
``FILLED`` / ``CANCELLED`` / ``REJECTED`` terminal, as reported by the broker;
``BLOCKED``   refused by a risk limit or the kill switch, never sent (``reason`` names why);
``EXPIRED``   a PENDING intent the broker never accepted, too late to send (never sent);
``MISSING``   a SUBMITTED intent the broker's book does not show: needs an operator.

``opened_step`` / ``closed_step`` are engine steps (``2 × slice`` for a slice's open phase,
``+1`` for its decisions); they let a restarted engine show a strategy exactly the open
orders it saw before the crash. :class:`SqliteOrderStateStore` keeps intents and a small
key-value table (kill switch, checkpoints, daily-loss breaches) in one SQLite file in WAL
mode with ``synchronous=FULL`` (every committed transaction is fsync'd).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from vyapari.model.enums import OrderType, ProductType, Side


class IntentState(str, Enum):
    """Where an intent stands (see the module docstring)."""

    PENDING = "PENDING"
    SUBMITTED = "SUBMITTED"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"
    BLOCKED = "BLOCKED"
    EXPIRED = "EXPIRED"
    MISSING = "MISSING"

    @property
    def is_open(self) -> bool:
        """True while the order may still fill (or its fate is unknown)."""
        return self in (IntentState.PENDING, IntentState.SUBMITTED, IntentState.PARTIALLY_FILLED)


@dataclass(frozen=True, slots=True)
class OrderIntent:
    """One order decision; prices in ₹, quantity in units, ``decided_at`` ISO 8601 IST.

    ``kind`` is ``strategy``, ``squareoff`` (MIS 15:20 IST / daily loss / kill switch) or
    ``adopted`` (found at the broker, unknown to us).

    ``lot_size`` is units per lot (1 for cash equities), kept so an intent re-sent after a
    restart goes out with the lot it was decided with. An order above the exchange's freeze
    quantity is a *parent* (``freeze_quantity`` set: the freeze quantity in units it was
    sliced by) that is never sent itself; its *children* (``parent_id`` set) are the orders
    the broker sees, and the parent's state and ``filled_quantity`` are their aggregate
    (:func:`vyapari.live.sliced.aggregate`). Rows written before these fields existed load with the
    defaults (lot 1, not sliced).
    """

    client_order_id: str
    run_id: str
    instrument_id: str
    side: Side
    quantity: int
    order_type: OrderType = OrderType.MARKET
    product: ProductType = ProductType.CNC
    limit_price: Decimal | None = None
    trigger_price: Decimal | None = None
    decided_at: str = ""
    session_date: str = ""
    kind: str = "strategy"
    state: IntentState = IntentState.PENDING
    broker_order_id: str | None = None
    filled_quantity: int = 0
    reason: str | None = None
    opened_step: int = -1
    closed_step: int | None = None
    lot_size: int = 1
    parent_id: str | None = None
    freeze_quantity: int | None = None

    @property
    def is_parent(self) -> bool:
        """True for a sliced order: its children are sent, never the intent itself."""
        return self.freeze_quantity is not None

    def evolve(self, **changes: Any) -> OrderIntent:
        """A copy with ``changes`` applied (intents are immutable values).

        The same as :func:`dataclasses.replace` (unknown names raise ``TypeError``) at about half
        its cost: intents are copied several times per order on the live decision path.
        """
        unknown = changes.keys() - _INTENT_FIELDS_SET
        if unknown:
            raise TypeError(f"OrderIntent has no field(s) {sorted(unknown)}")
        new = object.__new__(OrderIntent)
        for name in _INTENT_FIELDS:
            _set(new, name, changes[name] if name in changes else getattr(self, name))
        return new

    def to_json(self) -> str:
        """The intent as compact JSON (Decimals as strings, enums as values)."""
        data = asdict(self)
        for key in ("limit_price", "trigger_price"):
            data[key] = None if data[key] is None else str(data[key])
        for key in ("side", "order_type", "product", "state"):
            data[key] = data[key].value
        return json.dumps(data, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> OrderIntent:
        """Inverse of :meth:`to_json` (rows without the newer fields get their defaults)."""
        data = json.loads(text)
        for key in ("limit_price", "trigger_price"):
            data[key] = None if data[key] is None else Decimal(data[key])
        data["side"], data["order_type"] = Side(data["side"]), OrderType(data["order_type"])
        data["product"], data["state"] = ProductType(data["product"]), IntentState(data["state"])
        return cls(**data)


_INTENT_FIELDS = tuple(f.name for f in fields(OrderIntent))
_INTENT_FIELDS_SET = frozenset(_INTENT_FIELDS)
_set = object.__setattr__


class OrderStateStore(Protocol):
    """Durable intents by ``client_order_id`` plus a small key-value table (a port)."""

    def put(self, intent: OrderIntent) -> None:
        """Insert or replace ``intent`` durably before returning."""
        ...

    def put_many(self, intents: Sequence[OrderIntent]) -> None:
        """:meth:`put` each of ``intents`` (at once where the store can: one transaction)."""
        ...

    def get(self, client_order_id: str) -> OrderIntent | None:
        """The intent with ``client_order_id`` or None."""
        ...

    def intents(self, run_id: str | None = None) -> list[OrderIntent]:
        """All intents (of ``run_id`` when given), oldest first."""
        ...

    def get_value(self, key: str) -> str | None:
        """A stored value (kill switch, checkpoint, ...) or None."""
        ...

    def set_value(self, key: str, value: str | None) -> None:
        """Store ``value`` under ``key`` durably (None deletes it)."""
        ...


class InMemoryOrderStateStore:
    """A dict-backed store for tests and throwaway runs (not durable)."""

    def __init__(self) -> None:
        self._intents: dict[str, OrderIntent] = {}
        self._values: dict[str, str] = {}
        self._lock = threading.Lock()

    def put(self, intent: OrderIntent) -> None:
        """Insert or replace ``intent``."""
        with self._lock:
            self._intents[intent.client_order_id] = intent

    def put_many(self, intents: Sequence[OrderIntent]) -> None:
        """Insert or replace each of ``intents``."""
        with self._lock:
            for intent in intents:
                self._intents[intent.client_order_id] = intent

    def get(self, client_order_id: str) -> OrderIntent | None:
        """The intent or None."""
        return self._intents.get(client_order_id)

    def intents(self, run_id: str | None = None) -> list[OrderIntent]:
        """All intents in insertion order."""
        with self._lock:
            return [i for i in self._intents.values() if run_id is None or i.run_id == run_id]

    def get_value(self, key: str) -> str | None:
        """The value under ``key`` or None."""
        return self._values.get(key)

    def set_value(self, key: str, value: str | None) -> None:
        """Set or delete ``key``."""
        with self._lock:
            if value is None:
                self._values.pop(key, None)
            else:
                self._values[key] = value


_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS intents (client_order_id TEXT PRIMARY KEY, run_id TEXT NOT NULL, "
    "seq INTEGER NOT NULL, state TEXT NOT NULL, body TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS intents_run ON intents (run_id, seq)",
    "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)


class SqliteOrderStateStore:
    """Intents in a local SQLite file: WAL journal, ``synchronous=FULL``, one transaction per write.

    Several processes may open the same file (the service and ``vyapari live kill``).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            str(self.path), timeout=10.0, isolation_level=None, check_same_thread=False
        )
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        for statement in _SCHEMA:
            self._db.execute(statement)
        row = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM intents").fetchone()
        self._seq = int(row[0])

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(sql, params)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def put(self, intent: OrderIntent) -> None:
        """Insert or replace ``intent`` (fsync'd on commit)."""
        self.put_many([intent])

    def put_many(self, intents: Sequence[OrderIntent]) -> None:
        """Insert or replace each of ``intents`` in one transaction (one fsync)."""
        if not intents:
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for intent in intents:
                    existing = self._db.execute(
                        "SELECT seq FROM intents WHERE client_order_id = ?", (intent.client_order_id,)
                    ).fetchone()
                    if existing is None:
                        self._seq += 1
                    seq = self._seq if existing is None else int(existing[0])
                    self._db.execute(
                        "INSERT OR REPLACE INTO intents (client_order_id, run_id, seq, state, body) "
                        "VALUES (?,?,?,?,?)",
                        (intent.client_order_id, intent.run_id, seq, intent.state.value, intent.to_json()),
                    )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def get(self, client_order_id: str) -> OrderIntent | None:
        """The intent or None."""
        row = self._db.execute(
            "SELECT body FROM intents WHERE client_order_id = ?", (client_order_id,)
        ).fetchone()
        return None if row is None else OrderIntent.from_json(row[0])

    def intents(self, run_id: str | None = None) -> list[OrderIntent]:
        """All intents (of ``run_id``), in insertion order."""
        if run_id is None:
            rows = self._db.execute("SELECT body FROM intents ORDER BY seq").fetchall()
        else:
            rows = self._db.execute(
                "SELECT body FROM intents WHERE run_id = ? ORDER BY seq", (run_id,)
            ).fetchall()
        return [OrderIntent.from_json(r[0]) for r in rows]

    def get_value(self, key: str) -> str | None:
        """The value under ``key`` or None."""
        row = self._db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_value(self, key: str, value: str | None) -> None:
        """Set (or with None, delete) ``key`` durably."""
        if value is None:
            self._write("DELETE FROM kv WHERE key = ?", (key,))
        else:
            self._write("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, value))

    def close(self) -> None:
        """Close the connection (committed data is already on disk)."""
        with self._lock:
            self._db.close()
