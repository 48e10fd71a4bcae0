"""Caller identity: roles from the REST authorizer's claims, and WebSocket token verification.

REST: API Gateway's Cognito authorizer has already verified the caller; its claims (with
``cognito:groups``) arrive in ``requestContext.authorizer.claims``. :func:`needs` is a route middleware
refusing callers below a role with 403; :func:`check_roles_first` makes that check run before the
request is validated (Powertools validates first), so a caller without the role learns nothing about
the request's shape and its body is not parsed.

WebSocket ``$connect``: :mod:`functions.shared.jwt_auth` (re-exported here) verifies its token; it is
a module of its own so the WebSocket function does not import the REST resolver.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError
from aws_lambda_powertools.event_handler.middlewares import BaseMiddlewareHandler, NextMiddleware

from functions.shared.jwt_auth import CognitoJwtVerifier, build_verifier
from vyapari.api.roles import Role, parse_groups, require

__all__ = ["CognitoJwtVerifier", "RolesFirst", "build_verifier", "check_roles_first", "claims_of", "needs"]


def claims_of(event: dict[str, Any]) -> dict[str, Any]:
    """The authorizer claims of a REST proxy event (empty when there is no authorizer)."""
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    claims = authorizer.get("claims") or {}
    return claims if isinstance(claims, dict) else {}


def needs(role: Role) -> Callable[[Any, NextMiddleware], Response]:
    """A route middleware allowing callers with at least ``role``; sets ``app.context["caller"]``."""

    def check_role(app: Any, next_middleware: NextMiddleware) -> Response:
        claims = claims_of(app.current_event.raw_event)
        require(parse_groups(claims.get("cognito:groups")), role)
        app.append_context(caller=str(claims.get("cognito:username") or claims.get("sub") or "unknown"))
        return next_middleware(app)

    check_role.__name__ = f"needs_{role.name.lower()}"
    check_role.role = role  # type: ignore[attr-defined]  # read by RolesFirst
    return check_role


class RolesFirst(BaseMiddlewareHandler):
    """Runs before request validation: the route's :func:`needs` role, then a guard on the JSON body.

    A body nested deeper than the JSON parser's recursion limit is answered 400 here instead of
    escaping validation as a ``RecursionError`` (a 500).
    """

    def __init__(self, validation: BaseMiddlewareHandler) -> None:
        self.validation = validation

    def handler(self, app: Any, next_middleware: NextMiddleware) -> Response:
        """Check the role, parse the body once, then validate."""
        route = app.context.get("_route")
        claims = claims_of(app.current_event.raw_event)
        for middleware in getattr(route, "middlewares", None) or ():
            role = getattr(middleware, "role", None)
            if isinstance(role, Role):
                require(parse_groups(claims.get("cognito:groups")), role)
        if app.current_event.body:
            try:
                app.current_event.json_body  # noqa: B018  # cached: validation reuses the parsed body
            except RecursionError:
                raise BadRequestError("the request body is nested too deeply") from None
            except (ValueError, TypeError):
                pass  # not JSON: validation names the problem
        return self.validation.handler(app, next_middleware)


def check_roles_first(app: APIGatewayRestResolver) -> None:
    """Install :class:`RolesFirst` in front of ``app``'s request validation (call before the first event)."""
    validation = getattr(app, "_request_validation_middleware", None)
    if not isinstance(validation, BaseMiddlewareHandler):
        raise RuntimeError("Powertools no longer exposes its request validation middleware: the role checks "
                           "cannot run before validation")
    app._request_validation_middleware = RolesFirst(validation)  # type: ignore[assignment]  # same interface
