"""The pre-open checks other than the feed probe (:mod:`.feed`): each a small class behind :class:`Check`.

Dependencies come in as arguments (callables, stores), so the live service wires real ones and tests
inject fakes. Times are IST; the session is the exchange's (``ctx.session``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from vyapari.brokers import errors as broker_errors
from vyapari.brokers.session import BrokerSession
from vyapari.data import layout
from vyapari.data.storage import ObjectStore
from vyapari.instruments.snapshot import InstrumentSnapshots
from vyapari.readiness import errors
from vyapari.readiness.base import CheckContext, CheckResult, failed, passed, skipped


@dataclass(frozen=True)
class CalendarCheck:
    """Today is a session of the exchange; reports its kind (regular, special, muhurat) and hours."""

    name: str = "calendar"

    def run(self, ctx: CheckContext) -> CheckResult:
        """Fail with :class:`NotASession` on a weekend or holiday."""
        if ctx.session is None:
            day = ctx.today
            return failed(self.name, errors.NotASession,
                          f"{ctx.calendar.exchange.value} has no session on {day} ({day:%A})")
        s = ctx.session
        return passed(self.name, f"{s.kind.value} session {s.open_at:%H:%M}-{s.close_at:%H:%M} IST",
                      kind=s.kind.value, open_at=s.open_at.isoformat(), close_at=s.close_at.isoformat())


@dataclass(frozen=True)
class BrokerSessionCheck:
    """The broker session is valid now and stays valid until today's close.

    ``load`` returns the stored session (e.g. ``SessionProvider.current``) and may raise the brokers'
    ``SessionExpired``; ``None`` means the broker needs no session (paper).
    """

    load: Callable[[], BrokerSession] | None
    name: str = "broker_session"

    def run(self, ctx: CheckContext) -> CheckResult:
        """Fail with :class:`SessionExpired` when missing, expired, or expiring before the close."""
        if self.load is None:
            return skipped(self.name, "no broker session needed (paper)")
        try:
            session = self.load()
        except broker_errors.SessionExpired as exc:
            return failed(self.name, errors.SessionExpired, exc.message)
        until = session.valid_until
        if not session.is_valid(ctx.now):
            return failed(self.name, errors.SessionExpired, f"access token expired at {until.isoformat()}")
        close = ctx.session.close_at if ctx.session else ctx.now
        if until < close:
            return failed(self.name, errors.SessionExpired,
                          f"access token expires at {until.isoformat()}, before the close {close:%H:%M}",
                          valid_until=until.isoformat())
        return passed(self.name, f"valid until {until.isoformat()}", valid_until=until.isoformat())


@dataclass(frozen=True)
class EgressIpCheck:
    """The outgoing IP equals the one registered with the broker (``REGISTERED_EGRESS_IP``).

    ``fetch`` returns the observed public IP (see :func:`vyapari.readiness.egress.egress_ip_from_url`);
    ``registered`` None with ``required`` True is itself a failure. ``required`` False (paper) skips.
    """

    fetch: Callable[[], str] | None
    registered: str | None
    required: bool = True
    name: str = "egress_ip"

    def run(self, ctx: CheckContext) -> CheckResult:
        """Fail with :class:`IpNotRegistered` on a mismatch, a missing setting or a failed probe."""
        if not self.required:
            return skipped(self.name, "no registered IP needed (paper)")
        if not self.registered or self.fetch is None:
            return failed(self.name, errors.IpNotRegistered, "REGISTERED_EGRESS_IP or egress probe not set")
        try:
            observed = ipaddress.ip_address(self.fetch().strip())
            registered = ipaddress.ip_address(self.registered.strip())
        except (OSError, ValueError) as exc:
            return failed(self.name, errors.IpNotRegistered, f"cannot determine the egress IP: {exc}")
        if observed != registered:
            return failed(self.name, errors.IpNotRegistered,
                          f"egress IP {observed} is not the registered {registered}",
                          observed=str(observed), registered=str(registered))
        return passed(self.name, f"egress IP {observed} is the registered one", observed=str(observed))


@dataclass(frozen=True)
class RiskState:
    """Loaded risk limits (any object; None when absent) and the kill switch record (None when off)."""

    limits: Any
    kill_switch: Mapping[str, str] | None = None


@dataclass(frozen=True)
class RiskCheck:
    """Risk limits and the kill-switch state are loaded, and the kill switch is off."""

    load: Callable[[], RiskState]
    name: str = "risk"

    def run(self, ctx: CheckContext) -> CheckResult:
        """Fail with :class:`RiskLimitsMissing` or :class:`KillSwitchEngaged`."""
        try:
            state = self.load()
        except Exception as exc:  # a loader failure of any kind means "not loaded"
            return failed(self.name, errors.RiskLimitsMissing, f"cannot load risk state: {exc}")
        if state.limits is None:
            return failed(self.name, errors.RiskLimitsMissing, "no risk limits loaded")
        if state.kill_switch is not None:
            why = state.kill_switch.get("reason", "")
            return failed(self.name, errors.KillSwitchEngaged, f"kill switch engaged: {why}",
                          kill_switch=dict(state.kill_switch))
        return passed(self.name, "risk limits loaded; kill switch off")


@dataclass(frozen=True)
class IngestionCheck:
    """The previous session's curated daily bars exist and no quarantine record names that day."""

    store: ObjectStore
    exchange: str = "NSE"
    name: str = "ingestion"

    def run(self, ctx: CheckContext) -> CheckResult:
        """Fail with :class:`IngestionMissing`, naming the session and the quarantined files."""
        previous = ctx.calendar.previous_session(ctx.today).session_date
        key = layout.day_key("daily_bars", self.exchange, previous)
        if not self.store.exists(key):
            return failed(self.name, errors.IngestionMissing,
                          f"no curated {self.exchange} daily bars for {previous}",
                          session_date=previous.isoformat())
        quarantined = _quarantined(self.store, previous)
        if quarantined:
            return failed(self.name, errors.IngestionMissing,
                          f"{len(quarantined)} file(s) of {previous} quarantined", files=quarantined)
        return passed(self.name, f"{self.exchange} bars of {previous} ingested",
                      session_date=previous.isoformat())


def _quarantined(store: ObjectStore, day: date) -> list[str]:
    marker = f"/{day:%Y}/{day:%m}/{day:%d}/"
    return [k for k in store.list("quarantine/")
            if marker in k and not k.startswith("quarantine/instruments-")]


@dataclass(frozen=True)
class InstrumentsCheck:
    """The live instrument snapshot of ``broker`` is today's or the last session's."""

    snapshots: InstrumentSnapshots | None
    broker: str
    name: str = "instruments"

    def run(self, ctx: CheckContext) -> CheckResult:
        """Fail with :class:`InstrumentsStale` when no snapshot is live or it is older."""
        if self.snapshots is None:
            return skipped(self.name, f"no instrument master needed ({self.broker})")
        live = self.snapshots.live_date(self.broker)
        previous = ctx.calendar.previous_session(ctx.today).session_date
        if live is None:
            return failed(self.name, errors.InstrumentsStale, f"no {self.broker} instrument snapshot live")
        if live not in (ctx.today, previous):
            return failed(self.name, errors.InstrumentsStale,
                          f"live {self.broker} snapshot is of {live}; expected {ctx.today} or {previous}",
                          live_date=live.isoformat())
        return passed(self.name, f"{self.broker} snapshot of {live} is live", live_date=live.isoformat())
