"""A ``vyapari live`` session and ``vyapari api serve`` on one machine: what they share.

Both open ``<live state dir>/live-records.sqlite`` (:data:`LIVE_DB`; SQLite in WAL mode, safe for
several processes):

* table ``records``: the API's record stores (``orders``, ``positions``, ``trades``) as
  :class:`SqliteRecordStore` — the session writes its orders, fills and positions there through
  :class:`~vyapari.api.live_records.LiveRecords` (as the AWS service writes DynamoDB), and
  ``POST /orders`` leaves manual orders in the ``orders`` store's inbox, which the session's
  :class:`~vyapari.api.trading.RecordOrderInbox` takes after each slice;
* table ``events``: every message the session publishes, in order (:class:`EventLog`), which the
  local WebSocket server (:mod:`vyapari.api.local_ws`) tails and fans out by channel.

A running session holds an exclusive lock on ``<live state dir>/session.lock`` and describes itself in
``session.json`` (:class:`LocalSession`); :func:`running_session` tells the API whether one runs, so
a manual order with no session to take it is refused instead of waiting unseen.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from vyapari.api.errors import Conflict
from vyapari.api.live_records import LiveRecords, RecordStores
from vyapari.api.ports import Page, Record
from vyapari.api.queued import QueuedPublisher
from vyapari.api.trading import RecordOrderInbox

log = logging.getLogger(__name__)
LIVE_DB = "live-records.sqlite"
SESSION_LOCK = "session.lock"
SESSION_INFO = "session.json"
LOCAL_QUEUE_SIZE = 100_000
"""Messages waiting for SQLite before new ones are dropped: room for a replay at full speed."""
KEEP_EVENTS = 20_000
"""Events kept in the log; older ones are trimmed (a WebSocket client needs only the latest)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    tbl TEXT NOT NULL, part TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (tbl, part, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, body TEXT NOT NULL);
"""


class LiveDatabase:
    """One connection to ``path``, opened (and the file and its tables created) on first use and
    shared by this process's threads under a lock."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=10.0, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            self._db = db
        return self._db

    def execute(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one statement (autocommit); its rows."""
        with self._lock:
            return self._connection().execute(sql, args).fetchall()

    def changed(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        """Run one write; the rows it changed."""
        with self._lock:
            return self._connection().execute(sql, args).rowcount

    def close(self) -> None:
        """Close the connection (a later call opens it again)."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=str)


class SqliteRecordStore:
    """A :class:`~vyapari.api.ports.RecordStore` in table ``records`` of a :class:`LiveDatabase`,
    under the store name ``table`` (``orders``, ``positions``, ``trades``)."""

    def __init__(self, db: LiveDatabase, table: str) -> None:
        self.db, self.table = db, table

    def get(self, partition: str, key: str) -> Record | None:
        """The record, or ``None``."""
        rows = self.db.execute("SELECT body FROM records WHERE tbl=? AND part=? AND key=?",
                               (self.table, partition, key))
        return dict(json.loads(rows[0][0])) if rows else None

    def put(self, partition: str, key: str, record: Record, *, if_absent: bool = False) -> bool:
        """Store ``record``; with ``if_absent`` only when no record exists."""
        verb = "INSERT OR IGNORE" if if_absent else "INSERT OR REPLACE"
        return self.db.changed(f"{verb} INTO records (tbl, part, key, body) VALUES (?, ?, ?, ?)",
                               (self.table, partition, key, _dumps(record))) > 0

    def delete(self, partition: str, key: str) -> None:
        """Remove the record if present."""
        self.db.changed("DELETE FROM records WHERE tbl=? AND part=? AND key=?", (self.table, partition, key))

    def query(self, partition: str, *, limit: int, after: str | None = None) -> Page:
        """Up to ``limit`` records of ``partition`` after key ``after``, in key order."""
        rows = self.db.execute(
            "SELECT key, body FROM records WHERE tbl=? AND part=? AND key>? ORDER BY key LIMIT ?",
            (self.table, partition, after or "", limit + 1))
        chosen = rows[:limit]
        last = str(chosen[-1][0]) if len(rows) > limit else None
        return Page([dict(json.loads(body)) for _, body in chosen], last)


def record_stores(db: LiveDatabase) -> RecordStores:
    """The API's ``orders``, ``positions`` and ``trades`` stores in ``db``."""
    return RecordStores(SqliteRecordStore(db, "orders"), SqliteRecordStore(db, "positions"),
                        SqliteRecordStore(db, "trades"))


@dataclass(frozen=True)
class Event:
    """One published message: its sequence number, channel and body."""

    seq: int
    channel: str
    message: dict[str, Any]


class EventLog:
    """The ``events`` table: a :class:`~vyapari.live.ports.Publisher` appending each message, and the
    reader the WebSocket server tails. Keeps the latest :data:`KEEP_EVENTS`."""

    def __init__(self, db: LiveDatabase, keep: int = KEEP_EVENTS) -> None:
        self.db, self.keep = db, keep
        self._appended = 0

    def publish(self, channel: str, message: Mapping[str, Any]) -> None:
        """Append ``message`` (made JSON-safe) on ``channel``."""
        self.db.changed("INSERT INTO events (channel, body) VALUES (?, ?)", (channel, _dumps(dict(message))))
        self._appended += 1
        if self._appended % 1000 == 0:
            self.db.changed("DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?", (self.keep,))

    def last_seq(self) -> int:
        """The newest event's number (0 when there is none)."""
        return int(self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM events")[0][0])

    def after(self, seq: int, limit: int = 1000) -> list[Event]:
        """Events newer than ``seq``, oldest first (at most ``limit``)."""
        rows = self.db.execute("SELECT seq, channel, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                               (seq, limit))
        return [Event(int(s), str(c), dict(json.loads(b))) for s, c, b in rows]


# ----- the running session --------------------------------------------------------------------

def _flock(fd: int, exclusive: bool) -> bool:
    """Take a non-blocking lock on ``fd``; whether it was granted (always True without ``fcntl``)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, every session looks running
        return True
    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class LocalSession:
    """Marks a ``vyapari live`` session as running on ``state_dir`` while the block lasts.

    ``info`` (mode, run id, pid, start) goes to ``session.json``; the lock on ``session.lock`` is
    released by the operating system when the process ends, even by a crash.
    """

    def __init__(self, state_dir: Path, info: Mapping[str, Any]) -> None:
        self.state_dir, self.info = Path(state_dir), dict(info)
        self._fd: int | None = None

    def __enter__(self) -> LocalSession:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.state_dir / SESSION_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        for _ in range(50):  # an API request holds a shared lock for microseconds while it looks
            if _flock(fd, exclusive=True):
                break
            time.sleep(0.01)
        else:
            os.close(fd)
            log.warning("another session holds %s: manual orders go to whichever takes them first",
                        self.state_dir / SESSION_LOCK)
            return self
        self._fd = fd
        tmp = self.state_dir / (SESSION_INFO + ".tmp")
        tmp.write_text(json.dumps({**self.info, "pid": os.getpid()}), encoding="utf-8")
        os.replace(tmp, self.state_dir / SESSION_INFO)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            (self.state_dir / SESSION_INFO).unlink(missing_ok=True)
            os.close(self._fd)  # releases the lock
            self._fd = None


def running_session(state_dir: Path) -> dict[str, Any] | None:
    """The description of the session running on ``state_dir``, or ``None`` when none runs."""
    lock = Path(state_dir) / SESSION_LOCK
    if not lock.exists():
        return None
    fd = os.open(lock, os.O_RDONLY)
    try:
        if _flock(fd, exclusive=False):
            return None  # nobody holds it exclusively
    finally:
        os.close(fd)  # also drops the shared lock just taken
    try:
        return dict(json.loads((Path(state_dir) / SESSION_INFO).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}  # starting: locked, not yet described


def session_gate(state_dir: Path) -> Callable[[str], None]:
    """A check for ``POST /orders``: :class:`Conflict` unless a session in that mode runs on ``state_dir``."""

    def check(mode: str) -> None:
        session = running_session(state_dir)
        if session is None:
            broker = "paper" if mode == "paper" else "BROKER"
            raise Conflict(f"no {mode} session is running on {state_dir}, so nothing would take this "
                           f"order: start one with `vyapari live --broker {broker} --state-dir {state_dir} "
                           "...`; the order was not recorded")
        running = session.get("mode")
        if running and running != mode:
            raise Conflict(f"the session running on {state_dir} trades {running}, not {mode}; "
                           "the order was not recorded")

    return check


# ----- wiring of a local session ---------------------------------------------------------------

@contextmanager
def local_live_ports(state_dir: Path, mode: str, ports: Any, info: Mapping[str, Any]) -> Iterator[Any]:
    """``ports`` (a :class:`~vyapari.live.ports.LivePorts`) with the local records, event log and
    manual-order inbox of ``state_dir`` when it brings neither a publisher nor an inbox (the CLI's
    defaults); the session is marked running (:class:`LocalSession`) while the block lasts, and what
    is queued is written before it ends."""
    if ports.publisher is not None or ports.inbox is not None:
        yield ports
        return
    db = LiveDatabase(Path(state_dir) / LIVE_DB)
    stores = record_stores(db)
    publisher = QueuedPublisher(LiveRecords(stores, mode, EventLog(db), metrics=ports.metrics),
                                metrics=ports.metrics, name="local-live", queue_size=LOCAL_QUEUE_SIZE)
    try:
        with LocalSession(state_dir, {"mode": mode, **info}):
            yield replace(ports, publisher=publisher, inbox=RecordOrderInbox(stores.orders, mode))
    finally:
        publisher.close()
        db.close()
