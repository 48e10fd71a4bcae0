"""Run the live engine as a service: a broker tick stream, a clock, graceful shutdown.

Tick callbacks only enqueue (no work on the socket thread); the main loop drains the queue
into the engine and ticks the clock once a second so a quiet minute still closes.
:class:`StopFlag` is set by SIGTERM/SIGINT: the loop stops taking new data, the current
unfinished minute is dropped (it is rebuilt after a restart), nothing is cancelled, the
state is already persisted per slice, and the process exits 0.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import signal
import time
from datetime import datetime
from types import FrameType

from vyapari.brokers.types import Tick
from vyapari.core.time import IST
from vyapari.live.engine import LiveEngine

log = logging.getLogger(__name__)


class StopFlag:
    """Set by SIGTERM / SIGINT (after :meth:`install`) or by calling :meth:`set`."""

    def __init__(self) -> None:
        self.is_set = False

    def set(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        """Ask the service to stop after the current tick."""
        if not self.is_set:
            log.warning("stop requested (signal %s): finishing the current tick and exiting", signum)
        self.is_set = True

    def install(self) -> StopFlag:
        """Route SIGTERM and SIGINT to :meth:`set`; returns self."""
        signal.signal(signal.SIGTERM, self.set)
        signal.signal(signal.SIGINT, self.set)
        return self

    def __call__(self) -> bool:
        return self.is_set


def run_stream(engine: LiveEngine, stop: StopFlag, poll_seconds: float = 0.2) -> None:
    """Subscribe to the broker's ticks for the engine's universe and run until ``stop``."""
    ticks: queue.SimpleQueue[Tick] = queue.SimpleQueue()
    stream = engine.broker.tick_stream()
    stream.on_tick(ticks.put)
    stream.subscribe(engine.instruments)
    stream.connect()
    try:
        while not stop():
            with contextlib.suppress(queue.Empty):
                engine.on_tick(ticks.get(timeout=poll_seconds))
            now = datetime.now(IST)
            engine.on_clock(int(now.timestamp() * 1e9))
    finally:
        stream.close()
        log.info("tick stream closed after %d slices", engine.slices)


def wall_ns() -> int:
    """Now as UTC epoch nanoseconds."""
    return time.time_ns()
