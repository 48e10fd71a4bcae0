"""Ingestion of many files, optionally in a small process pool.

Files are grouped by the session date in their conventional name (files without one form one
group); a group is ingested in order by a single worker, so two files of the same day never race
for the same curated object, state record or raw folder. Each file's writes stay atomic (they are
the single-file path of :class:`~vyapari.data.ingest.Ingester`), and results come back in the order
of the input paths, whatever order the workers finish in.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from datetime import date
from pathlib import Path

from vyapari.core.errors import InvalidInput
from vyapari.data.formats import date_from_name
from vyapari.data.ingest import Ingester, IngestResult

OnResult = Callable[[IngestResult], None]
_WORKER: dict[str, Ingester] = {}  # the ingester of a pool worker process (set by its initializer)


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


def _init_worker(payload: bytes) -> None:
    store, session_check, policy = pickle.loads(payload)  # our own bytes, from the parent process
    _WORKER["ingester"] = Ingester(store, session_check=session_check, policy=policy)


def _ingest_group(paths: list[Path]) -> list[IngestResult]:
    ingester = _WORKER["ingester"]
    return [ingest_path(ingester, p) for p in paths]


def _pool_context() -> multiprocessing.context.BaseContext:
    """``fork`` where available (workers start in milliseconds), the platform default elsewhere."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


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
    groups = group_by_name_date(paths)
    results: list[IngestResult | None] = [None] * len(paths)
    with ProcessPoolExecutor(max_workers=min(workers, len(groups)), mp_context=_pool_context(),
                             initializer=_init_worker, initargs=(payload,)) as pool:
        futures: dict[Future[list[IngestResult]], list[int]] = {
            pool.submit(_ingest_group, [paths[i] for i in group]): group for group in groups}
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
