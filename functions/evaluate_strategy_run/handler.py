"""Weekly evaluation of a strategy run's equity (its best item) with ``vyapari.evaluation``.

Event: ``{"run_id": "run-1", "item_id": "item-0002" (optional: the run's best), "as_of": "2026-11-20"
(optional: the IST date of ``time``, else today)}``. Response: ``{"run_id", "item_id", "badge",
"evaluation_key"}``; the full evaluation is stored at ``evaluation_key`` with its report files.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from functions.shared.lake_store import build_store
from functions.shared.powertools import instrument, logger
from functions.shared.settings import get_settings
from vyapari.core.time import IST
from vyapari.workflows.evaluation import evaluate_run
from vyapari.workflows.events import session_date_of

SETTINGS = get_settings()
STORE = build_store(SETTINGS)


@instrument
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Evaluate the run and store the evaluation."""
    dated = {"session_date": event.get("as_of"), "time": event.get("time") or datetime.now(IST).isoformat()}
    result = evaluate_run(STORE, str(event["run_id"]), session_date_of(dated), event.get("item_id"))
    logger.info("evaluated", extra=result)
    return result
