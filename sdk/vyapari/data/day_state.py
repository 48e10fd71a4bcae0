"""The state record of a curated day, and how a day is replaced so that crashes never leave it wrong.

A day (``curated/<dataset>/exchange=<EX>/year=<Y>/<date>.parquet``) keeps its fixed key, which the
Glue partitions, Athena, ``pyarrow.dataset`` and the readiness checks read by name. Its record
``state/<dataset>/<EX>/<date>.json`` says which content the day holds (the SHA-256 of the curated
file, the source file and its hash, the row count). A replacement writes, each atomically:

1. the record with ``"committed": false``, the new hash and ``replaces_sha256`` (the hash of the
   file it replaces) — the intent, written before any data;
2. the curated file;
3. the record with ``"committed": true``.

A kill between any two steps leaves a whole old day or a whole new day under the key, and a record
that names both candidates; :func:`check_day` (run by every reader) accepts exactly those, and the
next ingest of either file sees the record is not committed, or that the file's hash differs from
it, and rewrites what is missing (status ``repaired``) instead of answering ``unchanged``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from vyapari.core.errors import DataError
from vyapari.data.parquet_io import sha256
from vyapari.data.storage import ObjectStore


@dataclass(frozen=True)
class DayState:
    """The record of one curated day (see the module doc); hashes are hex SHA-256."""

    curated_sha256: str
    curated_key: str
    file: str
    source_sha256: str
    rows: int | None = None
    committed: bool = True
    replaces_sha256: str | None = None

    def to_json(self) -> bytes:
        """The record as stored."""
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> DayState:
        """A stored record (records written before the intent step count as committed)."""
        raw: dict[str, Any] = json.loads(data)
        return cls(curated_sha256=str(raw["curated_sha256"]), curated_key=str(raw.get("curated_key", "")),
                   file=str(raw.get("file", "")), source_sha256=str(raw.get("source_sha256", "")),
                   rows=raw.get("rows"), committed=bool(raw.get("committed", True)),
                   replaces_sha256=raw.get("replaces_sha256"))

    def accepts(self, digest: str) -> bool:
        """True when a curated file of hash ``digest`` is a whole day this record allows."""
        return digest == self.curated_sha256 or (not self.committed and digest == self.replaces_sha256)


def read_state(store: ObjectStore, state_key: str) -> DayState | None:
    """The record under ``state_key`` (``None`` when absent or unreadable: the day is then rewritten)."""
    try:
        return DayState.from_json(store.get(state_key))
    except KeyError:
        return None
    except (ValueError, TypeError):
        return None


def curated_digest(store: ObjectStore, key: str) -> tuple[str | None, bytes | None]:
    """The hash and bytes of the curated file ``key`` (``(None, None)`` when absent)."""
    try:
        body = store.get(key)
    except KeyError:
        return None, None
    return sha256(body), body


def check_day(store: ObjectStore, key: str, state_key: str, body: bytes) -> None:
    """Raise :class:`DataError` when the curated ``body`` of ``key`` is not a day its record allows.

    A day without a record (a lake written before records existed) is accepted as it is.
    """
    state = read_state(store, state_key)
    if state is not None and not state.accepts(sha256(body)):
        raise DataError(f"{key}: the curated file does not match its state record {state_key} "
                        f"(expected {state.curated_sha256[:12]}); ingest the day's file again to repair it")
