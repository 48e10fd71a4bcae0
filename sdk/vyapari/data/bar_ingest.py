"""Ingestion of a user's bar file (see :mod:`vyapari.data.parsers.bar_files`) into the lake.

The file is kept under ``raw/user_bars/<today>/``; bars labelled by their END (``label="end"``, many
Indian vendors) are moved to their START by the file's bar interval (its most common step within a
day, one minute for minute files); rows are checked like a bhavcopy's (:mod:`vyapari.data.bar_sessions`:
sessions, OHLC, duplicates; a vendor's pre-open bar falls outside the session and is dropped and
reported); minute bars go to ``curated/minute_bars`` and daily bars into ``curated/daily_bars`` (series
``EQ``), session by session. The report under ``reports/user_bars/`` lists every dropped row and the
sessions added, replaced or unchanged per symbol.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from vyapari.core.time import IST
from vyapari.data import layout
from vyapari.data.bar_sessions import (
    Checked,
    SessionWrites,
    check_bars,
    store_daily_rows,
    store_minute_sessions,
)
from vyapari.data.parsers.bar_files import read_bar_file
from vyapari.data.raw_copy import keep_raw
from vyapari.data.rejections import RejectionError, RejectReason
from vyapari.data.storage import ObjectStore
from vyapari.data.validation import ValidationPolicy

SOURCE = "user_bars"


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, indent=2, sort_keys=True, default=str).encode()


def bar_step(ts: pd.Series) -> pd.Timedelta:
    """The most common positive step between consecutive bars of a day (1 minute when unknown)."""
    valid = ts.dropna().sort_values()
    steps = valid.diff()[valid.dt.date.eq(valid.dt.date.shift())]
    steps = steps[steps > pd.Timedelta(0)]
    if steps.empty:
        return pd.Timedelta(minutes=1)
    return pd.Timedelta(steps.mode().iloc[0])


def relabel(frame: pd.DataFrame, label: str, daily: bool) -> pd.DataFrame:
    """``frame`` with START labels: end-labelled intraday bars move back one bar step."""
    if label == "end" and not daily:
        frame = frame.copy()
        frame["ts"] = frame["ts"] - bar_step(frame["ts"])
    return frame


def ingest_bar_file(store: ObjectStore, data: bytes, payload: bytes, name: str, policy: ValidationPolicy,
                    today: date) -> dict[str, Any]:
    """Ingest one bar file (as received ``data``, unzipped ``payload``); never raises on bad data.

    Returns the fields of the :class:`vyapari.data.ingest.IngestResult` of the file.
    """
    copy = keep_raw(store, data, SOURCE, today, name)
    exchange = policy.bar_exchange
    try:
        parsed = read_bar_file(payload, name)
        frame = relabel(parsed.frame, policy.bar_label, parsed.daily)
        checked = check_bars(frame, exchange, daily=parsed.daily)
        _check_policy(checked, len(frame), name, policy)
    except RejectionError as rej:
        record = {"file": name, "raw_key": copy.key, "sha256": copy.sha256, **rej.to_dict()}
        store.put_atomic(layout.quarantine_key(SOURCE, today, name), _json(record))
        report = layout.report_key(SOURCE, today, name)
        store.put_atomic(report, _json({"status": "rejected", **record}))
        return {"name": name, "status": "rejected", "format": "user_bars", "exchange": exchange,
                "reason": rej.reason.value, "message": str(rej), "raw_key": copy.key, "report_key": report}
    writes = _store(store, exchange, checked.bars, parsed.daily)
    changed = any(w.added or w.replaced for w in writes.values())
    dataset = "daily_bars" if parsed.daily else "minute_bars"
    warnings = [f"{s}: {w.to_dict()}" for s, w in sorted(writes.items()) if w.replaced]
    result: dict[str, Any] = {
        "name": name, "status": "ingested" if changed else "unchanged", "format": parsed.layout,
        "dataset": dataset, "exchange": exchange, "rows": len(checked.bars), "dropped": len(checked.dropped),
        "raw_key": copy.key, "warnings": warnings}
    report = layout.report_key(SOURCE, today, name)
    store.put_atomic(report, _json({
        **result, "label": policy.bar_label, "sessions": {s: w.to_dict() for s, w in sorted(writes.items())},
        "dropped_rows": [i.to_dict() for i in checked.dropped]}))
    return {**result, "report_key": report}


def _check_policy(checked: Checked, total: int, name: str, policy: ValidationPolicy) -> None:
    if checked.bars.empty:
        first = checked.dropped[0].detail if checked.dropped else "no rows"
        raise RejectionError(RejectReason.NO_ROWS, f"{name}: no usable bar (first problem: {first})")
    if checked.dropped and policy.on_bad_row == "reject":
        issue = checked.dropped[0]
        raise RejectionError(RejectReason.BAD_ROWS, f"{name}: line {issue.line}: {issue.detail}",
                             {"dropped": len(checked.dropped)})
    if len(checked.dropped) > policy.max_bad_row_fraction * total:
        raise RejectionError(RejectReason.TOO_MANY_BAD_ROWS,
                             f"{name}: {len(checked.dropped)} of {total} rows unusable "
                             f"(more than {policy.max_bad_row_fraction:.0%}); "
                             f"first: {checked.dropped[0].detail}")


def _store(store: ObjectStore, exchange: str, bars: pd.DataFrame, daily: bool) -> dict[str, SessionWrites]:
    if daily:
        return store_daily_rows(store, exchange, bars)
    out: dict[str, SessionWrites] = {}
    for symbol, part in bars.groupby("symbol", sort=True):
        frame = part.drop(columns="symbol").reset_index(drop=True)
        frame["ts"] = frame["ts"].dt.tz_convert(IST)
        frame["volume"] = frame["volume"].astype(np.int64)
        out[str(symbol)] = store_minute_sessions(store, exchange, str(symbol), frame)
    return out
