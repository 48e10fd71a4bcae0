"""Logging off the trading thread: records are queued, a listener thread formats and writes them.

A log line written by a stream handler costs the thread that logs it the formatting and the
write (tens of µs, more when stderr is a pipe to a log agent); in the live engine that thread
is the one deciding and placing orders. :func:`queued_logging` moves the root logger's
handlers behind a :class:`logging.handlers.QueueHandler`: the logging thread only builds the
record, merges its message and enqueues it; a :class:`~logging.handlers.QueueListener` thread
hands it to the original handlers (their filters, e.g. credential redaction, and formatters
still apply). On exit every queued record is written before the handlers are put back, so
nothing logged is lost and the order of lines is kept.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Iterator
from contextlib import contextmanager
from logging.handlers import QueueHandler, QueueListener


@contextmanager
def queued_logging() -> Iterator[QueueHandler]:
    """Within the block, the root logger's handlers run on a listener thread (see the module doc).

    Yields the :class:`QueueHandler` that replaced them (attach record filters to it: they run
    in the logging thread, before the record is queued). Nothing changes when the root logger
    has no handlers.
    """
    root = logging.getLogger()
    handlers = list(root.handlers)
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    front = QueueHandler(records)
    if not handlers:
        yield front
        return
    listener = QueueListener(records, *handlers, respect_handler_level=True)
    for handler in handlers:
        root.removeHandler(handler)
    root.addHandler(front)
    listener.start()
    try:
        yield front
    finally:
        root.removeHandler(front)
        listener.stop()  # writes what is queued, then joins the thread
        for handler in handlers:
            root.addHandler(handler)
