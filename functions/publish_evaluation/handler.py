"""Publish a run's evaluation where the API serves it: ``evaluations/<run_id>/latest.json``.

Event: ``{"run_id": "run-1", "evaluation_key": "runs/run-1/evaluation/2026-11-20.json"}``.
Response: ``{"run_id", "key", "badge"}``. Also marks the run active in ``runs/<run_id>/manifest.json``.
"""

from __future__ import annotations

from typing import Any

from functions.shared.lake_store import build_store
from functions.shared.powertools import instrument, logger
from functions.shared.settings import get_settings
from vyapari.workflows.evaluation import publish

SETTINGS = get_settings()
STORE = build_store(SETTINGS)


@instrument
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Copy the evaluation to its served key."""
    result = publish(STORE, str(event["run_id"]), str(event["evaluation_key"]))
    logger.info("published", extra=result)
    return result
