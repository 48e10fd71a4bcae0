"""Plan a backtest run: expand the parameter grid × universe into work items.

Event: ``{"request": <backtest request, see vyapari.workflows.plan>, "execution": "<execution name>"}``
(``run_id`` defaults to the execution name). Response::

    {"run_id", "rank_by", "item_count", "large": bool, "runners": {"lambda": n, "fargate": n},
     "items": [<work item>, ...]            # when not large
     "items_location": {"Bucket", "Key"}}   # when large: runs/<run_id>/items.json for the ItemReader

The item list is always written to ``runs/<run_id>/items.json``; ``large`` is ``item_count >
INLINE_ITEMS_MAX``. An item with ``estimated_bars > FARGATE_MIN_CELLS`` runs on Fargate.
"""

from __future__ import annotations

import json
from typing import Any

from functions.shared.lake_store import build_store, object_location
from functions.shared.powertools import instrument, logger, metrics
from functions.shared.settings import get_settings
from vyapari.workflows.plan import BacktestRequest, items_key, plan_items, universe

SETTINGS = get_settings()
STORE = build_store(SETTINGS)


@instrument
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Validate the request, plan the items and store the list."""
    data = dict(event.get("request", event))
    data.setdefault("run_id", event.get("execution"))
    request = BacktestRequest.from_dict(data)
    pool = [] if request.symbols else universe(STORE, request.exchange, request.interval)
    items = [i.to_dict() for i in plan_items(request, pool, SETTINGS.fargate_min_cells)]
    STORE.put_atomic(items_key(request.run_id), json.dumps(items, indent=1).encode())
    large = len(items) > SETTINGS.inline_items_max
    runners = {r: sum(i["runner"] == r for i in items) for r in ("lambda", "fargate")}
    metrics.add_metric(name="WorkItemsPlanned", unit="Count", value=len(items))
    logger.info("planned", extra={"run_id": request.run_id, "items": len(items), "large": large})
    out: dict[str, Any] = {
        "run_id": request.run_id,
        "rank_by": request.rank_by,
        "item_count": len(items),
        "large": large,
        "runners": runners,
    }
    if large:
        out["items_location"] = object_location(SETTINGS, items_key(request.run_id))
    else:
        out["items"] = items
    return out
