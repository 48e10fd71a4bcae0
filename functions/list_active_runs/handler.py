"""List the strategy runs the weekly evaluation covers.

Event: ``{"request": <workflow input: {} | {"run_ids": [...]} | an EventBridge scheduled event>,
"time": "<execution start, ISO>"}``. Response: ``{"as_of": "2026-11-20", "runs": [{"run_id": ...}, ...]}``:
the ``run_ids`` given, else every run whose manifest in the lake says ``active``; ``as_of`` is the IST
date of the scheduled event's (else the execution's) ``time``.
"""

from __future__ import annotations

from typing import Any

from functions.shared.lake_store import build_store
from functions.shared.powertools import instrument, logger
from functions.shared.settings import get_settings
from vyapari.workflows.evaluation import active_runs
from vyapari.workflows.events import session_date_of

SETTINGS = get_settings()
STORE = build_store(SETTINGS)


@instrument
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The runs to evaluate and the evaluation date."""
    request = dict(event.get("request") or {})
    as_of = session_date_of(
        {"session_date": request.get("as_of"), "time": request.get("time") or event.get("time")}
    )
    run_ids = request.get("run_ids") or active_runs(STORE)
    logger.info("active runs", extra={"runs": len(run_ids)})
    return {"as_of": as_of.isoformat(), "runs": [{"run_id": str(r)} for r in run_ids]}
