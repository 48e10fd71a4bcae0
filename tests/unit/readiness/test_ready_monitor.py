"""The in-session readiness monitor: cheap re-checks on a timer, full re-run on a new day, changes only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from tests.unit.readiness.ready_fakes import UNIVERSE, at, morning

from vyapari.brokers.types import Tick
from vyapari.market.calendar import get_calendar
from vyapari.readiness import (
    FeedCheck,
    FeedStale,
    IpNotRegistered,
    ReadinessGate,
    ReadinessMonitor,
    ReadinessReport,
    TickFreshness,
    merge_reports,
    run_checks,
    standard_checks,
)
from vyapari.readiness.base import CheckContext, CheckResult, failed, passed

MONDAY = date(2026, 1, 5)
TUESDAY = date(2026, 1, 6)


@dataclass
class Probe:
    """A check that counts its runs and passes while ``ok``."""

    name: str
    ok: bool = True
    runs: int = 0

    def run(self, ctx: CheckContext) -> CheckResult:
        self.runs += 1
        return passed(self.name, "fine") if self.ok else failed(self.name, IpNotRegistered, "probe failed")


def _monitor(*checks: object, every_s: float = 60.0) -> ReadinessMonitor:
    return ReadinessMonitor(ReadinessGate(), checks, get_calendar("NSE"), every_s=every_s)  # type: ignore[arg-type]


def test_poll_reruns_only_the_cheap_checks_once_per_interval_and_keeps_the_others() -> None:
    egress, risk = Probe("egress_ip"), Probe("risk")
    monitor = _monitor(egress, risk)
    monitor.start(run_checks([egress, risk], get_calendar("NSE"), now=at(MONDAY, 8, 45)))
    assert monitor.poll(at(MONDAY, 8, 45, 30)) is None  # too soon
    report = monitor.poll(at(MONDAY, 9, 30))
    assert report is not None and report.checked_at == at(MONDAY, 9, 30)
    assert (egress.runs, risk.runs) == (1, 2)
    assert [r.name for r in report.results] == ["egress_ip", "risk"]
    assert monitor.poll(at(MONDAY, 9, 30, 59)) is None
    assert monitor.poll(at(MONDAY, 9, 31)) is not None and risk.runs == 3


def test_the_first_poll_of_a_new_day_reruns_every_check() -> None:
    egress = Probe("egress_ip")
    monitor = _monitor(egress, Probe("risk"))
    monitor.start(run_checks([egress], get_calendar("NSE"), now=at(MONDAY, 8, 45)))
    egress.ok = False
    report = monitor.poll(at(TUESDAY, 8, 45))
    assert report is not None and egress.runs == 2
    with pytest.raises(IpNotRegistered):
        monitor.gate.require(at(TUESDAY, 9, 0))


def test_listeners_hear_changes_only_with_the_previous_report() -> None:
    risk = Probe("risk")
    monitor = _monitor(risk)
    heard: list[tuple[bool, bool | None]] = []

    def listen(current: ReadinessReport, previous: ReadinessReport | None) -> None:
        heard.append((current.ready, None if previous is None else previous.ready))

    monitor.on_change(listen)
    monitor.start(run_checks([risk], get_calendar("NSE"), now=at(MONDAY, 8, 45)))
    minute = [at(MONDAY, 9, m) for m in range(16, 22)]
    monitor.poll(minute[0])
    risk.ok = False
    monitor.poll(minute[1])
    monitor.poll(minute[2])
    risk.ok = True
    monitor.poll(minute[3])
    assert heard == [(True, None), (False, True), (True, False)]


def test_a_listener_that_raises_does_not_stop_the_gate_from_recording() -> None:
    risk = Probe("risk", ok=False)
    monitor = _monitor(risk)

    def broken(current: ReadinessReport, previous: ReadinessReport | None) -> None:
        raise ConnectionError("publisher down")

    monitor.on_change(broken)
    monitor.start(run_checks([Probe("risk")], get_calendar("NSE"), now=at(MONDAY, 8, 45)))
    monitor.poll(at(MONDAY, 9, 20))
    with pytest.raises(IpNotRegistered):
        monitor.gate.require(at(MONDAY, 9, 20))


def test_merge_replaces_rechecked_results_and_appends_new_ones() -> None:
    cal = get_calendar("NSE")
    base = run_checks([Probe("a"), Probe("b", ok=False)], cal, now=at(MONDAY, 8, 45))
    fresh = run_checks([Probe("b"), Probe("c")], cal, now=at(MONDAY, 10, 0))
    merged = merge_reports(base, fresh)
    assert [r.name for r in merged.results] == ["a", "b", "c"] and merged.ready
    assert merged.checked_at == at(MONDAY, 10, 0)


def test_the_standard_suite_is_rechecked_by_name_feed_included() -> None:
    m = morning(MONDAY)
    monitor = ReadinessMonitor(ReadinessGate(), standard_checks(m.config()), get_calendar("NSE"))
    assert [c.name for c in monitor.cheap] == ["calendar", "broker_session", "tick_feed", "risk"]
    assert len(monitor.checks) == 7


def _feed(now: datetime, ticks: TickFreshness) -> ReadinessReport:
    return run_checks([FeedCheck(ticks, UNIVERSE, 30.0)], get_calendar("NSE"), now=now)


def test_an_instrument_that_has_not_ticked_yet_is_aged_from_the_open() -> None:
    ticks = TickFreshness()
    assert _feed(at(MONDAY, 9, 15, 20), ticks).ready  # 20 s into the session
    ticks.record(Tick(UNIVERSE[0], 100, at(MONDAY, 9, 15, 40)))  # type: ignore[arg-type]
    report = _feed(at(MONDAY, 9, 15, 50), ticks)
    assert not report.ready and report.failures[0].error is FeedStale
    assert report.failures[0].details["stale_age_s"] == {UNIVERSE[1]: None}
