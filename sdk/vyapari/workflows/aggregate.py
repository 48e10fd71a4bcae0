"""Aggregate a run's work items into one table ranked by a metric (stdlib only: no pandas).

Reads every ``runs/<run_id>/<item_id>/summary.json`` (and ``item.json`` for the parameters), writes
``runs/<run_id>/ranking.json`` (``{"run_id", "rank_by", "rows": [...]}``) and ``runs/<run_id>/ranking.csv``.
Rows are best first: descending for every metric except ``max_drawdown`` (a positive fraction of the
peak: smaller is better). Items without a summary (no data, failed) rank last.
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from vyapari.core.symbols import csv_safe
from vyapari.data.storage import ObjectStore

LOWER_IS_BETTER = frozenset({"max_drawdown"})
COLUMNS = (
    "rank",
    "item_id",
    "strategy",
    "params",
    "symbols",
    "bars",
    "fills",
    "pnl_inr",
    "charges_inr",
    "sharpe",
    "sortino",
    "total_return",
    "max_drawdown",
    "win_rate",
    "profit_factor",
)


def _metric(row: dict[str, Any], name: str) -> float:
    """The score to maximise: the metric, negated when lower is better; ``-inf`` when absent."""
    value = row.get(name)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return -math.inf
    return -float(value) if name in LOWER_IS_BETTER else float(value)


def _row(item: dict[str, Any], summary: dict[str, Any] | None) -> dict[str, Any]:
    stats = (summary or {}).get("statistics", {})
    row: dict[str, Any] = {
        "item_id": item["item_id"],
        # the strategy's own name (its summary), else the reference the item was planned with
        "strategy": (summary or {}).get("strategy") or item.get("strategy"),
        "params": item.get("params", {}),
        "symbols": item.get("symbols", []),
    }
    for name in ("bars", "fills", "pnl_inr", "charges_inr"):
        row[name] = (summary or {}).get(name)
    for name in ("sharpe", "sortino", "total_return", "max_drawdown", "win_rate", "profit_factor"):
        row[name] = stats.get(name)
    return row


def collect_rows(store: ObjectStore, run_id: str) -> list[dict[str, Any]]:
    """One row per item of the run (from ``item.json`` and, when it ran, ``summary.json``)."""
    rows = []
    for key in store.list(f"runs/{run_id}/"):
        if not key.endswith("/item.json"):
            continue
        item = json.loads(store.get(key))
        summary_key = key.removesuffix("item.json") + "summary.json"
        summary = json.loads(store.get(summary_key)) if store.exists(summary_key) else None
        rows.append(_row(item, summary))
    return rows


def rank_rows(rows: list[dict[str, Any]], rank_by: str) -> list[dict[str, Any]]:
    """``rows`` best first by ``rank_by`` (ties by ``item_id``), each with its 1-based ``rank``."""
    ordered = sorted(rows, key=lambda r: (-_metric(r, rank_by), r["item_id"]))
    return [{"rank": i, **row} for i, row in enumerate(ordered, start=1)]


def _csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:  # (csv_safe: no cell may start a spreadsheet formula)
        params = json.dumps(row["params"], sort_keys=True)
        cells = {**row, "params": params, "symbols": " ".join(row["symbols"])}
        writer.writerow({k: csv_safe(v) for k, v in cells.items()})
    return buffer.getvalue().encode()


def aggregate_run(store: ObjectStore, run_id: str, rank_by: str = "sharpe", top: int = 5) -> dict[str, Any]:
    """Rank the run's items, write the table, return the top ``top`` rows and the table's keys."""
    rows = rank_rows(collect_rows(store, run_id), rank_by)
    if not rows:
        raise ValueError(f"run {run_id!r} has no work items under runs/{run_id}/")
    table = {"run_id": run_id, "rank_by": rank_by, "rows": rows}
    key = f"runs/{run_id}/ranking.json"
    store.put_atomic(key, json.dumps(table, indent=2, sort_keys=True, default=str).encode())
    store.put_atomic(f"runs/{run_id}/ranking.csv", _csv(rows))
    return {
        "run_id": run_id,
        "strategy": rows[0]["strategy"],
        "rank_by": rank_by,
        "items": len(rows),
        "best": rows[0],
        "top": rows[:top],
        "ranking_key": key,
    }
