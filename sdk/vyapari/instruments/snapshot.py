"""Daily, versioned instrument-master snapshots in the lake, swapped in only after checks pass.

Layout (keys of the :class:`~vyapari.data.storage.ObjectStore`)
-----------------------------------------------------------------
::

    raw/instruments-<broker>/<YYYY>/<MM>/<DD>/<file name>        every download, as received
    quarantine/instruments-<broker>/<YYYY>/<MM>/<DD>/<name>.json why a download was refused
    curated/instruments/date=<YYYY-MM-DD>/<broker>.parquet       one snapshot per broker and session
    curated/instruments/current/<broker>.json                    the pointer to the live snapshot

Publishing writes the snapshot with ``put_atomic`` and only then moves the pointer (also atomic), so
readers see yesterday's snapshot or today's, never a mix. A refused download leaves the pointer
where it was and returns a :class:`PublishResult` whose ``reason`` names the failure for the alert.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from vyapari.core.errors import InvalidInput
from vyapari.core.time import IST
from vyapari.data import layout
from vyapari.data.parquet_io import from_parquet_bytes, sha256, to_parquet_bytes
from vyapari.data.storage import ObjectStore
from vyapari.instruments.parsers import PARSERS, InstrumentFileError, ParsedMaster
from vyapari.instruments.records import REQUIRED_COLUMNS, records_to_table

PREFIX = "curated/instruments/"


def snapshot_key(broker: str, session_date: date) -> str:
    """Key of ``broker``'s snapshot for ``session_date``."""
    return f"{PREFIX}date={session_date.isoformat()}/{layout.part(broker)}.parquet"


def pointer_key(broker: str) -> str:
    """Key of ``broker``'s ``current`` pointer object."""
    return f"{PREFIX}current/{layout.part(broker)}.json"


@dataclass(frozen=True)
class SnapshotPolicy:
    """Checks a new snapshot must pass before it goes live.

    Attributes
    ----------
    max_change : float
        Largest relative change in row count against the live snapshot (0.20 = ±20 %).
    min_rows : int
        Fewest rows accepted when there is no live snapshot to compare with.
    max_bad_rows : int
        Unreadable rows tolerated (a row cut short by a truncated download counts as one).
    """

    max_change: float = 0.20
    min_rows: int = 1
    max_bad_rows: int = 0


@dataclass(frozen=True)
class PublishResult:
    """What a publish did: ``ok``; else ``reason`` (machine-readable) and ``message`` for the alert.

    ``live_date`` is the session date of the snapshot live after the call (``None``: none yet).
    """

    ok: bool
    broker: str
    session_date: date
    rows: int
    live_date: date | None
    reason: str | None = None
    message: str = ""
    previous_rows: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (dates as ISO text)."""
        out = asdict(self)
        out["session_date"] = self.session_date.isoformat()
        out["live_date"] = self.live_date.isoformat() if self.live_date else None
        return out


class SnapshotRefused(Exception):
    """Internal: a check failed (``reason``, ``message``)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def check_table(table: pa.Table, parsed: ParsedMaster, previous_rows: int | None,
                policy: SnapshotPolicy) -> None:
    """Raise :class:`SnapshotRefused` unless ``table`` passes every check of ``policy``."""
    if len(parsed.bad_rows) > policy.max_bad_rows:
        first = parsed.bad_rows[0]
        raise SnapshotRefused("bad_rows", f"{len(parsed.bad_rows)} unreadable rows, first: {first}")
    for column in REQUIRED_COLUMNS:
        if table.column(column).null_count:
            raise SnapshotRefused("missing_values", f"column {column} has empty values")
    tokens = table.column("broker_token")
    if pc.count_distinct(tokens).as_py() != len(tokens):
        raise SnapshotRefused("duplicate_tokens", "the same broker token appears on several rows")
    rows = table.num_rows
    if previous_rows is None:
        if rows < policy.min_rows:
            raise SnapshotRefused("row_count", f"{rows} rows, fewer than the minimum {policy.min_rows}")
        return
    low, high = previous_rows * (1 - policy.max_change), previous_rows * (1 + policy.max_change)
    if not low <= rows <= high:
        raise SnapshotRefused(
            "row_count", f"{rows} rows against {previous_rows} live: outside ±{policy.max_change:.0%}"
        )


