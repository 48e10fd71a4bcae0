"""What the dashboard's read routes answer, over the lake and the registry (no AWS, no HTTP).

* :func:`last_ingestion` — the newest ingestion day in ``reports/``: files by status, the sessions they
  brought in and the quarantined files with their reasons.
* :func:`lake_coverage` — per exchange, the daily-bar sessions present, the calendar sessions missing
  between the first and the last, quarantined files by session, and the minute-bar months per symbol.
* :func:`latest_runs` — every registered strategy with its newest run.
* :func:`report_key` / :func:`item_files` — where a run's tear sheet and result files are in the lake.
* :func:`paper_readiness` — the standard pre-open suite for the paper broker on the lake and the kill
  switch (the checks a dashboard can run without a broker session).

Dates are IST session dates (ISO); amounts in the records are as the writers left them (₹).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from vyapari.api.ports import Record, RecordStore
from vyapari.data import layout
from vyapari.data.storage import ObjectStore

EXCHANGES = ("NSE", "BSE")
_PAGE = 500


def _all(records: RecordStore, partition: str) -> list[Record]:
    out: list[Record] = []
    after = None
    while True:
        page = records.query(partition, limit=_PAGE, after=after)
        out += page.items
        if page.last_key is None:
            return out
        after = page.last_key


def _json(store: ObjectStore, key: str) -> dict[str, Any]:
    try:
        value = json.loads(store.get(key))
    except (KeyError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _day_of(key: str) -> str | None:
    """``YYYY-MM-DD`` of a dated ``<folder>/<source>/<YYYY>/<MM>/<DD>/<name>`` key."""
    parts = key.split("/")
    if len(parts) < 6:
        return None
    try:
        return date(int(parts[2]), int(parts[3]), int(parts[4])).isoformat()
    except ValueError:
        return None


def _quarantined(store: ObjectStore, keys: list[str]) -> list[dict[str, Any]]:
    out = []
    for key in keys:
        record = _json(store, key)
        out.append({"name": record.get("name") or key.rsplit("/", 1)[-1].removesuffix(".json"),
                    "source": key.split("/")[1] if key.count("/") > 1 else None,
                    "received": _day_of(key), "session_date": record.get("session_date"),
                    "exchange": record.get("exchange"),
                    "reason": ": ".join(str(record[k]) for k in ("reason", "message") if record.get(k))
                    or "rejected"})
    return out


def last_ingestion(store: ObjectStore) -> dict[str, Any] | None:
    """The newest ingestion day: ``{day, files, by_status, sessions, quarantined}``; ``None`` if none."""
    reports = [k for k in store.list("reports/") if _day_of(k)]
    quarantine = [k for k in store.list("quarantine/") if _day_of(k)]
    if not reports and not quarantine:
        return None
    day = max(str(_day_of(k)) for k in reports + quarantine)
    todays = [k for k in reports if _day_of(k) == day]
    quarantined = [k for k in quarantine if _day_of(k) == day]
    statuses: Counter[str] = Counter()
    sessions: set[str] = set()
    for key in todays:
        record = _json(store, key)
        statuses[str(record.get("status") or "unknown")] += 1
        if record.get("session_date"):
            sessions.add(str(record["session_date"]))
    if quarantined:  # a file rejected before its report was written has only its quarantine record
        statuses["rejected"] = max(statuses["rejected"], len(quarantined))
    return {"day": day, "files": max(len(todays), sum(statuses.values())),
            "by_status": dict(sorted(statuses.items())), "sessions": sorted(sessions),
            "quarantined": _quarantined(store, quarantined)}


def lake_coverage(store: ObjectStore, sessions_between: Callable[[str, date, date], list[date]]) -> (
        dict[str, Any]):
    """Per exchange: sessions present, missing and quarantined; minute-bar months by symbol.

    ``sessions_between(exchange, first, last)`` gives the calendar's sessions (inclusive).
    """
    quarantined = _quarantined(store, store.list("quarantine/"))
    exchanges = []
    for exchange in EXCHANGES:
        days = sorted(d for d in (layout.date_of_day_key(k) for k in
                                  store.list(layout.day_prefix("daily_bars", exchange))) if d)
        missing: list[str] = []
        if days:
            present = set(days)
            missing = [d.isoformat() for d in sessions_between(exchange, days[0], days[-1])
                       if d not in present]
        months: dict[str, set[str]] = {}
        prefix = f"{layout.CURATED}/minute_bars/exchange={layout.part(exchange)}/"
        for key in store.list(prefix):
            parts = key[len(prefix):].split("/")
            if len(parts) == 3 and parts[0].startswith("symbol="):
                months.setdefault(layout.unpart(parts[0][7:]), set()).add(parts[2].removesuffix(".parquet"))
        exchanges.append({
            "exchange": exchange, "first": days[0].isoformat() if days else None,
            "last": days[-1].isoformat() if days else None, "sessions": len(days),
            "session_dates": [d.isoformat() for d in days], "missing": missing,
            "quarantined": [q for q in quarantined if q["exchange"] == exchange
                            or (q["source"] or "").startswith(exchange.lower())],
            "minute_symbols": [{"symbol": s, "months": sorted(m)} for s, m in sorted(months.items())],
        })
    return {"exchanges": exchanges, "quarantined": quarantined}


def latest_runs(records: RecordStore) -> list[dict[str, Any]]:
    """Every strategy definition with its newest run (by ``created_at``), strategies by name."""
    runs: dict[str, Record] = {}
    for run in _all(records, "run"):
        name = str(run.get("strategy_name"))
        if name not in runs or str(run.get("created_at")) > str(runs[name].get("created_at")):
            runs[name] = run
    strategies = {str(s["name"]): s for s in _all(records, "strategy")}
    names = sorted(set(strategies) | set(runs))
    return [{"strategy": strategies.get(n, {"name": n}), "latest_run": runs.get(n)} for n in names]


def report_key(evaluation: Mapping[str, Any]) -> str | None:
    """The lake key of the tear sheet (``report.html``) among an evaluation's ``reports``."""
    reports = evaluation.get("reports") or []
    found = [str(k) for k in reports if str(k).endswith("/report.html")]
    return found[0] if found else None


def item_files(evaluation: Mapping[str, Any]) -> str | None:
    """The lake prefix of the evaluated item's result files (``runs/<run_id>/<item_id>/``)."""
    run_id, item_id = evaluation.get("run_id"), evaluation.get("item_id")
    return f"runs/{run_id}/{item_id}/" if run_id and item_id else None


def paper_readiness(lake: ObjectStore | None, kill_switch: Callable[[], Mapping[str, str] | None],
                    env: Mapping[str, str], now: datetime, exchange: str = "NSE") -> dict[str, Any]:
    """The standard suite for the paper broker as of ``now``: its JSON report (each check, named
    failures). Risk limits come from ``env`` (``RISK_*``); the kill switch from ``kill_switch()``."""
    from vyapari.live.risk import risk_limits_from_env
    from vyapari.market.calendar import get_calendar
    from vyapari.readiness import RiskState, SuiteConfig, run_checks, standard_checks

    config = SuiteConfig(broker="paper", store=lake, exchange=exchange,
                         risk_loader=lambda: RiskState(risk_limits_from_env(env), kill_switch()))
    report = run_checks(standard_checks(config), get_calendar(exchange), now=now, broker="paper")
    return report.to_dict()
