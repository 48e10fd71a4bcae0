"""Download one exchange's files of a session into ``landing/<EX>/<date>/`` of the lake.

Event (Step Functions task input)::

    {"exchange": "NSE", "request": {"session_date": "2026-11-20"}, "time": "2026-11-20T12:45:00Z"}

``request`` is the workflow input (or an EventBridge scheduled event, whose ``time`` is used); without a
``session_date`` the IST date of ``time`` is the session. Response::

    {"exchange": "NSE", "session_date": "2026-11-20",
     "files": [{"name": "BhavCopy_NSE_CM_0_0_0_20261120_F_0000.csv.zip",
                "key": "landing/NSE/2026-11-20/BhavCopy_NSE_CM_...", "source": "NSE_CM"}],
     "missing": ["BhavCopy_NSE_FO_0_0_0_20261120_F_0000.csv.zip"]}

A file not published (404, e.g. a holiday) is listed in ``missing``; persistent network failures raise
``TransientDownloadError`` (retried by the workflow).
"""

from __future__ import annotations

from typing import Any

from functions.shared.lake_store import build_store
from functions.shared.powertools import instrument, logger, metrics
from functions.shared.settings import get_settings
from vyapari.data.download import download_files, exchange_files, make_fetcher
from vyapari.workflows.events import exchange_of, session_date_of
from vyapari.workflows.ingestion import stage_downloads

SETTINGS = get_settings()
STORE = build_store(SETTINGS)
FETCHER = make_fetcher(SETTINGS.download_mirror, SETTINGS.download_timeout_s)


@instrument
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Fetch the exchange's files for the session and stage them."""
    request = dict(event.get("request") or {})
    day = session_date_of({**event, **request, "time": request.get("time") or event.get("time")})
    exchange = exchange_of(event)
    results = download_files(exchange_files(exchange, day), FETCHER, attempts=SETTINGS.download_attempts)
    staged = stage_downloads(STORE, exchange, day, results)
    metrics.add_metric(name="FilesDownloaded", unit="Count", value=len(staged["files"]))
    logger.info(
        "downloaded",
        extra={
            "exchange": exchange,
            "session_date": day.isoformat(),
            "files": len(staged["files"]),
            "missing": staged["missing"],
        },
    )
    return staged
