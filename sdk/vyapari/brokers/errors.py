"""Typed broker errors and the ONE table that maps a broker's failure to them.

Every adapter turns what its SDK raised into a neutral :class:`BrokerFailure` (HTTP status,
the broker's error kind, message); :func:`map_failure` looks it up in :data:`ERROR_TABLE`
(first match wins) and returns a typed :class:`BrokerError`. Nothing else in ``brokers``
decides what an error means, so retry decisions (``retryable``, ``outcome_unknown``) are
made once, from the type.

Kinds
-----
* Kite: the ``error_type`` of its JSON envelope (``TokenException``, ``InputException``,
  ``OrderException``, ``MarginException``, ``NetworkException``, ``DataException``, ...;
  kite.trade/docs/connect/v3/exceptions/).
* Upstox: the ``errorCode`` of its ``errors[]`` list (``UDAPI100050`` = invalid token;
  upstox.com/developer/api-documentation/error-codes).
* Transport: :data:`TIMEOUT` (the request may have reached the broker) and
  :data:`CONNECTION` (it did not leave, or the connection broke).

Messages are redacted (:func:`vyapari.brokers.redact.redact`) before they are stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vyapari.brokers.redact import redact
from vyapari.core.errors import VyapariError

TIMEOUT = "timeout"
CONNECTION = "connection"


class BrokerError(VyapariError):
    """Base of every broker error: ``broker``, HTTP ``status``, broker ``kind``, redacted message.

    ``retryable``: the same call may succeed later. ``outcome_unknown``: a write may have
    been applied by the broker although we saw an error (time-outs, 5xx), so it must be
    reconciled against the order book before any retry.
    """

    retryable = False
    outcome_unknown = False

    def __init__(self, message: str, *, broker: str = "", status: int | None = None, kind: str = "") -> None:
        self.message = redact(message)
        self.broker = broker
        self.status = status
        self.kind = kind
        prefix = f"{broker}: " if broker else ""
        super().__init__(f"{prefix}{self.message}")


class InvalidOrder(BrokerError):
    """Our own validation refused an order before it reached the broker."""


class OrderRejected(BrokerError):
    """The broker refused the order (validation, RMS, market rules). Never retried."""


class InsufficientFunds(OrderRejected):
    """Rejected for want of funds or margin."""


class IpNotRegistered(OrderRejected):
    """Rejected because the request came from an IP the broker has not registered (SEBI rule)."""


class OrderNotFound(BrokerError):
    """The broker (or our store) does not know the order."""


class PermissionDenied(BrokerError):
    """The API key or user lacks the permission for this call."""


class SessionExpired(BrokerError):
    """The access token is missing, expired or revoked: a human must log in again."""


class RateLimited(BrokerError):
    """HTTP 429: the broker refused the call before acting on it; safe to retry after a pause."""

    retryable = True


class BrokerUnavailable(BrokerError):
    """A 5xx or a broken connection: retry with backoff; a write's outcome is unknown."""

    retryable = True
    outcome_unknown = True


class BrokerTimeout(BrokerUnavailable):
    """No answer in time: the broker may have acted (the classic duplicate-order trap)."""


class BrokerDataError(BrokerError):
    """The broker answered with something we cannot parse."""


@dataclass(frozen=True, slots=True)
class BrokerFailure:
    """A broker failure in neutral form: HTTP ``status`` (None for transport), ``kind``, ``message``."""

    status: int | None
    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class ErrorRule:
    """Maps failures matching every given criterion to ``error``.

    ``kind`` is compared exactly, ``statuses`` by membership, ``pattern`` searched in the
    message case-insensitively.
    """

    error: type[BrokerError]
    kind: str | None = None
    statuses: range | None = None
    pattern: str | None = None

    def matches(self, failure: BrokerFailure) -> bool:
        """True when ``failure`` meets every criterion of the rule."""
        if self.kind is not None and failure.kind != self.kind:
            return False
        if self.statuses is not None and failure.status not in self.statuses:
            return False
        return self.pattern is None or re.search(self.pattern, failure.message, re.IGNORECASE) is not None


_IP_PATTERN = r"\bIP\b.{0,40}(not|un)[ -]?(allowed|authori[sz]ed|registered|whitelisted)"


def _status(code: int) -> range:
    return range(code, code + 1)


ERROR_TABLE: tuple[ErrorRule, ...] = (
    ErrorRule(BrokerTimeout, kind=TIMEOUT),
    ErrorRule(BrokerUnavailable, kind=CONNECTION),
    ErrorRule(RateLimited, statuses=_status(429)),
    ErrorRule(RateLimited, pattern=r"too many requests|rate limit"),
    ErrorRule(SessionExpired, kind="TokenException"),
    ErrorRule(SessionExpired, kind="UDAPI100050"),
    ErrorRule(SessionExpired, statuses=_status(401)),
    ErrorRule(IpNotRegistered, pattern=_IP_PATTERN),
    ErrorRule(InsufficientFunds, kind="MarginException"),
    ErrorRule(InsufficientFunds, pattern=r"insufficient (funds|margin|balance)|not enough (funds|margin)"),
    ErrorRule(PermissionDenied, kind="PermissionException"),
    ErrorRule(BrokerUnavailable, kind="NetworkException"),
    ErrorRule(BrokerDataError, kind="DataException", statuses=range(200, 500)),
    ErrorRule(BrokerUnavailable, kind="DataException"),
    ErrorRule(OrderNotFound, statuses=_status(404)),
    ErrorRule(OrderRejected, kind="OrderException"),
    ErrorRule(OrderRejected, kind="InputException"),
    ErrorRule(OrderRejected, kind="HoldingException"),
    ErrorRule(OrderRejected, kind="UserException"),
    ErrorRule(PermissionDenied, statuses=_status(403)),
    ErrorRule(BrokerUnavailable, statuses=range(500, 600)),
    ErrorRule(OrderRejected, statuses=range(400, 500)),
)
"""The single failure → error table, first match wins (see the module docstring)."""


def map_failure(broker: str, failure: BrokerFailure) -> BrokerError:
    """The typed error for ``failure`` at ``broker`` (:class:`BrokerError` when no rule matches)."""
    error = next((rule.error for rule in ERROR_TABLE if rule.matches(failure)), BrokerError)
    detail = failure.message or failure.kind or "no message"
    status = f"HTTP {failure.status}" if failure.status is not None else failure.kind
    return error(f"{detail} ({status})", broker=broker, status=failure.status, kind=failure.kind)