class InstrumentSnapshots:
    """Publish and read instrument snapshots on an :class:`ObjectStore` (layout in the module doc)."""

    def __init__(self, store: ObjectStore, policy: SnapshotPolicy | None = None) -> None:
        self.store = store
        self.policy = policy or SnapshotPolicy()

    def pointer(self, broker: str) -> dict[str, Any] | None:
        """The live pointer record of ``broker`` (``session_date``, ``key``, ``rows``...), or None."""
        key = pointer_key(broker)
        if not self.store.exists(key):
            return None
        return dict(json.loads(self.store.get(key)))

    def live_date(self, broker: str) -> date | None:
        """Session date of ``broker``'s live snapshot (None when nothing was ever published)."""
        record = self.pointer(broker)
        return date.fromisoformat(record["session_date"]) if record else None

    def dates(self, broker: str) -> list[date]:
        """Session dates having a stored snapshot of ``broker``, oldest first."""
        name = f"/{layout.part(broker)}.parquet"
        found = []
        for key in self.store.list(f"{PREFIX}date="):
            if key.endswith(name):
                found.append(date.fromisoformat(key[len(PREFIX) + 5:].split("/", 1)[0]))
        return sorted(found)

    def read(self, broker: str, session_date: date) -> pa.Table:
        """The stored snapshot of ``broker`` for exactly ``session_date`` (``KeyError`` if absent)."""
        return from_parquet_bytes(self.store.get(snapshot_key(broker, session_date)))

    def publish(self, broker: str, session_date: date, data: bytes, name: str = "instruments",
                *, parsed: ParsedMaster | None = None, now: datetime | None = None) -> PublishResult:
        """Parse ``data`` (``broker``'s dump), check it, and make it the live snapshot if it passes.

        Parameters
        ----------
        broker : str
            ``zerodha`` or ``upstox`` (picks the parser), unless ``parsed`` is given.
        session_date : date
            The IST session the snapshot is for.
        data : bytes
            The downloaded file, kept in ``raw/`` whatever happens.
        parsed : ParsedMaster, optional
            Records already parsed (and merged with exchange data) by the caller.

        Returns
        -------
        PublishResult
            Never raises for bad data: a refusal keeps the previous snapshot live.
        """
        self.store.put_atomic(layout.raw_key(f"instruments-{broker}", session_date, name), data)
        previous = self.pointer(broker)
        previous_rows = int(previous["rows"]) if previous else None
        live = date.fromisoformat(previous["session_date"]) if previous else None
        try:
            master = parsed if parsed is not None else _parse(broker, data)
            table = records_to_table(master.records)
            check_table(table, master, previous_rows, self.policy)
        except (InstrumentFileError, SnapshotRefused) as exc:
            reason = exc.reason
            message = exc.message if isinstance(exc, SnapshotRefused) else str(exc)
            result = PublishResult(False, broker, session_date, 0, live, reason, message, previous_rows)
            self._quarantine(broker, session_date, name, result)
            return result
        self._swap(broker, session_date, table, now)
        return PublishResult(True, broker, session_date, table.num_rows, session_date,
                             previous_rows=previous_rows, message="published")

    def _swap(self, broker: str, session_date: date, table: pa.Table, now: datetime | None) -> None:
        payload = to_parquet_bytes(table, ["exchange", "instrument_type", "underlying", "tick_size"])
        key = snapshot_key(broker, session_date)
        self.store.put_atomic(key, payload)
        pointer = {"broker": broker, "session_date": session_date.isoformat(), "key": key,
                   "rows": table.num_rows, "sha256": sha256(payload),
                   "published_at": (now or datetime.now(IST)).isoformat()}
        self.store.put_atomic(pointer_key(broker), json.dumps(pointer, indent=2).encode())

    def _quarantine(self, broker: str, session_date: date, name: str, result: PublishResult) -> None:
        key = layout.quarantine_key(f"instruments-{broker}", session_date, name)
        self.store.put_atomic(key, json.dumps(result.to_dict(), indent=2).encode())


def _parse(broker: str, data: bytes) -> ParsedMaster:
    try:
        parser = PARSERS[broker]
    except KeyError:
        raise InvalidInput("broker", f"no instrument parser for {broker!r}") from None
    return parser(data)
