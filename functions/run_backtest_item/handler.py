"""Run one backtest work item (a Map iteration) and write its results under ``runs/<run_id>/<item_id>/``.

Event: a work item (:class:`vyapari.workflows.plan.WorkItem` as a dict: ``run_id, item_id, strategy,
params, symbols, exchange, interval, start, end, capital_inr, fees, estimated_bars, fargate_min_bars``).
Response: ``{"item_id", "status": "ok" | "no_data", "bars", "fills", "pnl_inr", "prefix"}``.
Large items run the same code in the Fargate task (``python -m functions.run_backtest_task``).
"""

from __future__ import annotations

from typing import Any

from functions.shared.lake_store import build_store
from functions.shared.powertools import instrument, logger, metrics
from functions.shared.settings import get_settings
from vyapari.workflows.items import run_item
from vyapari.workflows.plan import WorkItem

SETTINGS = get_settings()
STORE = build_store(SETTINGS)


@instrument
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run the item."""
    result = run_item(STORE, WorkItem.from_dict(event))
    metrics.add_metric(name="BarsBacktested", unit="Count", value=result["bars"])
    logger.info("item done", extra=result)
    return result
