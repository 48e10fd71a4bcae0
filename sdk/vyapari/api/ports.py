"""Ports of the API: a keyed record store, the workflow starter, the WebSocket poster, token checks.

:class:`RecordStore` is the only storage the API needs: records (JSON-like dicts) live in named
*partitions* (``strategy``, ``run``, ``paper``, ``channel#quotes`` …) under a string *key*, and a partition
is read in key order, a page at a time. DynamoDB implements it with a table keyed ``pk``/``sk``
(``functions/shared/api_store.py``); :class:`MemoryRecordStore` and :class:`JsonFileRecordStore` serve
tests and ``vyapari api serve``.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from vyapari.core.errors import VyapariError

Record = dict[str, Any]


@dataclass(frozen=True)
class Page:
    """One page of records in key order; ``last_key`` is set when more records may follow."""

    items: list[Record] = field(default_factory=list)
    last_key: str | None = None


@runtime_checkable
class RecordStore(Protocol):
    """Records by ``(partition, key)``; every method is safe to call concurrently."""

    def get(self, partition: str, key: str) -> Record | None:
        """The record, or ``None``."""
        ...

    def put(self, partition: str, key: str, record: Record, *, if_absent: bool = False) -> bool:
        """Store ``record``; with ``if_absent`` only when no record exists (returns whether it stored)."""
        ...

    def delete(self, partition: str, key: str) -> None:
        """Remove the record; absent records are ignored."""
        ...

    def query(self, partition: str, *, limit: int, after: str | None = None) -> Page:
        """Up to ``limit`` records of ``partition`` with keys greater than ``after``, in key order."""
        ...


class MemoryRecordStore:
    """A :class:`RecordStore` in a dict (tests, local serving)."""

    def __init__(self) -> None:
        self.partitions: dict[str, dict[str, Record]] = {}
        self._lock = threading.Lock()

    def get(self, partition: str, key: str) -> Record | None:
        """The record, or ``None``."""
        record = self.partitions.get(partition, {}).get(key)
        return json.loads(json.dumps(record)) if record is not None else None

    def put(self, partition: str, key: str, record: Record, *, if_absent: bool = False) -> bool:
        """Store a copy of ``record`` (JSON round-trip, as a real store would)."""
        with self._lock:
            rows = self.partitions.setdefault(partition, {})
            if if_absent and key in rows:
                return False
            rows[key] = json.loads(json.dumps(record))
            return True

    def delete(self, partition: str, key: str) -> None:
        """Remove the record if present."""
        with self._lock:
            self.partitions.get(partition, {}).pop(key, None)

    def query(self, partition: str, *, limit: int, after: str | None = None) -> Page:
        """A page of ``partition`` in key order."""
        rows = self.partitions.get(partition, {})
        keys = sorted(k for k in rows if after is None or k > after)
        chosen = keys[:limit]
        last = chosen[-1] if len(keys) > limit else None
        return Page([json.loads(json.dumps(rows[k])) for k in chosen], last)


class JsonFileRecordStore(MemoryRecordStore):
    """A :class:`MemoryRecordStore` saved to one JSON file after every change (local serving).

    The file is replaced atomically; it is a convenience for one local process, not a database.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        self.path = Path(path)
        if self.path.is_file():
            self.partitions = json.loads(self.path.read_text(encoding="utf-8"))

    def put(self, partition: str, key: str, record: Record, *, if_absent: bool = False) -> bool:
        """Store and save."""
        stored = super().put(partition, key, record, if_absent=if_absent)
        if stored:
            self._save()
        return stored

    def delete(self, partition: str, key: str) -> None:
        """Remove and save."""
        super().delete(partition, key)
        self._save()

    def _save(self) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.partitions, indent=1, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.path)


class BlobReader(Protocol):
    """Read access to the lake's objects (any :class:`~vyapari.data.storage.ObjectStore` fits)."""

    def get(self, key: str) -> bytes:
        """The bytes under ``key``; ``KeyError`` when absent."""
        ...


class WorkflowStarter(Protocol):
    """Starts the backtest workflow (Step Functions in AWS, a recorder in tests and local serving)."""

    def start(self, name: str, payload: Record) -> str:
        """Start an execution called ``name`` with input ``payload``; returns its id (an ARN in AWS).

        Starting the same ``name`` with the same ``payload`` again must return the same id.
        """
        ...


class RecordingStarter:
    """A :class:`WorkflowStarter` that records starts (tests and ``vyapari api serve``)."""

    def __init__(self, prefix: str = "local:execution:") -> None:
        self.prefix = prefix
        self.started: dict[str, Record] = {}

    def start(self, name: str, payload: Record) -> str:
        """Record the start; repeated names are idempotent."""
        self.started.setdefault(name, payload)
        return self.prefix + name


class StaleConnection(VyapariError):
    """A WebSocket connection is gone (API Gateway answered ``GoneException``)."""


class ConnectionPoster(Protocol):
    """Sends one message to one WebSocket connection."""

    def post(self, connection_id: str, data: bytes) -> None:
        """Send ``data``; :class:`StaleConnection` when the connection no longer exists."""
        ...


class InvalidToken(VyapariError):
    """A connection token that is missing, malformed, expired or not signed by the expected issuer."""


@dataclass(frozen=True)
class Identity:
    """Who a verified token belongs to: subject and Cognito groups."""

    subject: str
    groups: tuple[str, ...] = ()


class TokenVerifier(Protocol):
    """Verifies a bearer token (a Cognito JWT in AWS, an HMAC token locally)."""

    def verify(self, token: str) -> Identity:
        """The token's identity; :class:`InvalidToken` when it is not acceptable."""
        ...

