"""Tick-feed freshness: a recorder of the last tick per instrument, and the probe that reads it."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from vyapari.brokers.types import Tick
from vyapari.readiness import errors
from vyapari.readiness.base import CheckContext, CheckResult, failed, passed, skipped


class TickAges(Protocol):
    """Stream statistics: when the last tick of an instrument arrived (tz-aware), or None."""

    def last_tick_at(self, instrument_id: str) -> datetime | None:
        """Arrival instant of the latest tick of ``instrument_id``."""
        ...


class TickFreshness:
    """Records the arrival time of the latest tick per instrument; thread-safe.

    Attach it to a stream with ``stream.on_tick(freshness.record)`` (cheap: one dict write).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[str, datetime] = {}

    def record(self, tick: Tick) -> None:
        """Remember ``tick.received_at`` for its instrument."""
        with self._lock:
            self._last[tick.instrument_id] = tick.received_at

    def last_tick_at(self, instrument_id: str) -> datetime | None:
        """Arrival instant of the latest tick of ``instrument_id`` (None if none yet)."""
        with self._lock:
            return self._last.get(instrument_id)


@dataclass(frozen=True)
class FeedCheck:
    """Every instrument of ``universe`` ticked within ``max_age_s`` seconds, during market hours.

    An instrument that has not ticked yet is aged from the session's open, so the first seconds of
    the session are not a failure. Outside continuous trading, or without a stream (``ages`` None,
    e.g. the CLI), it is skipped.
    """

    ages: TickAges | None
    universe: Sequence[str]
    max_age_s: float = 30.0
    name: str = "tick_feed"

    def run(self, ctx: CheckContext) -> CheckResult:
        """Fail with :class:`FeedStale`, listing silent instruments and their tick ages (s)."""
        if ctx.session is None or not ctx.session.contains(ctx.now):
            return skipped(self.name, "outside market hours")
        if self.ages is None:
            return skipped(self.name, "no tick stream to probe in this process")
        stale: dict[str, float | None] = {}
        for instrument in self.universe:
            at = self.ages.last_tick_at(instrument)
            age = (ctx.now - (ctx.session.open_at if at is None else at)).total_seconds()
            if age > self.max_age_s:
                stale[instrument] = None if at is None else age
        if stale:
            names = ", ".join(sorted(stale)[:10])
            count = f"{len(stale)} of {len(self.universe)}"
            return failed(self.name, errors.FeedStale,
                          f"{count} instruments silent > {self.max_age_s:g} s: {names}",
                          stale_age_s=stale, instruments=sorted(stale))
        return passed(self.name, f"{len(self.universe)} instruments ticked within {self.max_age_s:g} s")
