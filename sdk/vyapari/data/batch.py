"""Ingestion of many files, optionally in a small process pool.

Files are grouped by the session date in their conventional name (files without one form one
group); a group is ingested in order by a single worker, so two files of the same day never race
for the same curated object, state record or raw folder. Consecutive groups are packed into a few
tasks per worker, so that the pool does not pay a round trip between processes per file. Each
file's writes stay atomic (they are the single-file path of :class:`~vyapari.data.ingest.Ingester`),
and results come back in the order of the input paths, whatever order the workers finish in.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from datetime import date
from pathlib import Path

import pyarrow as pa

from vyapari.core.errors import InvalidInput, VyapariError
from vyapari.data.formats import date_from_name
from vyapari.data.helper_thread import run_inline, stop_helper
from vyapari.data.ingest import Ingester, IngestResult, default_session_check

OnResult = Callable[[IngestResult], None]
_WORKER: dict[str, Ingester] = {}  # the ingester of a pool worker process (set by its initializer)
_TASKS_PER_WORKER = 16


def group_by_name_date(paths: Sequence[Path]) -> list[list[int]]:
    """Indexes of ``paths`` grouped by the date in the file name (input order kept inside a group)."""
    groups: dict[date | None, list[int]] = {}
    for i, path in enumerate(paths):
        groups.setdefault(date_from_name(path.name), []).append(i)
    return list(groups.values())


def ingest_path(ingester: Ingester, path: Path) -> IngestResult:
    """Ingest one local file with ``ingester``."""
    if not path.is_file():
        raise InvalidInput("path", f"{path} is not a file")
    return ingester.ingest(path.read_bytes(), path.name)


def pack_groups(groups: list[list[int]], tasks: int) -> list[list[int]]:
    """Consecutive ``groups`` packed into at most ``tasks`` tasks of about equal size (order kept).

    One task per group would cost a round trip between processes per file; a few dozen tasks keep
    the workers evenly busy to the end.
    """
    size = -(-len(groups) // max(1, tasks))  # ceiling division
    return [[i for group in groups[k:k + size] for i in group] for k in range(0, len(groups), size)]


def _init_worker(payload: bytes) -> None:
    store, session_check, policy = pickle.loads(payload)  # our own bytes, from the parent process
    _WORKER["ingester"] = Ingester(store, session_check=session_check, policy=policy)
    pa.set_cpu_count(1)  # the pool already runs one file per core: pyarrow's threads would only queue
    run_inline()  # and so would the raw copy's helper thread


def _ingest_group(paths: list[Path]) -> list[IngestResult]:
    ingester = _WORKER["ingester"]
    return [ingest_path(ingester, p) for p in paths]


def _pool_context() -> multiprocessing.context.BaseContext:
    """``fork`` where available (workers start in milliseconds), the platform default elsewhere."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def warm_calendars(ingester: Ingester, paths: Sequence[Path]) -> None:
    """Load, in this process, the project calendars the files' names point to (NSE, or BSE when the
    name says so; the years of their dates), so that forked workers inherit them instead of each
    importing and loading its own. Only a cache: a file of another exchange or year loads its own."""
    if ingester.session_check is not default_session_check:
        return
    years = sorted({d.year for d in (date_from_name(p.name) for p in paths) if d is not None})
    for exchange in sorted({"BSE" if "BSE" in p.name.upper() else "NSE" for p in paths}):
        is_session = default_session_check(exchange)
        for year in years:
            try:
                is_session(date(year, 1, 1))
            except VyapariError:  # a year the calendar does not cover: the ingest will say so
                continue


def ingest_in_pool(ingester: Ingester, paths: Sequence[Path], workers: int,
                   on_result: OnResult | None = None) -> list[IngestResult]:
    """Ingest ``paths`` with ``workers`` processes; results in input order.

    The ingester's store, session check and policy must be picklable (a local folder store and the
    default calendar are); ``on_result`` is called as each file's result arrives.
    """
    try:
        payload = pickle.dumps((ingester.store, ingester.session_check, ingester.policy))
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        raise InvalidInput("workers", f"a process pool needs a picklable store and session check ({exc})") \
            from None
    stop_helper()  # fork from a single-threaded process (the helper starts again on use)
    context = _pool_context()
    if context.get_start_method() == "fork":
        warm_calendars(ingester, paths)
    groups = group_by_name_date(paths)
    workers = min(workers, len(groups))
    tasks = pack_groups(groups, _TASKS_PER_WORKER * workers)
    results: list[IngestResult | None] = [None] * len(paths)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=_init_worker, initargs=(payload,)) as pool:
        futures: dict[Future[list[IngestResult]], list[int]] = {
            pool.submit(_ingest_group, [paths[i] for i in task]): task for task in tasks}
        for future in as_completed(futures):
            for i, result in zip(futures[future], future.result(), strict=True):
                results[i] = result
                if on_result:
                    on_result(result)
    return [r for r in results if r is not None]


def ingest_paths(ingester: Ingester, paths: Sequence[Path], workers: int = 1,
                 on_result: OnResult | None = None) -> list[IngestResult]:
    """Ingest local files in order (``workers > 1``: a process pool, see :func:`ingest_in_pool`)."""
    paths = [Path(p) for p in paths]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise InvalidInput("path", f"{missing[0]} is not a file")
    if workers > 1 and len(paths) > 1 and len(group_by_name_date(paths)) > 1:
        return ingest_in_pool(ingester, paths, workers, on_result)
    results = []
    for path in paths:
        results.append(ingest_path(ingester, path))
        if on_result:
            on_result(results[-1])
    return results


def default_workers() -> int:
    """Two workers where at least two CPUs are available, else one."""
    return 2 if (os.cpu_count() or 1) >= 2 else 1
