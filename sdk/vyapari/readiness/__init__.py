"""vyapari.readiness: the pre-open trading-day readiness check.

Each check is a small class behind the :class:`Check` interface (inject fakes in tests): calendar
(:class:`CalendarCheck`), broker session (:class:`BrokerSessionCheck`), egress IP
(:class:`EgressIpCheck`), tick feed (:class:`FeedCheck`), yesterday's ingestion
(:class:`IngestionCheck`), today's instrument snapshot (:class:`InstrumentsCheck`) and risk limits /
kill switch (:class:`RiskCheck`). :func:`run_checks` runs them once into a :class:`ReadinessReport`
(JSON via ``to_dict``); :class:`ReadinessGate` blocks orders with the failed check's named error,
a subclass of :class:`NotReady`. During the session :class:`ReadinessMonitor` re-runs the cheap
checks (:data:`RECHECKED`) on a timer and records each report in the gate.
"""

from vyapari.readiness.base import Check, CheckContext, CheckResult, CheckStatus
from vyapari.readiness.checks import (
    BrokerSessionCheck,
    CalendarCheck,
    EgressIpCheck,
    IngestionCheck,
    InstrumentsCheck,
    RiskCheck,
    RiskState,
)
from vyapari.readiness.egress import egress_ip_from_url
from vyapari.readiness.errors import (
    FeedStale,
    IngestionMissing,
    InstrumentsStale,
    IpNotRegistered,
    KillSwitchEngaged,
    NotASession,
    NotReady,
    RiskLimitsMissing,
    SessionExpired,
)
from vyapari.readiness.feed import FeedCheck, TickAges, TickFreshness
from vyapari.readiness.monitor import ReadinessMonitor, merge_reports
from vyapari.readiness.report import ReadinessGate, ReadinessReport, run_checks
from vyapari.readiness.suite import RECHECKED, SuiteConfig, standard_checks

__all__ = [
    "RECHECKED",
    "BrokerSessionCheck",
    "CalendarCheck",
    "Check",
    "CheckContext",
    "CheckResult",
    "CheckStatus",
    "EgressIpCheck",
    "FeedCheck",
    "FeedStale",
    "IngestionCheck",
    "IngestionMissing",
    "InstrumentsCheck",
    "InstrumentsStale",
    "IpNotRegistered",
    "KillSwitchEngaged",
    "NotASession",
    "NotReady",
    "ReadinessGate",
    "ReadinessMonitor",
    "ReadinessReport",
    "RiskCheck",
    "RiskLimitsMissing",
    "RiskState",
    "SessionExpired",
    "SuiteConfig",
    "TickAges",
    "TickFreshness",
    "egress_ip_from_url",
    "merge_reports",
    "run_checks",
    "standard_checks",
]
