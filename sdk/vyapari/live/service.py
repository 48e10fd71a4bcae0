"""Run the live engine as a service: a broker tick stream, a clock, a feed watchdog, in-session
readiness re-checks, graceful shutdown.

Tick callbacks only enqueue (no work on the socket thread); :meth:`LiveService.step` drains the
queue into the engine and ticks the clock, so a quiet minute still closes. Each step also

* runs the **feed watchdog**: no tick at all for ``stale_feed_s`` seconds of market hours logs an
  error, counts ``feed_stale_total`` and reconnects the stream (which resubscribes everything);
* counts the stream's reconnects (``feed_reconnects_total``) and malformed frames
  (``malformed_ticks_total``; the stream skips them);
* polls the :class:`~vyapari.readiness.monitor.ReadinessMonitor`, which re-runs the cheap checks
  (broker session, tick feed, risk / kill switch, calendar) every minute and records the report in
  the engine's gate: a silent feed or a token that dies mid-session blocks new orders with
  ``FeedStale`` / ``SessionExpired`` and the block lifts when the check passes again.

:class:`StopFlag` is set by SIGTERM/SIGINT: the loop stops taking new data, the current unfinished
minute is dropped (it is rebuilt after a restart), nothing is cancelled, the state is already
persisted per slice, and the process exits 0. Times are tz-aware IST; intervals seconds.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from types import FrameType
from typing import Any

from vyapari.brokers.session import now_ist
from vyapari.brokers.ticks import TickStream
from vyapari.brokers.types import Tick
from vyapari.live.engine import LiveEngine
from vyapari.live.ports import Metrics, Publisher
from vyapari.live.risk import RiskLimits, kill_switch_state
from vyapari.live.store import OrderStateStore
from vyapari.market.calendar import get_calendar
from vyapari.readiness import (
    ReadinessReport,
    RiskState,
    SuiteConfig,
    TickFreshness,
    standard_checks,
)
from vyapari.readiness.monitor import ChangeListener, ReadinessMonitor

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


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


@dataclass(frozen=True)
class ServiceConfig:
    """How the service loop runs.

    Attributes
    ----------
    poll_s : float
        Longest wait for a tick before the clock is ticked (seconds).
    stale_feed_s : float
        No tick at all for this many seconds of market hours: the watchdog reconnects the stream.
    max_batch : int
        Ticks drained per step at most, so the clock and the checks still run under a burst.
    """

    poll_s: float = 0.2
    stale_feed_s: float = 30.0
    max_batch: int = 10_000

    def __post_init__(self) -> None:
        if not (self.poll_s >= 0 and self.stale_feed_s > 0 and self.max_batch > 0):
            raise ValueError(f"invalid service config {self!r}")


class FeedWatchdog:
    """Notices a feed that delivers no tick at all for ``stale_after_s`` seconds of market hours.

    Time outside market hours (``in_market(now)`` False) never counts as silence, so the first
    silence is measured from the open, not from a pre-open start.
    """

    def __init__(self, stale_after_s: float, in_market: Callable[[datetime], bool]) -> None:
        self.stale_after_s = stale_after_s
        self.in_market = in_market
        self._heard: datetime | None = None

    def heard(self, now: datetime) -> None:
        """A tick arrived at ``now``."""
        self._heard = now

    def overdue(self, now: datetime) -> float | None:
        """Seconds of silence when over the limit (and restart the count), else None."""
        if not self.in_market(now) or self._heard is None:
            self._heard = now
            return None
        silent = (now - self._heard).total_seconds()
        if silent < self.stale_after_s:
            return None
        self._heard = now  # the next reconnect attempt waits a full period again
        return silent


class LiveService:
    """One tick stream driving one engine (see the module docstring); drive it with :meth:`step`.

    Parameters
    ----------
    engine : LiveEngine
    stream : TickStream
        Unconnected; :meth:`start` subscribes the engine's universe and connects it.
    config : ServiceConfig
    monitor : ReadinessMonitor or None
        In-session readiness re-checks; its ``ticks`` recorder is attached to the stream.
    clock : callable
        The current instant (tz-aware); wall time in production, injected in tests.
    """

    def __init__(
        self,
        engine: LiveEngine,
        stream: TickStream,
        *,
        config: ServiceConfig | None = None,
        monitor: ReadinessMonitor | None = None,
        clock: Clock = now_ist,
    ) -> None:
        self.engine, self.stream, self.monitor, self.clock = engine, stream, monitor, clock
        self.config = config or ServiceConfig()
        sessions = engine.builder.sessions
        self.watchdog = FeedWatchdog(
            self.config.stale_feed_s, lambda now: sessions.find(_ns(now)) is not None
        )
        self._ticks: queue.SimpleQueue[Tick] = queue.SimpleQueue()
        self._seen_reconnects = 0
        self._seen_malformed = 0

    def start(self) -> None:
        """Attach the callbacks, subscribe the engine's instruments and connect."""
        self.stream.on_tick(self._ticks.put)
        if self.monitor is not None and self.monitor.ticks is not None:
            self.stream.on_tick(self.monitor.ticks.record)
        self.stream.subscribe(self.engine.instruments)
        self.stream.connect()
        self.watchdog.heard(self.clock())

    def step(self, wait_s: float = 0.0) -> int:
        """Drain queued ticks into the engine (waiting up to ``wait_s`` for the first), tick the
        clock, run the watchdog and the readiness re-check; returns the number of ticks taken."""
        taken = self._drain(wait_s)
        now = self.clock()
        if taken:
            self.watchdog.heard(now)
        self.engine.on_clock(_ns(now))
        self._count_stream_faults()
        silent = self.watchdog.overdue(now)
        if silent is not None:
            self.reconnect(silent)
        if self.monitor is not None:
            self.monitor.poll(now)
        return taken

    def reconnect(self, silent_s: float) -> None:
        """Close and reopen the stream; it resubscribes every instrument on open."""
        log.error("no tick for %.0f s in market hours: reconnecting the tick stream (%d instruments)",
                  silent_s, len(self.stream.subscriptions))
        self.engine.metrics.count("feed_stale_total")
        self.stream.reconnect()

    def close(self) -> None:
        """Close the stream for good."""
        self.stream.close()
        log.info("tick stream closed after %d slices", self.engine.slices)

    def _drain(self, wait_s: float) -> int:
        taken = 0
        with contextlib.suppress(queue.Empty):
            tick = self._ticks.get(timeout=wait_s) if wait_s > 0 else self._ticks.get_nowait()
            while True:
                self.engine.on_tick(tick)
                taken += 1
                if taken >= self.config.max_batch:
                    break
                tick = self._ticks.get_nowait()
        return taken

    def _count_stream_faults(self) -> None:
        reconnects, malformed = self.stream.reconnects, self.stream.malformed
        if reconnects > self._seen_reconnects:
            self.engine.metrics.count("feed_reconnects_total", reconnects - self._seen_reconnects)
            self._seen_reconnects = reconnects
        if malformed > self._seen_malformed:
            self.engine.metrics.count("malformed_ticks_total", malformed - self._seen_malformed)
            log.warning("%d malformed tick frame(s) skipped", malformed - self._seen_malformed)
            self._seen_malformed = malformed


