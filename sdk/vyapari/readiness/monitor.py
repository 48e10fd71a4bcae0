"""Keep the :class:`ReadinessGate` current during the session: re-run the cheap checks on a timer.

The pre-open report (every check) is recorded with :meth:`ReadinessMonitor.start`. Then
:meth:`ReadinessMonitor.poll` re-runs only the checks named in ``recheck`` (by default
:data:`~vyapari.readiness.suite.RECHECKED`: calendar, broker session, tick feed, risk) once
``every_s`` seconds have passed, and records a report made of the fresh results over the last full
report's others (egress IP, ingestion, instruments are checked once a day). The first poll of a new
IST day re-runs every check. Listeners hear every change of state (ready, or the set of failed
errors), never the same state twice. Times are tz-aware, IST; intervals are seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import datetime

from vyapari.core.time import IST, require_aware
from vyapari.market.calendar import TradingCalendar
from vyapari.readiness.base import Check
from vyapari.readiness.feed import TickFreshness
from vyapari.readiness.report import ReadinessGate, ReadinessReport, run_checks
from vyapari.readiness.suite import RECHECKED

log = logging.getLogger(__name__)

ChangeListener = Callable[[ReadinessReport, ReadinessReport | None], None]
"""Called as ``listener(current, previous)``; ``previous`` is None for the first report."""


def readiness_state(report: ReadinessReport) -> tuple[bool, tuple[str, ...]]:
    """What a change is judged on: ready or not, and the sorted names of the failed errors."""
    return report.ready, tuple(sorted(r.error.__name__ if r.error else "NotReady" for r in report.failures))


def merge_reports(base: ReadinessReport, fresh: ReadinessReport) -> ReadinessReport:
    """``base`` with each check also in ``fresh`` replaced by its fresh result, dated ``fresh``."""
    newer = {r.name: r for r in fresh.results}
    kept = tuple(newer.pop(r.name, r) for r in base.results)
    return replace(base, checked_at=fresh.checked_at, results=kept + tuple(newer.values()))


class ReadinessMonitor:
    """Re-checks readiness during the session and records each report into ``gate``.

    Parameters
    ----------
    gate : ReadinessGate
        The gate the live engine consults before every new strategy order.
    checks : sequence of Check
        The full suite (e.g. :func:`~vyapari.readiness.suite.standard_checks`).
    calendar : TradingCalendar
        Decides the session of each check.
    broker : str
        Named in the reports.
    every_s : float
        Seconds between in-session re-checks (stream or wall time, as given to :meth:`poll`).
    recheck : collection of str
        Names of the checks re-run in the session.
    ticks : TickFreshness or None
        The recorder the feed check reads; the service attaches ``ticks.record`` to its stream.
    """

    def __init__(
        self,
        gate: ReadinessGate,
        checks: Sequence[Check],
        calendar: TradingCalendar,
        *,
        broker: str = "",
        every_s: float = 60.0,
        recheck: Collection[str] = RECHECKED,
        ticks: TickFreshness | None = None,
    ) -> None:
        if not every_s > 0:
            raise ValueError(f"every_s must be positive seconds, got {every_s!r}")
        self.gate, self.calendar, self.broker, self.every_s = gate, calendar, broker, every_s
        self.checks = tuple(checks)
        self.cheap = tuple(c for c in self.checks if c.name in recheck)
        self.ticks = ticks
        self._listeners: list[ChangeListener] = []
        self._full: ReadinessReport | None = None
        self._last: ReadinessReport | None = None

    @property
    def report(self) -> ReadinessReport | None:
        """The report last recorded into the gate."""
        return self._last

    def on_change(self, listener: ChangeListener) -> None:
        """Call ``listener(current, previous)`` whenever the readiness state changes."""
        self._listeners.append(listener)

    def start(self, report: ReadinessReport) -> None:
        """Record the pre-open ``report`` (every check) as the current state."""
        self._full = report
        self._record(report)

    def poll(self, now: datetime) -> ReadinessReport | None:
        """Re-check when ``every_s`` has passed since the last report; returns the new report, or None."""
        last = self._last
        if last is not None and abs((now - last.checked_at).total_seconds()) < self.every_s:
            return None
        return self.check(now)

    def check(self, now: datetime) -> ReadinessReport:
        """Re-check now: the cheap checks over the day's full report, or every check on a new day."""
        full = self._full
        if full is None or full.checked_at.date() != require_aware(now, name="now").astimezone(IST).date():
            self._full = run_checks(self.checks, self.calendar, now=now, broker=self.broker)
            return self._record(self._full)
        fresh = run_checks(self.cheap, self.calendar, now=now, broker=self.broker)
        return self._record(merge_reports(full, fresh))

    def _record(self, report: ReadinessReport) -> ReadinessReport:
        previous = self._last
        self.gate.record(report)
        self._last = report
        if previous is None or readiness_state(previous) != readiness_state(report):
            for listener in list(self._listeners):
                try:
                    listener(report, previous)
                except Exception:  # publishing must not stop trading decisions; the gate is recorded
                    log.exception("readiness listener %r raised", listener)
        return report
