"""The sdk's pre-open readiness suite wired to AWS: the S3 lake, the Secrets Manager session and the
risk state (kill switch) in the DynamoDB order-state table.

Used by the ``readiness_check`` Lambda (08:45 IST) and by the live service's entrypoint before it
trades. Settings (environment): ``BROKER``, ``REGISTERED_EGRESS_IP`` (the static IP registered with
the broker: the NAT's ``EgressIp``), ``EGRESS_IP_URL`` (plain-text "what is my IP" service,
default checkip.amazonaws.com), ``READINESS_EXCHANGE`` (``NSE`` by default).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from vyapari.brokers.secrets import SecretsStore
from vyapari.brokers.session import SessionProvider, now_ist
from vyapari.data.storage import ObjectStore
from vyapari.live.risk import RiskLimits, kill_switch_state
from vyapari.live.store import OrderStateStore
from vyapari.market.calendar import get_calendar
from vyapari.readiness import (
    ReadinessReport,
    RiskState,
    SuiteConfig,
    egress_ip_from_url,
    run_checks,
    standard_checks,
)
from vyapari.readiness.egress import DEFAULT_EGRESS_URL


@dataclass(frozen=True)
class ReadinessSources:
    """Where each check reads from: the lake, the session secrets, the order-state store."""

    broker: str
    lake: ObjectStore | None
    secrets: SecretsStore
    store: OrderStateStore


def suite_config(
    sources: ReadinessSources, env: Mapping[str, str], *, clock: Callable[[], datetime] = now_ist
) -> SuiteConfig:
    """The standard suite's dependencies wired to AWS; the session is judged at ``clock()`` (IST)."""
    loader = None
    if sources.broker != "paper":
        loader = SessionProvider(sources.broker, sources.secrets, clock=clock).current
    store = sources.store
    return SuiteConfig(
        broker=sources.broker,
        store=sources.lake,
        session_loader=loader,
        egress_ip=egress_ip_from_url(env.get("EGRESS_IP_URL") or DEFAULT_EGRESS_URL),
        registered_ip=env.get("REGISTERED_EGRESS_IP") or None,
        risk_loader=lambda: RiskState(limits=RiskLimits(), kill_switch=kill_switch_state(store)),
        exchange=(env.get("READINESS_EXCHANGE") or "NSE").upper(),
    )


def check_readiness(
    sources: ReadinessSources, env: Mapping[str, str], now: datetime
) -> ReadinessReport:
    """Run the standard suite once as of ``now`` (tz-aware) and return the report."""
    config = suite_config(sources, env, clock=lambda: now)
    return run_checks(standard_checks(config), get_calendar(config.exchange), now=now, broker=sources.broker)


def error_names(report: ReadinessReport) -> list[str]:
    """The named errors of the failed checks (``NotReady`` for a crashed check), in run order."""
    return [r.error.__name__ if r.error else "NotReady" for r in report.failures]
