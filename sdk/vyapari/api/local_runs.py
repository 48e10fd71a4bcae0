"""Strategy runs started through the local API (``vyapari api serve``) really run: the backtest
workflow's steps on a local process pool.

:class:`LocalRunStarter` is the local :class:`~vyapari.api.ports.WorkflowStarter`. A start submits
:func:`execute_run` to a pool of ``workers`` processes (spawned, so the server's threads are not
forked); it does what the AWS backtest state machine does, on the lake folder:

1. plan the work items and run each (:func:`vyapari.workflows.sweep.run_sweep`: parameter grid ×
   symbol chunks; a run without ``grid`` is one parameter set), rank them;
2. evaluate the best item (:func:`vyapari.workflows.evaluation.evaluate_run`): the weekly evaluation
   and its report under ``runs/<run_id>/evaluation/<as_of>.json`` and
   ``runs/<run_id>/evaluation/<as_of>/report.html`` (``as_of`` = today, IST, as in AWS);
3. publish it at ``evaluations/<run_id>/latest.json``, what ``GET /strategy-runs/<id>/evaluate`` reads.

The run record (partition ``run`` of the registry) follows: ``status`` ``RUNNING`` (``progress``
0..1 as work items finish) then ``SUCCEEDED`` (``progress`` 1, ``badge``, ``evaluation_key``,
``report_key``: the lake key of the report HTML) or ``FAILED`` (``error``: the error's type and
message), with ``finished_at`` (IST). A status never moves back. Runs left ``STARTED`` or ``RUNNING`` by
a server that stopped are marked ``FAILED`` when the next one starts; its workers end with it.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from vyapari.api.ports import Record, RecordStore

log = logging.getLogger(__name__)
PREFIX = "local:execution:"
RANK = {"CREATED": 0, "STARTED": 1, "RUNNING": 2, "SUCCEEDED": 3, "FAILED": 3}
TERMINAL = ("SUCCEEDED", "FAILED")
_PROGRESS: Any = None  # the worker's queue to the server (set by the pool's initializer)


def _init_worker(progress: Any) -> None:
    global _PROGRESS  # noqa: PLW0603 - one queue per worker process, handed over at its start
    _PROGRESS = progress
    parent = os.getppid()
    threading.Thread(target=_exit_with, args=(parent,), name="parent-watch", daemon=True).start()


def _exit_with(parent: int) -> None:
    """End this worker when the server that spawned it is gone (killed: nothing else would stop it)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _report(run_id: str, **fields: Any) -> None:
    if _PROGRESS is not None:
        _PROGRESS.put((run_id, fields))


def execute_run(payload: dict[str, Any], lake_root: str) -> dict[str, Any]:
    """Run, evaluate and publish one run (in a worker process); its outcome for the run record."""
    from vyapari.api.registry import now_ist
    from vyapari.data.storage import LocalObjectStore
    from vyapari.workflows.evaluation import evaluate_run, publish
    from vyapari.workflows.plan import BacktestRequest
    from vyapari.workflows.sweep import run_sweep

    run_id = str(payload["run_id"])
    _report(run_id, status="RUNNING", progress=0.0)
    request = BacktestRequest.from_dict(payload, local=True)
    root = Path(lake_root)
    run_sweep(request, root, workers=1,
              progress=lambda done, total: _report(run_id, progress=round(0.9 * done / total, 4)))
    store = LocalObjectStore(root)
    outcome = evaluate_run(store, run_id, now_ist().date())
    _report(run_id, progress=0.95)
    published = publish(store, run_id, outcome["evaluation_key"])
    reports = [k for k in store.list(f"runs/{run_id}/evaluation/") if k.endswith(".html")]
    return {"badge": published.get("badge"), "evaluation_key": published["key"],
            "report_key": sorted(reports)[-1] if reports else None, "item_id": outcome["item_id"]}


class LocalRunStarter:
    """Runs starts on a local process pool and keeps their run records current (module docstring).

    Parameters
    ----------
    records : RecordStore
        The registry's records (partition ``run``).
    lake_root : Path
        The lake folder the backtests read and write.
    workers : int
        Runs executed at the same time.
    clock : callable
        The current instant (IST), for ``finished_at``.
    """

    def __init__(self, records: RecordStore, lake_root: Path, *, workers: int = 1,
                 clock: Callable[[], Any] | None = None) -> None:
        from vyapari.api.registry import now_ist

        self.records, self.lake_root, self.workers = records, Path(lake_root), workers
        self.clock = clock or now_ist
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._progress: Any = None
        self._futures: dict[str, Future[dict[str, Any]]] = {}
        self.started: dict[str, Record] = {}  # name -> payload, as RecordingStarter keeps them
        self._fail_abandoned()

    def start(self, name: str, payload: Record) -> str:
        """Submit the run (once per ``name``); its id ``local:execution:<name>``."""
        run_id = str(payload["run_id"])
        with self._lock:
            if name not in self._futures:
                future = self._ensure_pool().submit(execute_run, dict(payload), str(self.lake_root))
                self._futures[name], self.started[name] = future, dict(payload)
                future.add_done_callback(lambda done: self._finished(run_id, done))
        return PREFIX + name

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")  # never fork the server's threads
            self._progress = context.Queue()
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_init_worker,
                                             initargs=(self._progress,))
            threading.Thread(target=self._drain, args=(self._progress,), name="run-progress",
                             daemon=True).start()
        return self._pool

    def _drain(self, progress: Any) -> None:
        while True:
            try:
                item = progress.get()
            except (EOFError, OSError, ValueError):  # the queue was closed with the pool
                return
            if item is None:
                return
            run_id, fields = item
            self.update(run_id, **fields)

    def _finished(self, run_id: str, future: Future[dict[str, Any]]) -> None:
        now = self.clock().isoformat()
        try:
            outcome = future.result()
        except Exception as exc:  # the run failed: its record says why, the server goes on
            log.warning("strategy run %s failed: %s", run_id, type(exc).__name__)
            self.update(run_id, status="FAILED", error=f"{type(exc).__name__}: {exc}"[:1000], finished_at=now)
            return
        self.update(run_id, status="SUCCEEDED", progress=1.0, finished_at=now, **outcome)

    def update(self, run_id: str, **fields: Any) -> None:
        """Merge ``fields`` into the run record; a status never moves back, nor progress after the end."""
        with self._lock:
            record = self.records.get("run", run_id)
            if record is None:
                return
            current = str(record.get("status") or "CREATED")
            status = fields.get("status")
            if current in TERMINAL or (status is not None and RANK.get(status, 0) < RANK.get(current, 0)):
                return
            self.records.put("run", run_id, {**record, **fields})

    def _fail_abandoned(self) -> None:
        """Mark runs a previous server left unfinished as failed."""
        after = None
        while True:
            page = self.records.query("run", limit=500, after=after)
            for record in page.items:
                if record.get("status") in ("STARTED", "RUNNING") and str(
                        record.get("execution_arn") or "").startswith(PREFIX):
                    self.records.put("run", str(record["run_id"]), {
                        **record, "status": "FAILED", "finished_at": self.clock().isoformat(),
                        "error": "the local API server stopped before the run finished; start a new run"})
            if page.last_key is None:
                return
            after = page.last_key

    def close(self) -> None:
        """Stop the pool (running backtests are waited for)."""
        with self._lock:
            pool, progress = self._pool, self._progress
            self._pool = None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
            with contextlib.suppress(OSError, ValueError):
                progress.put(None)

