"""Rank a run's work items by a metric into one table (``runs/<run_id>/ranking.json`` and ``.csv``).

Event: ``{"run_id": "run-1", "rank_by": "sharpe"}``. Response: ``{"run_id", "rank_by", "items",
"best": <row>, "best_item_id", "top": [<row>, ...], "ranking_key"}``; a row has ``rank, item_id, params,
symbols, bars, fills, pnl_inr, charges_inr, sharpe, sortino, total_return, max_drawdown, win_rate,
profit_factor`` (amounts ₹, ratios as fractions). No pandas: this function starts fast.
"""

from __future__ import annotations

from typing import Any

from functions.shared.lake_store import build_store
from functions.shared.powertools import instrument, logger
from functions.shared.settings import get_settings
from vyapari.workflows.aggregate import aggregate_run

SETTINGS = get_settings()
STORE = build_store(SETTINGS)


@instrument
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Aggregate and rank."""
    result = aggregate_run(STORE, str(event["run_id"]), str(event.get("rank_by") or "sharpe"))
    logger.info("aggregated", extra={"run_id": result["run_id"], "items": result["items"]})
    return {**result, "best_item_id": result["best"]["item_id"]}
