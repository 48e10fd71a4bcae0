"""Domain steps of the daily ingestion workflow (download → ingest → corporate actions → minute bars).

Staging area of the lake (inputs waiting to be ingested, kept after ingestion)::

    landing/<EXCHANGE>/<YYYY-MM-DD>/<file name>     downloaded exchange files of a session
    landing/corporate_actions/<file name>           corporate-action exports (uploaded, or S3 put events)
    landing/minute/<EXCHANGE>/<SYMBOL>.parquet      1-minute bars (ts, OHLC, volume) or ticks (ts, price, qty)

Every function takes the lake's :class:`~vyapari.data.storage.ObjectStore` and returns a JSON-ready dict.
"""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

from vyapari.data import layout
from vyapari.data.download import Downloaded
from vyapari.data.storage import ObjectStore
from vyapari.workflows.errors import FileRejected

LANDING = "landing"


def landing_key(exchange: str, day: date, name: str) -> str:
    """Staging key of a downloaded file of ``exchange`` for session ``day``."""
    return f"{LANDING}/{exchange}/{day.isoformat()}/{name}"


def stage_downloads(
    store: ObjectStore, exchange: str, day: date, results: list[Downloaded]
) -> dict[str, Any]:
    """Put downloaded files under ``landing/``; ``{"files": [{name, key, source}], "missing": [names]}``."""
    files, missing = [], []
    for result in results:
        if result.data is None:
            missing.append(result.file.name)
            continue
        key = landing_key(exchange, day, result.file.name)
        store.put_atomic(key, result.data)
        files.append({"name": result.file.name, "key": key, "source": result.file.source})
    return {"exchange": exchange, "session_date": day.isoformat(), "files": files, "missing": missing}


def ingest_staged(store: ObjectStore, key: str) -> dict[str, Any]:
    """Ingest the staged object ``key`` into the lake (raw kept, curated written, report recorded).

    Raises
    ------
    FileRejected
        When the lake rejected the file; its quarantine record is already written.
    KeyError
        When ``key`` does not exist.
    """
    from vyapari.data.lake import Lake

    name = key.rsplit("/", 1)[-1]
    result = Lake(store).ingest_file(store.get(key), name)
    if result.status == "rejected":
        raise FileRejected(name, result.reason or "rejected", result.message or "")
    out = result.to_dict()
    out.pop("warnings", None)
    return out


def record_failure(
    store: ObjectStore, day: date, step: str, item: dict[str, Any], error: dict[str, Any], execution: str = ""
) -> dict[str, Any]:
    """Write what failed in a workflow under ``quarantine/workflow/<date>/``; returns the record."""
    name = str(item.get("name") or item.get("exchange") or step)
    record = {"session_date": day.isoformat(), "step": step, "item": item, "execution": execution, **error}
    key = f"quarantine/workflow/{day:%Y/%m/%d}/{step}-{layout.part(name)}.json"
    store.put_atomic(key, json.dumps(record, indent=2, sort_keys=True, default=str).encode())
    return {"quarantined": True, "key": key, "step": step, "name": name, "error": record.get("error")}


def apply_corporate_actions(store: ObjectStore, day: date, exchange: str = "NSE") -> dict[str, Any]:
    """Ingest staged corporate-action files, then report the actions going ex on ``day``.

    Prices are adjusted on read (:mod:`vyapari.data.adjust`), so nothing stored is rewritten: the report
    ``reports/corporate_actions/<YYYY-MM-DD>.json`` lists the symbols whose adjusted history changes.
    """
    from vyapari.data.adjust import load_actions

    staged = store.list(f"{LANDING}/corporate_actions/") if exchange == "NSE" else []  # NSE exports only
    ingested = [ingest_staged(store, key)["name"] for key in staged]
    actions = load_actions(store, exchange) if store.list(layout.actions_prefix(exchange)) else {}
    today = [
        {
            "symbol": a.symbol,
            "kind": a.kind.value,
            "ratio": str(a.ratio) if a.ratio else None,
            "amount_inr": str(a.amount_inr) if a.amount_inr is not None else None,
        }
        for acts in actions.values()
        for a in acts
        if a.ex_date == day
    ]
    report = {"session_date": day.isoformat(), "exchange": exchange, "files": ingested, "ex_today": today}
    key = f"reports/corporate_actions/{day.isoformat()}.json"
    store.put_atomic(key, json.dumps(report, indent=2, sort_keys=True).encode())
    return {**report, "report_key": key, "symbols_with_actions": len(actions)}


def build_session_minute_bars(store: ObjectStore, exchange: str, day: date) -> dict[str, Any]:
    """Write the session ``day`` of each staged ``landing/minute/<EX>/<SYMBOL>.parquet`` into the lake.

    A staged file holds 1-minute bars (``ts, open, high, low, close, volume``) or ticks
    (``ts, price, qty``), which are aggregated to 1-minute bars labelled by their start (IST).
    """
    import pandas as pd

    from vyapari.core.time import IST
    from vyapari.data.lake import Lake
    from vyapari.data.minute_bars import build_minute_bars

    lake, symbols, bars_written = Lake(store), [], 0
    for key in store.list(f"{LANDING}/minute/{exchange}/"):
        if not key.endswith(".parquet"):
            continue
        frame = pd.read_parquet(io.BytesIO(store.get(key)))
        if {"price", "qty"} <= set(frame.columns):
            frame = build_minute_bars(frame, exchange)
        session = frame[frame["ts"].dt.tz_convert(IST).dt.date == day]
        if session.empty:
            continue
        symbol = layout.unpart(key.rsplit("/", 1)[-1].removesuffix(".parquet"))
        lake.write_minute_bars(exchange, symbol, session.reset_index(drop=True))
        symbols.append(symbol)
        bars_written += len(session)
    return {
        "exchange": exchange,
        "session_date": day.isoformat(),
        "symbols": len(symbols),
        "bars": bars_written,
    }


def session_curated_keys(store: ObjectStore, exchange: str, day: date) -> list[str]:
    """Curated keys a session may have written: its daily files, its month's minute files, the actions."""
    derivatives = {"NSE": "NFO", "BSE": "BFO"}[exchange]
    keys = [layout.day_key("daily_bars", exchange, day), layout.day_key("fo_daily", derivatives, day)]
    month = f"year={day.year}/{day.year:04d}-{day.month:02d}.parquet"
    minute = [
        k for k in store.list(f"{layout.CURATED}/minute_bars/exchange={exchange}/") if k.endswith(month)
    ]
    actions = store.list(layout.actions_prefix(exchange)) if exchange == "NSE" else []
    return [k for k in keys if store.exists(k)] + minute + actions
