"""Run one backtest work item and write its results into the lake under ``runs/<run_id>/<item_id>/``.

Written objects: ``item.json`` (the work item), ``summary.json`` (the engine's summary: amounts in ₹,
statistics as fractions), ``equity.parquet``, ``trades.parquet``, ``orders.parquet``,
``positions.parquet`` (as :meth:`vyapari.backtest.results.BacktestResult.write`). The same function serves
the Lambda task and the Fargate task, so both runners produce identical objects.
"""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from vyapari.data.lake import Lake
from vyapari.data.storage import ObjectStore
from vyapari.model.enums import Exchange
from vyapari.strategy.feed import LakeDataFeed
from vyapari.workflows.plan import WorkItem, item_prefix


def _upload(store: ObjectStore, folder: Path, prefix: str) -> list[str]:
    keys = []
    for path in sorted(folder.iterdir()):
        store.put_atomic(prefix + path.name, path.read_bytes())
        keys.append(prefix + path.name)
    return keys


def run_item(store: ObjectStore, item: WorkItem) -> dict[str, Any]:
    """Backtest ``item`` on the lake in ``store`` and write its results; returns a short outcome.

    Returns
    -------
    dict
        ``{"item_id", "status": "ok" | "no_data", "bars", "fills", "pnl_inr", "prefix"}``.
    """
    from vyapari.backtest.config import BacktestConfig
    from vyapari.backtest.engine import run_backtest
    from vyapari.strategies import make_strategy
    from vyapari.strategy.feed import load_panel

    prefix = item_prefix(item.run_id, item.item_id)
    store.put_atomic(prefix + "item.json", json.dumps(item.to_dict(), indent=2, sort_keys=True).encode())
    feed = LakeDataFeed(Lake(store), Exchange(item.exchange), item.symbols, item.interval)
    start, end = date.fromisoformat(item.start), date.fromisoformat(item.end)
    if not feed.frames(start, end):
        return {"item_id": item.item_id, "status": "no_data", "bars": 0, "fills": 0, "pnl_inr": 0.0,
                "prefix": prefix}  # fmt: skip
    panel = load_panel(feed, start, end, exchange=Exchange(item.exchange))
    config = BacktestConfig(
        capital_inr=item.capital_inr,
        fees=item.fees,  # a spec string, normalised by BacktestConfig
        run_id=f"{item.run_id}/{item.item_id}",
    )
    result = run_backtest(make_strategy(item.strategy, item.params), panel, config)
    with tempfile.TemporaryDirectory(prefix="vyapari-item-") as tmp:
        result.write(Path(tmp))
        _upload(store, Path(tmp), prefix)
    summary = result.summary
    return {"item_id": item.item_id, "status": "ok", "bars": int(summary["bars"]),
            "fills": int(summary["fills"]), "pnl_inr": float(summary["pnl_inr"]),
            "prefix": prefix}  # fmt: skip
