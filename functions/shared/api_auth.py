"""Caller identity: roles from the REST authorizer's claims, and WebSocket token verification.

REST: API Gateway's Cognito authorizer has already verified the caller; its claims (with
``cognito:groups``) arrive in ``requestContext.authorizer.claims``. :func:`needs` is a route middleware
refusing callers below a role with 403; :func:`check_roles_first` makes that check run before the
request is validated (Powertools validates first), so a caller without the role learns nothing about
the request's shape and its body is not parsed.

WebSocket ``$connect``: the client passes ``?token=<JWT>``; :class:`CognitoJwtVerifier` checks an RS256
Cognito ID or access token against the user pool's JWKS (issuer, expiry, audience/client id).
:func:`build_verifier` returns it in AWS and an HMAC verifier in the local backend.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError
from aws_lambda_powertools.event_handler.middlewares import BaseMiddlewareHandler, NextMiddleware
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from functions.shared.api_settings import ApiSettings
from vyapari.api.ports import Identity, InvalidToken, TokenVerifier
from vyapari.api.roles import Role, parse_groups, require
from vyapari.api.tokens import HmacTokenVerifier


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


def _b64json(part: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _int(b64: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)), "big")


class CognitoJwtVerifier:
    """Verifies Cognito user-pool JWTs (RS256) with the pool's JWKS, fetched once and cached.

    Parameters
    ----------
    region, user_pool_id, app_client_id : str
        The user pool and the app client whose tokens are accepted.
    jwks : dict, optional
        The key set (tests pass one; by default fetched from the pool's well-known URL).
    clock : callable
        Current UTC epoch seconds.
    """

    def __init__(self, region: str, user_pool_id: str, app_client_id: str, *,
                 jwks: dict[str, Any] | None = None, clock: Callable[[], float] = time.time) -> None:
        self.issuer = f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
        self.client_id = app_client_id
        self._jwks = jwks
        self._clock = clock

    def _keys(self) -> dict[str, rsa.RSAPublicKey]:
        if self._jwks is None:
            with urllib.request.urlopen(f"{self.issuer}/.well-known/jwks.json", timeout=5) as resp:
                self._jwks = json.loads(resp.read())
        return {k["kid"]: rsa.RSAPublicNumbers(_int(k["e"]), _int(k["n"])).public_key()
                for k in self._jwks.get("keys", []) if k.get("kty") == "RSA"}

    def verify(self, token: str) -> Identity:
        """The identity of a valid token; :class:`InvalidToken` otherwise (never says which check failed
        beyond one word)."""
        try:
            head, body, sig = token.split(".")
            header, claims = _b64json(head), _b64json(body)
            key = self._keys()[header["kid"]]
            if header.get("alg") != "RS256":
                raise InvalidToken("unsupported algorithm")
            key.verify(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)), f"{head}.{body}".encode(),
                       padding.PKCS1v15(), hashes.SHA256())
        except InvalidToken:
            raise
        except (ValueError, KeyError, TypeError, InvalidSignature) as exc:
            raise InvalidToken("malformed or unsigned token") from exc
        self._check_claims(claims)
        return Identity(str(claims["sub"]), tuple(parse_groups(claims.get("cognito:groups"))))

    def _check_claims(self, claims: dict[str, Any]) -> None:
        if claims.get("iss") != self.issuer:
            raise InvalidToken("wrong issuer")
        if not isinstance(claims.get("exp"), int) or claims["exp"] <= self._clock():
            raise InvalidToken("token expired")
        use = claims.get("token_use")
        audience = claims.get("aud") if use == "id" else claims.get("client_id") if use == "access" else None
        if audience != self.client_id or "sub" not in claims:
            raise InvalidToken("token not issued to this client")


def build_verifier(settings: ApiSettings) -> TokenVerifier:
    """Cognito in AWS; HMAC with ``VYAPARI_WS_TOKEN_SECRET`` in the local backend."""
    if settings.backend == "local":
        return HmacTokenVerifier(settings.need("token_secret").encode())
    return CognitoJwtVerifier(settings.need("region"), settings.need("user_pool_id"),
                              settings.need("app_client_id"))
