"""Record a failure caught by a workflow under ``quarantine/workflow/<YYYY>/<MM>/<DD>/`` of the lake.

Event (a ``Catch`` branch's task input)::

    {"step": "ingest_file", "item": {"name": "x.csv", "key": "landing/..."}, "session_date": "2026-11-20",
     "error": {"Error": "FileRejected", "Cause": "{\"errorType\": ..., \"errorMessage\": ...}"},
     "execution": "arn:aws:states:...:execution:...", "time": "2026-11-20T12:45:00Z"}

Response: ``{"quarantined": true, "key", "step", "name", "error"}`` (the workflow then carries on).
"""

from __future__ import annotations

from typing import Any

from functions.shared.lake_store import build_store
from functions.shared.powertools import instrument, logger, metrics
from functions.shared.settings import get_settings
from vyapari.workflows.errors import error_record
from vyapari.workflows.events import session_date_of
from vyapari.workflows.ingestion import record_failure

SETTINGS = get_settings()
STORE = build_store(SETTINGS)


@instrument
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Write the failure record."""
    day = session_date_of(event)
    raw = event.get("item")
    item: dict[str, Any] = dict(raw) if isinstance(raw, dict) else {"value": raw}
    record = record_failure(
        STORE,
        day,
        str(event.get("step", "unknown")),
        item,
        error_record(event.get("error")),
        str(event.get("execution", "")),
    )
    metrics.add_metric(name="WorkflowFailuresQuarantined", unit="Count", value=1)
    logger.warning("quarantined", extra={"quarantine_key": record["key"], "step": record["step"]})
    return record
