"""Download each broker's instrument dump and publish it as today's versioned snapshot in the lake.

Scheduled on weekdays before the pre-open (EventBridge Scheduler, Asia/Kolkata) with
``{"time": "<scheduled time>"}``; ``{"session_date": "YYYY-MM-DD", "brokers": ["zerodha"]}`` runs it
by hand. On a day that is not an NSE session nothing is downloaded. A failed or truncated download,
or a dump refused by the sdk's checks (row count ±20 %, columns, unique tokens), keeps yesterday's
snapshot live, emits ``instruments_snapshot_failed`` = 1 and raises :class:`InstrumentsSnapshotFailed`
so the invocation fails and the alarm fires. Response::

    {"session_date": "2026-01-05", "results": [{"ok": true, "broker": "zerodha", "rows": 91234, ...}]}
"""

from __future__ import annotations

from datetime import date
from typing import Any

from functions.shared.instrument_dumps import DumpDownloadFailed, download_dump, dump_headers, dump_url
from functions.shared.lake_store import build_store
from functions.shared.powertools import instrument, logger, metrics
from functions.shared.preopen_settings import PreOpenSettings
from functions.shared.secrets_manager_store import SecretsManagerSecretsStore
from functions.shared.settings import get_settings
from vyapari.brokers.session import now_ist
from vyapari.instruments import InstrumentSnapshots, PublishResult, SnapshotPolicy
from vyapari.market.calendar import get_calendar
from vyapari.workflows.events import session_date_of

SETTINGS = PreOpenSettings.from_env()
SNAPSHOTS = InstrumentSnapshots(build_store(get_settings()), SnapshotPolicy(max_change=SETTINGS.max_change))
SECRETS = (SecretsManagerSecretsStore(SETTINGS.secrets_prefix, max_age_s=0)
           if SETTINGS.secrets_prefix else None)


class InstrumentsSnapshotFailed(RuntimeError):
    """At least one broker's snapshot was not published (yesterday's stays live)."""


def publish_today(broker: str, day: date) -> PublishResult:
    """Download ``broker``'s dump and publish it for ``day``; a failed download is a refused result."""
    url = dump_url(broker, SETTINGS.kite_api_root, SETTINGS.upstox_instruments_url)
    try:
        data = download_dump(url, dump_headers(broker, SECRETS), timeout_s=SETTINGS.download_timeout_s,
                             attempts=SETTINGS.download_attempts)
    except DumpDownloadFailed as exc:
        live = SNAPSHOTS.live_date(broker)
        return PublishResult(False, broker, day, 0, live, "download_failed", str(exc))
    return SNAPSHOTS.publish(broker, day, data, url.rsplit("/", 1)[-1] or "instruments")


@instrument
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Publish today's snapshot of every configured broker; raise when any was refused."""
    day = session_date_of(event) if event.get("session_date") or event.get("time") else now_ist().date()
    if not get_calendar("NSE").is_session(day):
        logger.info("not a session: no instrument snapshot", extra={"session_date": day.isoformat()})
        return {"session_date": day.isoformat(), "skipped": "not a session", "results": []}
    results = [publish_today(b, day) for b in event.get("brokers") or SETTINGS.instrument_brokers]
    failed = [r for r in results if not r.ok]
    metrics.add_metric(name="instruments_snapshot_failed", unit="Count", value=len(failed))
    metrics.add_metric(name="instruments_rows", unit="Count", value=sum(r.rows for r in results))
    for result in results:
        log = logger.error if not result.ok else logger.info
        log("instrument snapshot", extra={"snapshot": result.to_dict()})
    if failed:
        reasons = "; ".join(f"{r.broker}: {r.reason} ({r.message})" for r in failed)
        raise InstrumentsSnapshotFailed(f"instrument snapshot of {day} not published, the previous one "
                                        f"stays live: {reasons}")
    return {"session_date": day.isoformat(), "results": [r.to_dict() for r in results]}
