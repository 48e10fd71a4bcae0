"""The durable store of order intents (the :class:`OrderStateStore` port) and their text form.

Intents (:class:`~vyapari.model.intents.OrderIntent`) are typed values; they become text only
here: :func:`intent_to_json` / :func:`intent_from_json` are the one codec every store uses
(this module's SQLite and in-memory stores, the DynamoDB store of the AWS service). Rows
written by older versions still load: missing fields get their defaults and an empty
``decided_at`` / ``session_date`` reads as None.

:class:`SqliteOrderStateStore` keeps intents and a small key-value table (kill switch,
checkpoints, daily-loss breaches) in one SQLite file in WAL mode with ``synchronous=FULL``
(every committed transaction is fsync'd).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from vyapari.core.errors import InvalidInput
from vyapari.model.enums import OrderType, ProductType, Side
from vyapari.model.intents import INTENT_FIELDS, IntentKind, IntentState, OrderIntent


def intent_to_json(intent: OrderIntent) -> str:
    """``intent`` as compact JSON: Decimals and instants as text (ISO 8601), enums as values."""
    data: dict[str, Any] = {name: getattr(intent, name) for name in INTENT_FIELDS}
    for key in ("limit_price", "trigger_price"):
        data[key] = None if data[key] is None else str(data[key])
    for key in ("side", "order_type", "product", "state", "kind"):
        data[key] = data[key].value
    for key in ("decided_at", "session_date"):
        data[key] = "" if data[key] is None else data[key].isoformat()
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def intent_from_json(text: str) -> OrderIntent:
    """Inverse of :func:`intent_to_json`; also reads rows of older versions (see the module docstring).

    Raises :class:`~vyapari.core.errors.InvalidInput` naming the field when a value is malformed
    (a naive ``decided_at`` included).
    """
    data = json.loads(text)
    try:
        for key in ("limit_price", "trigger_price"):
            data[key] = None if data.get(key) is None else Decimal(data[key])
        data["side"], data["order_type"] = Side(data["side"]), OrderType(data["order_type"])
        data["product"], data["state"] = ProductType(data["product"]), IntentState(data["state"])
        data["kind"] = IntentKind(data.get("kind") or IntentKind.STRATEGY)
        day = data.get("session_date")
        data["session_date"] = date.fromisoformat(day) if day else None
        at = datetime.fromisoformat(data["decided_at"]) if data.get("decided_at") else None
    except (ValueError, ArithmeticError, KeyError, TypeError) as exc:
        cid = data.get("client_order_id")
        raise InvalidInput("intent", f"{cid}: malformed stored intent ({exc})") from None
    if at is not None and at.tzinfo is None:
        raise InvalidInput("decided_at", f"intent {data.get('client_order_id')}: {at} has no UTC offset")
    data["decided_at"] = at
    return OrderIntent(**data)


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
                        (intent.client_order_id, intent.run_id, seq, intent.state.value,
                         intent_to_json(intent)),
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
        return None if row is None else intent_from_json(row[0])

    def intents(self, run_id: str | None = None) -> list[OrderIntent]:
        """All intents (of ``run_id``), in insertion order."""
        if run_id is None:
            rows = self._db.execute("SELECT body FROM intents ORDER BY seq").fetchall()
        else:
            rows = self._db.execute(
                "SELECT body FROM intents WHERE run_id = ? ORDER BY seq", (run_id,)
            ).fetchall()
        return [intent_from_json(r[0]) for r in rows]

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