def run_stream(
    engine: LiveEngine,
    ticks: TickStream,
    stop: Callable[[], bool],
    poll_seconds: float = 0.2,
    *,
    monitor: ReadinessMonitor | None = None,
    config: ServiceConfig | None = None,
    clock: Clock = now_ist,
) -> None:
    """Subscribe ``ticks`` (a new, unconnected stream) to the engine's universe and run until ``stop``."""
    config = config or ServiceConfig(poll_s=poll_seconds)
    service = LiveService(engine, ticks, config=config, monitor=monitor, clock=clock)
    service.start()
    try:
        while not stop():
            service.step(config.poll_s)
    finally:
        service.close()


# ----- readiness during the session -------------------------------------------------------
def risk_state_loader(store: OrderStateStore, limits: RiskLimits) -> Callable[[], RiskState]:
    """The risk check's loader over the live order store: ``limits`` and the kill switch record."""
    return lambda: RiskState(limits=limits, kill_switch=kill_switch_state(store))


def readiness_listener(metrics: Metrics, publisher: Publisher) -> ChangeListener:
    """Publish a readiness change: a log line, ``readiness_failures_total{error}`` per failed check,
    the ``ready`` gauge, and a ``{"type": "readiness", ...}`` message on the ``orders`` channel."""

    def on_change(report: ReadinessReport, previous: ReadinessReport | None) -> None:
        errors = [r.error.__name__ if r.error else "NotReady" for r in report.failures]
        failures = "; ".join(f"{r.name}: {r.reason}" for r in report.failures)
        if not report.ready:
            log.error("not ready: new orders blocked [%s]: %s", ", ".join(errors), failures)
        elif previous is not None:
            log.warning("ready again: new orders accepted")
        metrics.observe("ready", 1.0 if report.ready else 0.0)
        for name in errors:
            metrics.count("readiness_failures_total", error=name)
        message: dict[str, Any] = {
            "type": "readiness", "ready": report.ready, "errors": errors,
            "checked_at": report.checked_at.isoformat(), "failures": [r.to_dict() for r in report.failures],
        }
        publisher.publish("orders", message)

    return on_change


def live_readiness(
    engine: LiveEngine,
    suite: SuiteConfig,
    pre_open: ReadinessReport,
    *,
    every_s: float = 60.0,
    max_tick_age_s: float = 60.0,
) -> ReadinessMonitor:
    """The in-session readiness monitor of ``engine``, started with the ``pre_open`` report.

    ``suite`` gives the session loader, egress probe and lake; the tick feed (a
    :class:`TickFreshness` over the engine's universe, ``max_tick_age_s`` seconds) and the risk
    state (the engine's limits and the kill switch in its store) are the engine's. Changes reach
    the engine's metrics and publisher through :func:`readiness_listener`.
    """
    if engine.readiness is None:
        raise ValueError("the engine has no readiness gate: build it with readiness=ReadinessGate()")
    ticks = TickFreshness()
    config = replace(
        suite, ticks=ticks, universe=tuple(engine.instruments), max_tick_age_s=max_tick_age_s,
        risk_loader=risk_state_loader(engine.store, engine.config.limits),
    )
    monitor = ReadinessMonitor(
        engine.readiness, standard_checks(config), get_calendar(engine.config.exchange),
        broker=suite.broker, every_s=every_s, ticks=ticks,
    )
    monitor.on_change(readiness_listener(engine.metrics, engine.publisher))
    monitor.start(pre_open)
    return monitor


def _ns(at: datetime) -> int:
    return int(at.timestamp()) * 1_000_000_000 + at.microsecond * 1000


def wall_ns() -> int:
    """Now as UTC epoch nanoseconds."""
    return time.time_ns()
