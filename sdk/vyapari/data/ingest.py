"""Ingestion of one received file into the lake: keep raw, parse, validate, write curated atomically.

Outcomes (:class:`IngestResult.status`):

* ``ingested``: the day's curated file was written (first time, or a corrected file replacing the day);
* ``unchanged``: the same content was already ingested for that day (content hash of the curated file
  checked against its state record), nothing rewritten;
* ``repaired``: the same content as recorded, but an interrupted ingest (or a damaged file) had left
  the curated file or its state record behind: what was missing was rewritten;
* ``rejected``: nothing reached ``curated/``; the reason is in ``quarantine/`` as JSON.

A day is replaced in three atomic writes (intent record, curated file, committed record; see
:mod:`vyapari.data.day_state`), so a crash never leaves a day that re-ingest calls ``unchanged``. A file
with fewer than :attr:`~vyapari.data.validation.ValidationPolicy.min_replace_fraction` of the rows of
the day it would replace is rejected (``fewer_rows``) unless the policy allows it (``--replace``).

Every input is kept under ``raw/`` as received, whatever the outcome (under the source of its layout
once the header is recognised, else ``raw/unknown/``), and every file gets a JSON report under
``reports/`` listing the rows that were dropped and why.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from vyapari.core.time import IST
from vyapari.data import layout
from vyapari.data.day_state import DayState, curated_digest, read_state
from vyapari.data.formats import BhavcopyFormat, date_from_name, decode_head, detect_text_format, unpack
from vyapari.data.parquet_io import curated_parquet, sha256
from vyapari.data.parsers import ParsedFile, parse_payload
from vyapari.data.parsers.bar_detect import PARQUET_MAGIC, is_bar_file
from vyapari.data.raw_copy import RawCopy, keep_raw, keep_raw_soon
from vyapari.data.rejections import RejectionError, RejectReason
from vyapari.data.storage import ObjectStore, locked
from vyapari.data.validation import IsSession, Validated, ValidationPolicy, validate

SessionCheck = Callable[[str], IsSession]


@dataclass
class IngestResult:
    """What happened to one file.

    Attributes
    ----------
    status : str
        ``ingested``, ``unchanged``, ``repaired`` or ``rejected``.
    reason, message : str or None
        Machine-readable reject reason and its one-line explanation (rejected files only).
    rows, dropped : int
        Rows written to ``curated/`` and rows dropped (each recorded in the report).
    """

    name: str
    status: str
    format: str | None = None
    dataset: str | None = None
    exchange: str | None = None
    session_date: date | None = None
    rows: int = 0
    dropped: int = 0
    reason: str | None = None
    message: str | None = None
    raw_key: str | None = None
    curated_key: str | None = None
    report_key: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (dates as ISO strings)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}  # (asdict deep-copies: slower)
        out["warnings"] = list(self.warnings)
        out["session_date"] = self.session_date.isoformat() if self.session_date else None
        return out

    def summary(self) -> str:
        """One line such as ``rejected: not_a_session: ...``."""
        if self.status == "rejected":
            return f"rejected: {self.message}"
        extra = f" ({self.rows} rows, {self.dropped} dropped)" if self.status != "unchanged" else ""
        notes = "".join(f"; {w}" for w in self.warnings if w.startswith("replaced"))
        return self.status + extra + notes


def default_session_check(exchange: str) -> IsSession:
    """``is_session`` of the project calendar for ``exchange`` (imported lazily)."""
    from vyapari.market.calendar import get_calendar

    cash = {"NFO": "NSE", "BFO": "BSE"}.get(exchange, exchange)
    return get_calendar(cash).is_session


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, indent=2, sort_keys=True, default=str).encode()


class Ingester:
    """Ingest files into the lake held by ``store`` (see :mod:`vyapari.data.layout`)."""

    def __init__(self, store: ObjectStore, *, session_check: SessionCheck | None = None,
                 policy: ValidationPolicy | None = None, today: Callable[[], date] | None = None) -> None:
        self.store = store
        self.session_check = session_check or default_session_check
        self.policy = policy or ValidationPolicy()
        self.today = today or (lambda: datetime.now(IST).date())

    def ingest(self, data: bytes, name: str) -> IngestResult:
        """Ingest the bytes of one received file called ``name`` (its original file name).

        Once the file is parsed (by pyarrow's threads) and its date is known from its name, the raw
        copy is kept on a helper thread while the rows are validated and the curated Parquet is
        encoded on this one (see :mod:`vyapari.data.raw_copy`).
        """
        base = name.replace("\\", "/").rsplit("/", 1)[-1]
        name_date = date_from_name(base)
        fmt: BhavcopyFormat | None = None
        parsed: ParsedFile | None = None
        raw: Future[RawCopy] | None = None
        try:
            inner, payload = unpack(data, base)
            if payload.startswith(PARQUET_MAGIC):  # a user's bar file (see vyapari.data.bar_ingest)
                return self._bar_file(data, payload, base)
            try:
                fmt = detect_text_format(decode_head(payload, inner), inner)
            except RejectionError as rej:
                if rej.reason is not RejectReason.UNKNOWN_HEADER or not is_bar_file(payload):
                    raise
                return self._bar_file(data, payload, base)
            parsed = parse_payload(payload, inner, fmt)  # on pyarrow's threads: the helper waits
            if name_date is not None and parsed.dataset != "corporate_actions":
                # a daily file is accepted only when its rows carry name_date: the raw key is known now
                raw = keep_raw_soon(self.store, data, fmt.source, name_date, base)
            checked = validate(parsed, name=base, name_date=name_date,
                               is_session=self.session_check(parsed.exchange), policy=self.policy,
                               today=self.today())
            return self._accept(data, base, parsed, checked, raw)
        except RejectionError as rej:
            return self._reject(data, base, name_date, rej, fmt, parsed, raw)

    def _bar_file(self, data: bytes, payload: bytes, name: str) -> IngestResult:
        from vyapari.data.bar_ingest import ingest_bar_file  # pandas: only for a user's bar files

        return IngestResult(**ingest_bar_file(self.store, data, payload, name, self.policy, self.today()))

    def _reject(self, data: bytes, name: str, name_date: date | None, rej: RejectionError,
                fmt: BhavcopyFormat | None, parsed: ParsedFile | None,
                raw: Future[RawCopy] | None) -> IngestResult:
        source = fmt.source if fmt else "unknown"
        day = name_date or self.today()
        copy = raw.result() if raw else keep_raw(self.store, data, source, day, name)
        record = {"file": name, "raw_key": copy.key, "sha256": copy.sha256,
                  "format": fmt.value if fmt else None, **rej.to_dict()}
        self.store.put_atomic(layout.quarantine_key(source, day, name), _json(record))
        report = layout.report_key(source, day, name)
        self.store.put_atomic(report, _json({"status": "rejected", **record}))
        return IngestResult(name, "rejected", record["format"], parsed.dataset if parsed else None,
                            parsed.exchange if parsed else None, None, reason=rej.reason.value,
                            message=str(rej), raw_key=copy.key, report_key=report)

    def _accept(self, data: bytes, name: str, parsed: ParsedFile, checked: Validated,
                raw: Future[RawCopy] | None) -> IngestResult:
        day = checked.session_date or self.today()
        body = curated_parquet(parsed.dataset, checked.table, checked.key_ordered)
        copy = raw.result() if raw else keep_raw(self.store, data, parsed.format.source, day, name)
        digest = sha256(body)
        rows = checked.table.num_rows
        if parsed.dataset == "corporate_actions":
            key = layout.actions_key(parsed.exchange, digest)
            status = "unchanged" if self.store.exists(key) else "ingested"
            if status == "ingested":
                self.store.put_atomic(key, body)
        else:
            key = layout.day_key(parsed.dataset, parsed.exchange, day)
            record = DayState(digest, key, name, copy.sha256, rows)
            state_key = layout.state_key(parsed.dataset, parsed.exchange, day)
            with locked(self.store, state_key):  # two processes replacing one day take turns
                status = self._replace_day(state_key, record, body, checked.warnings)
        result = IngestResult(name, status, parsed.format.value, parsed.dataset, parsed.exchange,
                              checked.session_date, rows, len(checked.dropped),
                              raw_key=copy.key, curated_key=key, warnings=checked.warnings)
        result.report_key = self._report(parsed.format, day, name, result, checked)
        return result

    def _replace_day(self, state_key: str, record: DayState, body: bytes, warnings: list[str]) -> str:
        """Make ``body`` the day's curated file with ``record`` as its committed state; the status.

        Raises ``fewer_rows`` (before any write) for a file much smaller than the day it replaces.
        """
        key, digest = record.curated_key, record.curated_sha256
        state = read_state(self.store, state_key)
        current, current_body = curated_digest(self.store, key)
        if current == digest:  # the file is right: the record may still be missing or uncommitted
            if state is not None and state.committed and state.curated_sha256 == digest:
                return "unchanged"
            self.store.put_atomic(state_key, record.to_json())
            return "repaired"
        repairing = state is not None and state.curated_sha256 == digest
        if current_body is not None and not repairing:
            self._check_shrink(key, current_body, record, warnings)
        self.store.put_atomic(state_key, replace(record, committed=False, replaces_sha256=current).to_json())
        self.store.put_atomic(key, body)
        self.store.put_atomic(state_key, record.to_json())
        return "repaired" if repairing else "ingested"

    def _check_shrink(self, key: str, current_body: bytes, record: DayState, warnings: list[str]) -> None:
        try:
            old_rows = pq.ParquetFile(pa.BufferReader(current_body)).metadata.num_rows
        except (pa.ArrowException, OSError):  # a damaged day file: nothing worth keeping
            return
        new_rows = record.rows or 0
        if new_rows >= self.policy.min_replace_fraction * old_rows:
            return
        what = f"{new_rows} rows would replace the {old_rows} rows of {key}"
        if not self.policy.replace_smaller_day:
            raise RejectionError(RejectReason.FEWER_ROWS,
                                 f"{record.file}: {what} (below {self.policy.min_replace_fraction:.0%}); "
                                 "a cut file? pass --replace to replace the day anyway",
                                 {"rows": new_rows, "previous_rows": old_rows})
        warnings.append(f"replaced a day of {old_rows} rows with {new_rows} rows (--replace)")

    def _report(self, fmt: BhavcopyFormat, day: date, name: str, result: IngestResult,
                checked: Validated) -> str:
        key = layout.report_key(fmt.source, day, name)
        payload = {**result.to_dict(), "dropped_rows": [i.to_dict() for i in checked.dropped]}
        payload.pop("report_key", None)
        self.store.put_atomic(key, _json(payload))
        return key
