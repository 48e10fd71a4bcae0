"""One helper thread per process, for I/O that can overlap the ingest's CPU work.

Hashing, file writes and network calls release the GIL, so work handed to the helper runs on a
second core (or during a network wait) while the calling thread computes. Tasks run one at a time in
submission order. The helper starts on first use; :func:`stop_helper` ends it (the batch ingest does,
so that it forks its process pool from a single-threaded process), and a process that inherits an
executor through ``fork`` starts its own, as the inherited one has no thread behind it.

A process whose cores are all taken by its siblings (a worker of the batch ingest's pool) gains
nothing from a second thread, only thread switches: :func:`run_inline` makes :func:`run_soon` run
its task at once on the calling thread there.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_LOCK = threading.Lock()
_HELPERS: dict[int, ThreadPoolExecutor] = {}  # by process id
_INLINE: set[int] = set()  # process ids whose tasks run on the calling thread


def _helper() -> ThreadPoolExecutor:
    pid = os.getpid()
    with _LOCK:
        if pid not in _HELPERS:
            _HELPERS.clear()
            _HELPERS[pid] = ThreadPoolExecutor(1, thread_name_prefix="vyapari-io")
        return _HELPERS[pid]


def run_soon(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
    """Run ``fn(*args, **kwargs)`` on this process's helper thread; ``.result()`` returns or raises.

    After :func:`run_inline` in this process, the task has run (on this thread) when this returns.
    """
    if os.getpid() in _INLINE:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # raised again by .result(), as the helper's would be
            future.set_exception(exc)
        return future
    return _helper().submit(fn, *args, **kwargs)


def run_inline() -> None:
    """From now on, this process runs :func:`run_soon`'s tasks on the calling thread (no helper)."""
    stop_helper()
    _INLINE.add(os.getpid())


def stop_helper() -> None:
    """Wait for this process's helper thread to finish its tasks and end it (started again on use)."""
    with _LOCK:
        helper = _HELPERS.pop(os.getpid(), None)
    if helper is not None:
        helper.shutdown(wait=True)
