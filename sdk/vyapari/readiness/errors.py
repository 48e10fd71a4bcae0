"""Named readiness errors: every failed pre-open check blocks order placement with one of these.

All derive from :class:`NotReady`. :class:`SessionExpired` and :class:`IpNotRegistered` also derive
from the brokers' errors of the same names, so code that already catches
``vyapari.brokers.errors.SessionExpired`` (or ``IpNotRegistered``) catches the readiness failure too.
"""

from __future__ import annotations

from typing import Any

from vyapari.brokers import errors as broker_errors
from vyapari.core.errors import VyapariError


class NotReady(VyapariError):
    """The platform is not ready to trade; ``check`` names the failed check, ``report`` the full report."""

    check = "readiness"

    def __init__(self, message: str, *, report: Any = None) -> None:
        super().__init__(message)
        self.report = report


class SessionExpired(NotReady, broker_errors.SessionExpired):
    """The broker session is missing, expired, or dies before today's close."""

    check = "broker_session"


class IpNotRegistered(NotReady, broker_errors.IpNotRegistered):
    """The outgoing IP address is not the one registered with the broker (SEBI static-IP rule)."""

    check = "egress_ip"


class FeedStale(NotReady):
    """The tick feed has not delivered a fresh tick for some instruments during market hours."""

    check = "tick_feed"


class IngestionMissing(NotReady):
    """The previous session's bhavcopy is not in the lake, or was quarantined."""

    check = "ingestion"


class InstrumentsStale(NotReady):
    """The live instrument snapshot is not today's or the last session's."""

    check = "instruments"


class NotASession(NotReady):
    """Today is not a trading session of the exchange."""

    check = "calendar"


class RiskLimitsMissing(NotReady):
    """Risk limits or the kill-switch state could not be loaded."""

    check = "risk"


class KillSwitchEngaged(NotReady):
    """The kill switch is engaged: no new orders until an operator releases it."""

    check = "risk"


ERRORS: dict[str, type[NotReady]] = {
    cls.__name__: cls
    for cls in (NotReady, SessionExpired, IpNotRegistered, FeedStale, IngestionMissing,
                InstrumentsStale, NotASession, RiskLimitsMissing, KillSwitchEngaged)
}
"""Readiness errors by class name (the ``error`` field of a JSON report)."""
