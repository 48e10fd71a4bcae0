"""Local parameter sweeps: the backtest workflow's plan, work items and ranking, on a process pool.

``vyapari sweep`` expands ``params`` × ``grid`` × the symbol universe into exactly the
:class:`~vyapari.workflows.plan.WorkItem` units that the AWS backtest workflow fans out with
a Step Functions Map, runs each with :func:`~vyapari.workflows.items.run_item` on a local
process pool (results under ``runs/<run_id>/<item_id>/`` in the lake folder), and ranks them
with :func:`~vyapari.workflows.aggregate.aggregate_run`. Because a sweep is a search, the best
item also gets its deflated Sharpe ratio with the number of parameter sets as the trials.

Each sweep replaces the run folder ``runs/<run_id>/`` as a whole, once it is complete
(:func:`~vyapari.workflows.run_folder.staged_run`): nothing of an earlier sweep of that run id stays.
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
from vyapari.workflows.run_folder import RunStore, staged_run

NEVER_FARGATE = 10**15
SESSIONS_PER_YEAR = 252


def _run_one(args: tuple[RunStore, dict[str, Any]]) -> dict[str, Any]:
    store, item = args
    return run_item(store, WorkItem.from_dict(item))


def run_sweep(
    request: BacktestRequest,
    lake_root: Path,
    *,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
    keep: int | None = None,
) -> dict[str, Any]:
    """Run every work item of ``request`` on the lake at ``lake_root``; returns the ranking.

    When every item covers the same symbols (one chunk) the lake is read once and the grid runs as
    :func:`run_panel_sweep` on it (``keep`` as there); otherwise each item reads its own chunk and
    writes its full results (``keep`` is ignored).
    """
    store = LocalObjectStore(lake_root)
    items = plan_items(request, universe(store, request.exchange, request.interval), NEVER_FARGATE)
    if len({tuple(item.symbols) for item in items}) == 1:
        panel = _lake_panel(store, items[0])
        if panel is not None:
            return run_panel_sweep(request, panel, lake_root, workers=workers, progress=progress, keep=keep)
    check_grid(request)
    with staged_run(lake_root, request.run_id) as stage:
        run_store = RunStore(lake_root, stage, request.run_id)
        jobs = [(run_store, item.to_dict()) for item in items]
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
        ranking = aggregate_run(run_store, request.run_id, request.rank_by, top=len(items))
        ranking["trials"] = len(request.parameter_sets())
        ranking["best_deflated_sharpe"] = best_deflated_sharpe(run_store.out, request.run_id, ranking)
    return ranking


def _lake_panel(store: LocalObjectStore, item: WorkItem) -> Any:
    """The panel ``item`` would read from the lake (as :func:`run_item` does), or None without data."""
    from datetime import date

    from vyapari.data.lake import Lake
    from vyapari.model.enums import Exchange
    from vyapari.strategy.feed import LakeDataFeed, load_panel

    feed = LakeDataFeed(Lake(store), Exchange(item.exchange), item.symbols, item.interval)
    start, end = date.fromisoformat(item.start), date.fromisoformat(item.end)
    if not feed.frames(start, end):
        return None
    return load_panel(feed, start, end, exchange=Exchange(item.exchange))


# What a folder sweep's grid points share, set in the parent before the workers fork (they inherit it
# without pickling): per symbol chunk, the panel, its array-path prep and running sums (sma_cross).
_SHARED: dict[tuple[str, ...], tuple[Any, Any, Any]] = {}


def _shared(symbols: tuple[str, ...]) -> tuple[Any, Any, Any]:
    return _SHARED[symbols]


def _share(panel: Any, request: BacktestRequest, items: list[WorkItem]) -> None:
    """Fill :data:`_SHARED` for every symbol chunk of ``items`` (once per chunk, not per point)."""
    from vyapari.backtest.config import BacktestConfig
    from vyapari.backtest.vector import prepare_panel
    from vyapari.strategies import make_strategy
    from vyapari.strategies.sma_cross import RunningSums, SmaCrossSignal

    config = BacktestConfig(capital_inr=request.capital_inr, fees=request.fees)
    signal = make_strategy(request.strategy, items[0].params).signal
    for item in items:
        key = tuple(item.symbols)
        if key in _SHARED:
            continue
        part = panel if key == tuple(panel.symbols) else _columns(panel, list(key))
        sums = RunningSums(part) if isinstance(signal, SmaCrossSignal) else None
        _SHARED[key] = (part, prepare_panel(part, config), sums)


def _run_points(items: list[dict[str, Any]], root: str, keep: bool) -> list[dict[str, Any]]:
    """Run grid points (work items) on the shared panels; per point ``item.json`` and ``summary.json``
    under ``root`` as the lake's, and with ``keep`` the full result files too."""
    return [_run_point(item, root, keep) for item in items]


