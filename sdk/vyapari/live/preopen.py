"""The pre-open readiness wait of a live run, written once for the CLI and the Fargate service.

On a day that is not a session the service does not exit (a holiday must not look like a crashed
service): it checks again every ``every_s`` seconds until the report is ready, fails for another
reason, a fixed instant was asked for, or it is told to stop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from vyapari.readiness import NotASession, ReadinessReport

log = logging.getLogger("vyapari.live.service")

HOLIDAY_RECHECK_S = 15 * 60
"""Seconds between checks while the day is not a session."""


def is_holiday(report: ReadinessReport) -> bool:
    """True when the report failed because the day is not a session (other checks, such as the
    lake's freshness, are expected to fail on such a day too)."""
    return any(f.error is NotASession for f in report.failures)


def wait_for_session(
    check: Callable[[], ReadinessReport],
    stop: Callable[[], bool],
    *,
    fixed_instant: bool = False,
    every_s: float = HOLIDAY_RECHECK_S,
    sleep: Callable[[float], object] = time.sleep,
) -> ReadinessReport:
    """Run ``check`` until it is ready or fails for a reason other than a holiday (see the module
    docstring); with ``fixed_instant`` (a check as of a given time) it runs once. ``stop`` is polled
    every second of a wait; the last report is returned."""
    while True:
        report = check()
        if report.ready or not is_holiday(report) or fixed_instant or stop():
            return report
        log.info("no session today: checking again in %d minutes", every_s // 60)
        waited = 0.0
        while waited < every_s and not stop():
            sleep(1.0)
            waited += 1.0
