"""Ingest a staged exchange file into the lake: raw kept, curated written, rejected files quarantined.

Events:

* Step Functions task input ``{"file": {"name": ..., "key": "landing/NSE/2026-11-20/x.csv.zip"},
  "exchange": "NSE", "session_date": "2026-11-20"}`` → the ingestion result
  ``{"name", "status": "ingested" | "unchanged" | "repaired", "dataset", "exchange", "session_date",
  "rows", "dropped", "raw_key", "curated_key", "report_key", ...}``; a rejected file raises
  ``FileRejected`` (the workflow catches it into its quarantine branch; the lake already holds the
  quarantine record).
* S3 put event (``Records[].s3``, an upload under the lake's ``landing/``) →
  ``{"results": [<result or {"name", "status": "rejected", "reason"}>, ...]}`` without raising, as an
  asynchronous retry cannot change a rejection.
"""

from __future__ import annotations

from typing import Any

from functions.shared.lake_store import build_store, lake_key_of_s3_key
from functions.shared.powertools import instrument, logger, metrics
from functions.shared.settings import get_settings
from vyapari.workflows.errors import FileRejected
from vyapari.workflows.events import s3_objects_of
from vyapari.workflows.ingestion import ingest_staged

SETTINGS = get_settings()
STORE = build_store(SETTINGS)


def _from_s3(event: dict[str, Any]) -> dict[str, Any]:
    results = []
    for _, key in s3_objects_of(event):
        try:
            results.append(ingest_staged(STORE, lake_key_of_s3_key(SETTINGS, key)))
        except FileRejected as exc:
            results.append({"name": exc.name, "status": "rejected", "reason": exc.reason})
    return {"results": results}


@instrument
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Ingest the file(s) of the event."""
    if "Records" in event:
        return _from_s3(event)
    result = ingest_staged(STORE, str(event["file"]["key"]))
    metrics.add_metric(name="RowsIngested", unit="Count", value=int(result.get("rows") or 0))
    logger.info("ingested", extra={"file": result["name"], "status": result["status"]})
    return result
