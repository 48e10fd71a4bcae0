"""Ingest staged corporate-action files and report the actions going ex on the session.

Event: ``{"exchange": "NSE", "session_date": "2026-11-20"}``. Response: ``{"session_date", "exchange",
"files": [ingested names], "ex_today": [{"symbol", "kind", "ratio", "amount_inr"}], "report_key",
"symbols_with_actions"}``. Prices are adjusted on read, so no stored price changes.
"""

from __future__ import annotations

from typing import Any

from functions.shared.lake_store import build_store
from functions.shared.powertools import instrument, logger
from functions.shared.settings import get_settings
from vyapari.workflows.events import exchange_of, session_date_of
from vyapari.workflows.ingestion import apply_corporate_actions

SETTINGS = get_settings()
STORE = build_store(SETTINGS)


@instrument
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Apply (record) the session's corporate actions."""
    result = apply_corporate_actions(STORE, session_date_of(event), exchange_of(event))
    logger.info("corporate actions", extra={"ex_today": len(result["ex_today"])})
    return result
