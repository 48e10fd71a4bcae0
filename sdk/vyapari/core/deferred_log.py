"""Output made on a latency-critical path and written once that path is done.

Writing a log line costs tens of µs in a cold cache (record, redaction filter, formatting, the
write), and the live engine's decision of a slice is on a millisecond budget. While a thread is
inside :meth:`DeferredLog.held`:

* lines logged through :meth:`DeferredLog.info` are kept as ``(logger, level, message, args,
  time)`` and written when the block ends, each stamped with the time it was logged, through the
  same logger (so its filters, e.g. credential redaction, and handlers apply);
* calls handed to :meth:`DeferredLog.later` (e.g. writing a metric record already built, with its
  own timestamp) are made when the block ends.

Both run in the order they were made. Outside a held block (other threads, or no block at all)
they happen at once. A block that raises still writes its output. Only routine output of the hot
path goes through it (an order placed, its metrics); warnings and errors are logged directly,
when they happen. A process killed inside a block loses that block's held output.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

_STARTED: float = getattr(logging, "_startTime", time.time())  # what relativeCreated counts from
_Call = tuple[Callable[..., Any], tuple[Any, ...]]


class DeferredLog:
    """Per-thread holding of log lines and output calls (see the module docstring)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def info(self, logger: logging.Logger, msg: str, *args: object) -> None:
        """``logger.info(msg, *args)``, held when this thread is inside :meth:`held`."""
        held: list[_Call] | None = getattr(self._local, "calls", None)
        if held is None:
            logger.info(msg, *args)
        elif logger.isEnabledFor(logging.INFO):
            held.append((_write_line, (logger, logging.INFO, msg, args, time.time())))

    def later(self, fn: Callable[..., Any], *args: Any) -> None:
        """``fn(*args)`` now, or at the end of this thread's held block."""
        held: list[_Call] | None = getattr(self._local, "calls", None)
        if held is None:
            fn(*args)
        else:
            held.append((fn, args))

    def held(self) -> _Held:
        """Hold this thread's output until the block ends (nested blocks write at the outermost end).

        A plain context manager object rather than ``@contextmanager``: the block opens on the
        live engine's decision path, where a generator-based one cost about 15 µs more in a cold
        cache."""
        return _Held(self._local)

    def holding(self) -> bool:
        """True when this thread's output is being held."""
        return getattr(self._local, "calls", None) is not None


class _Held:
    """The context manager of :meth:`DeferredLog.held`."""

    __slots__ = ("_calls", "_local")

    def __init__(self, local: threading.local) -> None:
        self._local = local
        self._calls: list[_Call] | None = None

    def __enter__(self) -> None:
        if getattr(self._local, "calls", None) is None:  # the outermost block holds
            self._calls = self._local.calls = []

    def __exit__(self, *exc: object) -> None:
        calls, self._calls = self._calls, None
        if calls is not None:
            self._local.calls = None
            for fn, args in calls:
                fn(*args)


def _write_line(logger: logging.Logger, level: int, msg: str, args: tuple[object, ...], at: float) -> None:
    record = logger.makeRecord(logger.name, level, "(deferred)", 0, msg, args, None)
    record.created = at
    record.msecs = (at - int(at)) * 1000.0
    record.relativeCreated = (at - _STARTED) * 1000.0
    logger.handle(record)


deferred = DeferredLog()
"""The process's :class:`DeferredLog`."""
