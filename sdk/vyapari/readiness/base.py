"""The :class:`Check` interface, the context a check sees, and its :class:`CheckResult`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from vyapari.market.calendar import TradingCalendar
from vyapari.market.sessions import Session
from vyapari.readiness.errors import NotReady


class CheckStatus(StrEnum):
    """``pass``; ``fail`` (blocks trading); ``skip`` (not applicable now, e.g. feed before the open)."""

    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class CheckContext:
    """What every check is given: the instant (tz-aware, IST), today's date, calendar and session.

    ``session`` is today's session, or None when today is not a session.
    """

    now: datetime
    today: date
    calendar: TradingCalendar
    session: Session | None


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome: ``status``, a human ``reason``, the named ``error`` on failure, ``details``."""

    name: str
    status: CheckStatus
    reason: str
    error: type[NotReady] | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True unless the check failed."""
        return self.status is not CheckStatus.FAIL

    @property
    def instruments(self) -> frozenset[str] | None:
        """The instrument ids a failure is limited to (``details["instruments"]``); None: all of them."""
        scope = self.details.get("instruments")
        return None if scope is None else frozenset(scope)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``error`` as the class name)."""
        return {"name": self.name, "status": self.status.value, "reason": self.reason,
                "error": self.error.__name__ if self.error else None, "details": self.details}


def passed(name: str, reason: str, **details: Any) -> CheckResult:
    """A passing result."""
    return CheckResult(name, CheckStatus.PASS, reason, None, details)


def skipped(name: str, reason: str, **details: Any) -> CheckResult:
    """A result for a check that does not apply now."""
    return CheckResult(name, CheckStatus.SKIP, reason, None, details)


def failed(name: str, error: type[NotReady], reason: str, **details: Any) -> CheckResult:
    """A failing result that blocks trading with ``error``."""
    return CheckResult(name, CheckStatus.FAIL, reason, error, details)


@runtime_checkable
class Check(Protocol):
    """One readiness check: a ``name`` and ``run(context) -> CheckResult``.

    A check must not raise for the condition it tests (it returns a failure); the runner turns an
    unexpected exception into a failure too, and never retries.
    """

    @property
    def name(self) -> str:
        """The check's name in reports (``calendar``, ``broker_session``, ...)."""
        ...

    def run(self, ctx: CheckContext) -> CheckResult:
        """Test one condition as of ``ctx.now``."""
        ...
