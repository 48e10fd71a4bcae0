"""Weekly evaluation of a strategy run's equity (its best item) with ``vyapari.evaluation``.

Event: ``{"run_id": "run-1", "item_id": "item-0002" (optional: the run's best), "as_of": "2026-11-20"
(optional: the IST date of ``time``, else today)}``. Response: ``{"run_id", "item_id", "badge",
"evaluation_key"}``; the full evaluation is stored at ``evaluation_key`` with its report files.
"""

from __future__ import annotations

import os
from datetime import datetime
from functools import partial
from typing import Any

from functions.shared.lake_store import build_store
from functions.shared.powertools import instrument, logger
from functions.shared.settings import get_settings
from vyapari.core.time import IST
from vyapari.evaluation.criteria import TargetCriteria
from vyapari.workflows.evaluation import evaluate_run, sdk_evaluator
from vyapari.workflows.events import session_date_of

SETTINGS = get_settings()
STORE = build_store(SETTINGS)
# TARGET_WEEKLY_RETURN_PCT, MAX_DRAWDOWN_PCT, P95_WEEKLY_DRAWDOWN_PCT, TOLERANCE_PCT (parsed once)
EVALUATOR = partial(sdk_evaluator, criteria=TargetCriteria.from_env(os.environ))


@instrument
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Evaluate the run and store the evaluation."""
    dated = {"session_date": event.get("as_of"), "time": event.get("time") or datetime.now(IST).isoformat()}
    run_id, item_id = str(event["run_id"]), event.get("item_id")
    result = evaluate_run(STORE, run_id, session_date_of(dated), item_id, EVALUATOR)
    logger.info("evaluated", extra=result)
    return result
