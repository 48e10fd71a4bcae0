"""Local parameter sweeps: the backtest workflow's plan, work items and ranking, on a process pool.

``vyapari sweep`` expands ``params`` × ``grid`` × the symbol universe into exactly the
:class:`~vyapari.workflows.plan.WorkItem` units that the AWS backtest workflow fans out with
a Step Functions Map, runs each with :func:`~vyapari.workflows.items.run_item` on a local
process pool (results under ``runs/<run_id>/<item_id>/`` in the lake folder), and ranks them
with :func:`~vyapari.workflows.aggregate.aggregate_run`. Because a sweep is a search, the best
item also gets its deflated Sharpe ratio with the number of parameter sets as the trials.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from vyapari.data.storage import LocalObjectStore
from vyapari.workflows.aggregate import aggregate_run
from vyapari.workflows.items import run_item
from vyapari.workflows.plan import BacktestRequest, WorkItem, plan_items, universe

NEVER_FARGATE = 10**15
SESSIONS_PER_YEAR = 252


def _run_one(args: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    root, item = args
    return run_item(LocalObjectStore(Path(root)), WorkItem.from_dict(item))


def run_sweep(
    request: BacktestRequest,
    lake_root: Path,
    *,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Run every work item of ``request`` on the lake at ``lake_root``; returns the ranking."""
    store = LocalObjectStore(lake_root)
    items = plan_items(request, universe(store, request.exchange, request.interval), NEVER_FARGATE)
    jobs = [(str(lake_root), item.to_dict()) for item in items]
    done = 0
    if workers <= 1:
        for job in jobs:
            _run_one(job)
            done += 1
            if progress:
                progress(done, len(jobs))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for _ in pool.map(_run_one, jobs):
                done += 1
                if progress:
                    progress(done, len(jobs))
    ranking = aggregate_run(store, request.run_id, request.rank_by, top=len(items))
    ranking["trials"] = len(request.parameter_sets())
    ranking["best_deflated_sharpe"] = best_deflated_sharpe(store, request.run_id, ranking)
    return ranking


def best_deflated_sharpe(store: LocalObjectStore, run_id: str, ranking: dict[str, Any]) -> float | None:
    """Deflated Sharpe ratio (0..1) of the best item's daily returns, trials = items ranked."""
    import pandas as pd

    from vyapari.evaluation.robustness import deflated_sharpe_ratio

    rows = [r for r in ranking["top"] if r.get("sharpe") is not None]
    if len(rows) < 2:
        return None
    key = f"runs/{run_id}/{rows[0]['item_id']}/equity.parquet"
    if not store.exists(key):
        return None
    equity = pd.read_parquet(store.root / key).set_index("ts")["equity"]
    daily = equity.groupby(equity.index.date).last().pct_change().dropna().to_numpy()
    per_period = np.array([r["sharpe"] for r in rows], dtype=float) / math.sqrt(SESSIONS_PER_YEAR)
    value = deflated_sharpe_ratio(
        daily, trials=len(rows), trial_sharpe_variance=float(per_period.var(ddof=1))
    )
    return None if math.isnan(value) else round(value, 6)
