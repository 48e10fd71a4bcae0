"""Register the session's curated partitions in the Glue catalogue (S3 lakes with ``GLUE_DATABASE``).

Event: ``{"exchange": "NSE", "session_date": "2026-11-20"}``. Response: ``{"exchange", "session_date",
"registered": n, "keys": [...]}``, or ``{"registered": 0, "skipped": "<why>"}`` for a local lake or
without a Glue database (Athena needs neither locally).
"""

from __future__ import annotations

from typing import Any

from functions.shared.lake_store import build_store, glue_catalog
from functions.shared.powertools import instrument, logger
from functions.shared.settings import get_settings
from vyapari.workflows.events import exchange_of, session_date_of
from vyapari.workflows.ingestion import session_curated_keys

SETTINGS = get_settings()
STORE = build_store(SETTINGS)


@instrument
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Register every curated key the session wrote."""
    exchange, day = exchange_of(event), session_date_of(event)
    base = {"exchange": exchange, "session_date": day.isoformat()}
    if not SETTINGS.is_s3 or not SETTINGS.glue_database:
        return {**base, "registered": 0, "skipped": "local lake or no GLUE_DATABASE"}
    catalog = glue_catalog(SETTINGS)
    keys = session_curated_keys(STORE, exchange, day)
    for key in keys:
        catalog.register(key, STORE.get(key))
    logger.info("registered", extra={**base, "keys": len(keys)})
    return {**base, "registered": len(keys), "keys": keys}
