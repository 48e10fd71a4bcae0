"""The one pre-open wait of a live run: through holidays, until ready, a failure or a stop."""

from __future__ import annotations

from datetime import datetime

from vyapari.core.time import IST
from vyapari.live.preopen import wait_for_session
from vyapari.readiness import NotASession, ReadinessReport
from vyapari.readiness.base import CheckResult, CheckStatus
from vyapari.readiness.errors import IngestionMissing

AT = datetime(2026, 1, 26, 8, 45, tzinfo=IST)
HOLIDAY = CheckResult("calendar", CheckStatus.FAIL, "not a session", NotASession)
STALE = CheckResult("lake", CheckStatus.FAIL, "no bars yet", IngestionMissing)
OK = CheckResult("calendar", CheckStatus.PASS, "a session")


def _reports(*results: tuple[CheckResult, ...]) -> list[ReadinessReport]:
    return [ReadinessReport(AT, "NSE", "paper", r) for r in results]


def _wait(reports: list[ReadinessReport], fixed: bool = False) -> tuple[ReadinessReport, int, list[float]]:
    left = list(reports)
    slept: list[float] = []
    report = wait_for_session(
        lambda: left.pop(0), lambda: False, fixed_instant=fixed, every_s=3, sleep=slept.append
    )
    return report, len(reports) - len(left), slept


def test_a_holiday_is_waited_out_until_the_session() -> None:
    report, checks, slept = _wait(_reports((HOLIDAY, STALE), (HOLIDAY,), (OK,)))
    assert report.ready and checks == 3 and slept == [1.0] * 6


def test_a_failure_other_than_a_holiday_ends_the_wait_at_once() -> None:
    report, checks, slept = _wait(_reports((STALE,), (OK,)))
    assert not report.ready and checks == 1 and slept == []


def test_a_fixed_instant_is_checked_once() -> None:
    report, checks, _ = _wait(_reports((HOLIDAY,), (OK,)), fixed=True)
    assert [r.error for r in report.failures] == [NotASession] and checks == 1


def test_a_stop_ends_a_holiday_wait() -> None:
    stops = iter([False, False, True])
    report = wait_for_session(
        lambda: _reports((HOLIDAY,))[0], lambda: next(stops, True), every_s=60, sleep=lambda s: None
    )
    assert [r.error for r in report.failures] == [NotASession]