def _run_point(item: dict[str, Any], root: str, keep: bool) -> dict[str, Any]:
    import json
    import tempfile

    from vyapari.backtest.config import BacktestConfig
    from vyapari.backtest.engine import run_backtest
    from vyapari.strategies import make_strategy
    from vyapari.strategies.sma_cross import SmaCrossSignal
    from vyapari.workflows.plan import item_prefix

    work = WorkItem.from_dict(item)
    store = LocalObjectStore(Path(root))
    prefix = item_prefix(work.run_id, work.item_id)
    store.put_atomic(prefix + "item.json", json.dumps(work.to_dict(), indent=2, sort_keys=True).encode())
    panel, prep, sums = _shared(tuple(work.symbols))
    strategy = make_strategy(work.strategy, work.params)
    if sums is not None and isinstance(strategy.signal, SmaCrossSignal):
        strategy.signal.sums = sums  # the panel's running sums and recent SMAs, not recomputed
    config = BacktestConfig(capital_inr=work.capital_inr, fees=work.fees,
                            run_id=f"{work.run_id}/{work.item_id}")
    result = run_backtest(strategy, panel, config, prep=prep)
    if keep:
        with tempfile.TemporaryDirectory(prefix="vyapari-item-") as tmp:
            result.write(Path(tmp))
            for path in sorted(Path(tmp).iterdir()):
                store.put_atomic(prefix + path.name, path.read_bytes())
    else:
        store.put_atomic(prefix + "summary.json", result.summary_json().encode())
    summary = result.summary
    return {"item_id": work.item_id, "status": "ok", "bars": int(summary["bars"]),
            "fills": int(summary["fills"]), "pnl_inr": float(summary["pnl_inr"]), "prefix": prefix}


def _columns(panel: Any, symbols: list[str]) -> Any:
    """``panel`` restricted to ``symbols`` (a work item's chunk), every per-symbol array sliced."""
    cols = np.array([panel.column(s) for s in symbols])
    names = ("open", "high", "low", "close", "volume", "valid")
    arrays = {name: getattr(panel, name)[:, cols] for name in names}
    return panel.with_arrays(symbols=tuple(symbols), lot_sizes=panel.lot_sizes[cols], **arrays)


def check_grid(request: BacktestRequest) -> None:
    """Build the strategy of every parameter set before any runs, so a bad point fails the sweep at
    once with :class:`InvalidInput` naming it (``--grid``), not halfway through."""
    import json

    from vyapari.core.errors import InvalidInput
    from vyapari.strategies import make_strategy

    for params in request.parameter_sets():
        point = json.dumps(params, default=str)
        try:
            make_strategy(request.strategy, params)
        except InvalidInput as exc:
            raise InvalidInput("--grid", f"the point {point} is invalid: {exc.reason}") from None
        except (ValueError, TypeError) as exc:
            raise InvalidInput("--grid", f"the point {point} is invalid: {exc}") from None


def _chunks(items: list[WorkItem], workers: int) -> list[list[dict[str, Any]]]:
    """Consecutive items (grid order: points sharing the first parameter together, so a worker reuses
    its SMAs) in about four chunks per worker (progress and balance)."""
    size = max(1, math.ceil(len(items) / (max(workers, 1) * 4)))
    return [[item.to_dict() for item in items[i : i + size]] for i in range(0, len(items), size)]


def run_panel_sweep(
    request: BacktestRequest,
    panel: Any,
    out_root: Path,
    *,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
    keep: int | None = None,
) -> dict[str, Any]:
    """Run every parameter set of ``request`` on an already loaded ``panel`` (a ``--data`` folder,
    or a lake's symbols read once).

    The panel is read once; what the grid points share (the panel's square-off plan and fill caps,
    and for ``sma_cross`` the running sums of closes) is computed once, before ``workers`` forked
    processes split the grid. Each point writes ``item.json`` and ``summary.json`` (as a single
    backtest's) under ``out_root/runs/<run_id>/<item_id>/``; the full result files (trades, orders,
    positions, equity) for every point when ``keep`` is None, else for the ``keep`` best only (rerun
    after the ranking). Returns the ranking (every item, best first) as :func:`run_sweep`. The run
    folder replaces an earlier one of the same run id only once complete (see the module doc).
    """
    check_grid(request)
    with staged_run(out_root, request.run_id) as stage:
        return _panel_sweep(request, panel, stage, workers, progress, keep)


def _panel_sweep(request: BacktestRequest, panel: Any, out_root: Path, workers: int,
                 progress: Callable[[int, int], None] | None, keep: int | None) -> dict[str, Any]:
    """:func:`run_panel_sweep` into the folder ``out_root`` (its staging folder)."""
    import multiprocessing

    items = plan_items(request, list(panel.symbols), NEVER_FARGATE)
    store = LocalObjectStore(out_root)
    keep_all = keep is None
    chunks = _chunks(items, workers)
    done = 0
    _SHARED.clear()
    try:
        _share(panel, request, items)
        if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            for chunk in chunks:
                _run_points(chunk, str(out_root), keep_all)
                done += len(chunk)
                if progress:
                    progress(done, len(items))
        else:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=min(workers, len(chunks)), mp_context=context) as pool:
                futures = [pool.submit(_run_points, chunk, str(out_root), keep_all) for chunk in chunks]
                for chunk, future in zip(chunks, futures, strict=True):
                    future.result()
                    done += len(chunk)
                    if progress:
                        progress(done, len(items))
        ranking = aggregate_run(store, request.run_id, request.rank_by, top=len(items))
        if not keep_all:
            by_id = {item.item_id: item for item in items}
            for row in ranking["top"][: max(keep or 0, 0)]:
                _run_point(by_id[row["item_id"]].to_dict(), str(out_root), True)
    finally:
        _SHARED.clear()
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
