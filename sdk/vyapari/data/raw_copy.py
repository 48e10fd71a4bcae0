"""The raw copy of a received file: kept under ``raw/`` as received, with its SHA-256.

Keeping the copy (hashing ~0.5 MB and writing it) does not depend on the rows, so the ingester hands
it to the helper thread (:mod:`vyapari.data.helper_thread`) once the file is parsed and its date is
known, validates and encodes meanwhile, and waits for the copy before anything of the file reaches
``curated/``, ``quarantine/`` or ``reports/``. A file rejected before that point is copied inline.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date

from vyapari.data import layout
from vyapari.data.helper_thread import run_soon
from vyapari.data.parquet_io import sha256
from vyapari.data.storage import ObjectStore, put_if_absent


@dataclass(frozen=True)
class RawCopy:
    """Where a received file was kept (``raw/<source>/YYYY/MM/DD/<name>``) and its hex SHA-256."""

    key: str
    sha256: str


def keep_raw(store: ObjectStore, data: bytes, source: str, day: date, name: str) -> RawCopy:
    """Store ``data`` under its raw key unless the same bytes are there already; never overwrite.

    A different file already stored under the same name keeps its place; this one is stored under
    ``<first 12 hex digits of its SHA-256>-<name>`` next to it. Both writes are conditional
    (:func:`~vyapari.data.storage.put_if_absent`), so two processes ingesting different files of
    the same name and day at once both keep their input.
    """
    digest = sha256(data)
    key = layout.raw_key(source, day, name)
    if put_if_absent(store, key, data) or store.get(key) == data:
        return RawCopy(key, digest)
    key = layout.raw_key(source, day, f"{digest[:12]}-{name}")
    put_if_absent(store, key, data)  # already there: the same bytes, kept by an earlier ingest
    return RawCopy(key, digest)


def keep_raw_soon(store: ObjectStore, data: bytes, source: str, day: date, name: str) -> Future[RawCopy]:
    """:func:`keep_raw` on the helper thread; ``.result()`` returns it or raises its error.

    Copies run one after another in submission order, so two files of the same name and day are
    placed as :func:`keep_raw` would place them called in that order.
    """
    return run_soon(keep_raw, store, data, source, day, name)
