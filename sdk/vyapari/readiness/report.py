"""Run the checks once, collect a :class:`ReadinessReport`, and gate order placement on it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vyapari.core.time import IST, require_aware
from vyapari.market.calendar import TradingCalendar
from vyapari.readiness.base import Check, CheckContext, CheckResult, failed
from vyapari.readiness.errors import NotReady


@dataclass(frozen=True)
class ReadinessReport:
    """The outcome of one run of every check, at ``checked_at`` (IST)."""

    checked_at: datetime
    exchange: str
    broker: str
    results: tuple[CheckResult, ...]

    @property
    def ready(self) -> bool:
        """True when no check failed."""
        return all(r.ok for r in self.results)

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        """The failed checks, in run order."""
        return tuple(r for r in self.results if not r.ok)

    def to_dict(self) -> dict[str, Any]:
        """The machine-readable report for the dashboard and the alarm (JSON-ready)."""
        return {
            "ready": self.ready, "checked_at": self.checked_at.isoformat(),
            "session_date": self.checked_at.date().isoformat(), "exchange": self.exchange,
            "broker": self.broker, "failed": len(self.failures),
            "errors": [r.error.__name__ for r in self.failures if r.error],
            "checks": [r.to_dict() for r in self.results],
        }

    def blocking(self, instrument_id: str | None = None) -> tuple[CheckResult, ...]:
        """The failures that block an order for ``instrument_id`` (every failure when None).

        A failure scoped to some instruments (:attr:`CheckResult.instruments`, e.g. the tick feed's
        silent ones) blocks only orders for those: one quiet, illiquid symbol must not stop trading
        in the others, and a dead stream names every instrument so it still blocks them all.
        """
        if instrument_id is None:
            return self.failures
        return tuple(r for r in self.failures if r.instruments is None or instrument_id in r.instruments)

    def raise_if_not_ready(self, instrument_id: str | None = None) -> None:
        """Raise the first blocking failure's named error (message lists them); no-op when none.

        ``instrument_id`` narrows a stale-feed failure to the order's instrument (see :meth:`blocking`).
        """
        blocking = self.blocking(instrument_id)
        if not blocking:
            return
        first = blocking[0]
        text = "; ".join(f"{r.name}: {r.reason}" for r in blocking)
        raise (first.error or NotReady)(f"not ready: {text}", report=self)


def _run_one(check: Check, ctx: CheckContext) -> CheckResult:
    try:
        return check.run(ctx)
    except Exception as exc:  # a crashed check is a failure, reported once, never retried
        return failed(getattr(check, "name", type(check).__name__), NotReady,
                      f"check crashed: {type(exc).__name__}: {exc}")


def run_checks(checks: Iterable[Check], calendar: TradingCalendar, *, now: datetime,
               broker: str = "") -> ReadinessReport:
    """Run every check once (in order, none skipped after a failure) and return the report.

    Parameters
    ----------
    checks : iterable of Check
    calendar : TradingCalendar
        Decides today's session (``ctx.session``).
    now : datetime
        Tz-aware instant of the check; today is its IST date.
    """
    at = require_aware(now, name="now").astimezone(IST)
    today = at.date()
    session = calendar.session(today) if calendar.is_session(today) else None
    ctx = CheckContext(now=at, today=today, calendar=calendar, session=session)
    results = tuple(_run_one(check, ctx) for check in checks)
    return ReadinessReport(at, calendar.exchange.value, broker, results)


class ReadinessGate:
    """Blocks order placement until a passing report is recorded for today's session.

    The live service records the pre-open report with :meth:`record`, then every in-session re-check
    (:class:`~vyapari.readiness.monitor.ReadinessMonitor`); the engine calls :meth:`require` before
    every new strategy order. A failed report (or none, or one from another day) raises its named
    error; a later passing report lifts the block.
    """

    def __init__(self) -> None:
        self.report: ReadinessReport | None = None

    def record(self, report: ReadinessReport) -> None:
        """Keep ``report`` as the current readiness state."""
        self.report = report

    def require(self, now: datetime, instrument_id: str | None = None) -> None:
        """Raise :class:`NotReady` (or the failed check's error) unless today's report passed.

        With ``instrument_id``, a stale feed blocks only if that instrument is among the silent.
        """
        report = self.report
        today = require_aware(now, name="now").astimezone(IST).date()
        if report is None or report.checked_at.date() != today:
            raise NotReady(f"readiness not checked for {today}; run the pre-open check")
        report.raise_if_not_ready(instrument_id)
