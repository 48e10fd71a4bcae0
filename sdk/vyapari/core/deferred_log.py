"""Log lines taken on a latency-critical path and written once that path is done.

Writing a log line costs tens of µs in a cold cache (record, redaction filter, formatting,
the write), and the live engine's decision of a slice is on a millisecond budget. Lines logged
through :data:`deferred` while a thread is inside :meth:`DeferredLog.held` are kept as
``(logger, level, message, args, time)`` and written when the block ends, in order, each
stamped with the time it was logged, through the same logger (so its filters, e.g. credential
redaction, and handlers apply). Outside a held block (other threads, or no block at all) a line
is written at once. A block that raises still writes its lines.

Only the routine lines of the hot path (an order placed) go through it; warnings and errors are
logged directly, when they happen.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_STARTED: float = getattr(logging, "_startTime", time.time())  # what relativeCreated counts from
_Line = tuple[logging.Logger, int, str, tuple[object, ...], float]


class DeferredLog:
    """Per-thread holding of log lines (see the module docstring)."""

    def __init__(self) -> None:
        self._local = threading.local()

    def info(self, logger: logging.Logger, msg: str, *args: object) -> None:
        """``logger.info(msg, *args)``, held when this thread is inside :meth:`held`."""
        held: list[_Line] | None = getattr(self._local, "lines", None)
        if held is None:
            logger.info(msg, *args)
        elif logger.isEnabledFor(logging.INFO):
            held.append((logger, logging.INFO, msg, args, time.time()))

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold this thread's lines until the block ends (nested blocks write at the outermost end)."""
        if getattr(self._local, "lines", None) is not None:
            yield
            return
        lines: list[_Line] = []
        self._local.lines = lines
        try:
            yield
        finally:
            self._local.lines = None
            _write(lines)

    def holding(self) -> bool:
        """True when this thread's lines are being held."""
        return getattr(self._local, "lines", None) is not None


def _write(lines: list[_Line]) -> None:
    for logger, level, msg, args, at in lines:
        record = logger.makeRecord(logger.name, level, "(deferred)", 0, msg, args, None)
        record.created = at
        record.msecs = (at - int(at)) * 1000.0
        record.relativeCreated = (at - _STARTED) * 1000.0
        logger.handle(record)


deferred = DeferredLog()
"""The process's :class:`DeferredLog`."""
