"""The standard pre-open suite: the seven checks wired from their dependencies, in report order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from vyapari.brokers.session import BrokerSession
from vyapari.data.storage import ObjectStore
from vyapari.instruments.snapshot import InstrumentSnapshots
from vyapari.readiness.base import Check, CheckContext, CheckResult, failed
from vyapari.readiness.checks import (
    BrokerSessionCheck,
    CalendarCheck,
    EgressIpCheck,
    IngestionCheck,
    InstrumentsCheck,
    RiskCheck,
    RiskState,
)
from vyapari.readiness.errors import IngestionMissing, InstrumentsStale, NotReady, RiskLimitsMissing
from vyapari.readiness.feed import FeedCheck, TickAges

RECHECKED = ("calendar", "broker_session", "tick_feed", "risk")
"""Checks cheap enough to re-run during the session (no network probe, no lake listing)."""


@dataclass(frozen=True)
class Unavailable:
    """A check that cannot run because a dependency was not given: always fails with ``error``."""

    name: str
    error: type[NotReady]
    reason: str

    def run(self, ctx: CheckContext) -> CheckResult:
        """Fail with :attr:`error` and :attr:`reason`."""
        return failed(self.name, self.error, self.reason)


@dataclass(frozen=True)
class SuiteConfig:
    """Dependencies of :func:`standard_checks`; ``None`` means "not available here".

    Attributes
    ----------
    broker : str
        ``paper``, ``zerodha`` or ``upstox``; paper skips the session, IP and instrument checks.
    store : ObjectStore or None
        The lake (ingestion and instrument snapshots).
    session_loader, egress_ip, registered_ip :
        See :class:`BrokerSessionCheck` and :class:`EgressIpCheck`.
    risk_loader : callable or None
        Returns :class:`RiskState`; None fails the risk check.
    ticks, universe, max_tick_age_s :
        See :class:`FeedCheck` (seconds).
    exchange : str
        Exchange whose bhavcopy must be ingested.
    """

    broker: str
    store: ObjectStore | None = None
    session_loader: Callable[[], BrokerSession] | None = None
    egress_ip: Callable[[], str] | None = None
    registered_ip: str | None = None
    risk_loader: Callable[[], RiskState] | None = None
    ticks: TickAges | None = None
    universe: Sequence[str] = field(default_factory=tuple)
    max_tick_age_s: float = 30.0
    exchange: str = "NSE"


def standard_checks(config: SuiteConfig) -> list[Check]:
    """Calendar, broker session, egress IP, feed, ingestion, instruments and risk checks."""
    live_broker = config.broker != "paper"
    store = config.store
    checks: list[Check] = [
        CalendarCheck(),
        BrokerSessionCheck(config.session_loader if live_broker else None),
        EgressIpCheck(config.egress_ip, config.registered_ip, required=live_broker),
        FeedCheck(config.ticks, config.universe, config.max_tick_age_s),
    ]
    if store is None:
        checks.append(Unavailable("ingestion", IngestionMissing, "no lake given"))
        checks.append(InstrumentsCheck(None, config.broker) if not live_broker
                      else Unavailable("instruments", InstrumentsStale, "no lake given"))
    else:
        checks.append(IngestionCheck(store, config.exchange))
        checks.append(InstrumentsCheck(InstrumentSnapshots(store) if live_broker else None, config.broker))
    checks.append(RiskCheck(config.risk_loader) if config.risk_loader
                  else Unavailable("risk", RiskLimitsMissing, "no risk limits source given"))
    return checks
