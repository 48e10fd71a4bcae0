"""Errors of the API layer, each with its HTTP status (the handler maps them with one table)."""

from __future__ import annotations

from vyapari.core.errors import VyapariError


class ApiError(VyapariError):
    """A deliberate API error with an HTTP ``status`` and a one-line message safe to show a caller."""

    status: int = 400
    code: str = "bad_request"


class Forbidden(ApiError):
    """The caller's role does not allow the operation."""

    status = 403
    code = "forbidden"


class NotFound(ApiError):
    """The named resource (strategy, run, evaluation, symbol) does not exist."""

    status = 404
    code = "not_found"


class Conflict(ApiError):
    """The request contradicts stored state (duplicate name, idempotency key reused with other data)."""

    status = 409
    code = "conflict"


class Unavailable(ApiError):
    """A service the operation needs is not configured in this deployment (e.g. no order-state table)."""

    status = 503
    code = "unavailable"
