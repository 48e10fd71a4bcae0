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


_PANEL: Any = None  # the folder sweep's panel, loaded once in the parent; forked workers inherit it


def _run_panel_item(item: dict[str, Any], root: str) -> dict[str, Any]:
    """One parameter set of a folder sweep on the shared panel; results under ``root`` like the lake's."""
    import json
    import tempfile

    from vyapari.backtest.config import BacktestConfig
    from vyapari.backtest.engine import run_backtest
    from vyapari.strategies import make_strategy
    from vyapari.workflows.plan import item_prefix

    work = WorkItem.from_dict(item)
    store = LocalObjectStore(Path(root))
    prefix = item_prefix(work.run_id, work.item_id)
    store.put_atomic(prefix + "item.json", json.dumps(work.to_dict(), indent=2, sort_keys=True).encode())
    panel = _PANEL
    if work.symbols and tuple(work.symbols) != panel.symbols:
        panel = _columns(panel, work.symbols)
    config = BacktestConfig(capital_inr=work.capital_inr, fees=work.fees,
                            run_id=f"{work.run_id}/{work.item_id}")
    result = run_backtest(make_strategy(work.strategy, work.params), panel, config)
    with tempfile.TemporaryDirectory(prefix="vyapari-item-") as tmp:
        result.write(Path(tmp))
        for path in sorted(Path(tmp).iterdir()):
            store.put_atomic(prefix + path.name, path.read_bytes())
    summary = result.summary
    return {"item_id": work.item_id, "status": "ok", "bars": int(summary["bars"]),
            "fills": int(summary["fills"]), "pnl_inr": float(summary["pnl_inr"]), "prefix": prefix}


def _columns(panel: Any, symbols: list[str]) -> Any:
    """``panel`` restricted to ``symbols`` (a work item's chunk), every per-symbol array sliced."""
    cols = np.array([panel.column(s) for s in symbols])
    names = ("open", "high", "low", "close", "volume", "valid")
    arrays = {name: getattr(panel, name)[:, cols] for name in names}
    return panel.with_arrays(symbols=tuple(symbols), lot_sizes=panel.lot_sizes[cols], **arrays)


def run_panel_sweep(
    request: BacktestRequest,
    panel: Any,
    out_root: Path,
    *,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Run every parameter set of ``request`` on an already loaded ``panel`` (a ``--data`` folder).

    The panel is read once, not once per item as from the lake; with ``workers`` > 1 the items run
    in forked processes that share it. Results and the ranking are as :func:`run_sweep`'s, under
    ``out_root/runs/<run_id>/``.
    """
    import multiprocessing

    global _PANEL  # noqa: PLW0603 - handed to forked workers without pickling a large panel
    items = plan_items(request, list(panel.symbols), NEVER_FARGATE)
    _PANEL = panel
    store = LocalObjectStore(out_root)
    done = 0
    try:
        methods = multiprocessing.get_all_start_methods()
        if workers <= 1 or "fork" not in methods:
            results = (_run_panel_item(item.to_dict(), str(out_root)) for item in items)
            for _ in results:
                done += 1
                if progress:
                    progress(done, len(items))
        else:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                futures = [pool.submit(_run_panel_item, item.to_dict(), str(out_root)) for item in items]
                for future in futures:
                    future.result()
                    done += 1
                    if progress:
                        progress(done, len(items))
    finally:
        _PANEL = None
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
