"""Write the session's 1-minute bars from ``landing/minute/<EX>/<SYMBOL>.parquet`` into the lake.

Event: ``{"exchange": "NSE", "session_date": "2026-11-20"}``. Response: ``{"exchange", "session_date",
"symbols": n, "bars": n}`` (bars labelled by their start, IST; ticks are aggregated first).
"""

from __future__ import annotations

from typing import Any

from functions.shared.lake_store import build_store
from functions.shared.powertools import instrument, logger, metrics
from functions.shared.settings import get_settings
from vyapari.workflows.events import exchange_of, session_date_of
from vyapari.workflows.ingestion import build_session_minute_bars

SETTINGS = get_settings()
STORE = build_store(SETTINGS)


@instrument
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Build and store the session's minute bars."""
    result = build_session_minute_bars(STORE, exchange_of(event), session_date_of(event))
    metrics.add_metric(name="MinuteBarsWritten", unit="Count", value=result["bars"])
    logger.info("minute bars", extra=result)
    return result
