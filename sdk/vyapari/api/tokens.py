"""A local token verifier: HMAC-SHA256 signed tokens for tests and ``vyapari api serve``.

Token format: ``<base64url(JSON claims)>.<base64url(HMAC-SHA256(secret, first part))>`` with claims
``sub`` (subject), ``groups`` (Cognito-style group names) and ``exp`` (UTC epoch seconds). Production
uses the Cognito JWT verifier in ``functions/shared/api_auth.py`` behind the same
:class:`~vyapari.api.ports.TokenVerifier` port.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterable

from vyapari.api.ports import Identity, InvalidToken


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_token(secret: bytes, subject: str, groups: Iterable[str], *, ttl_s: int = 3600,
                now: float | None = None) -> str:
    """A signed token for ``subject`` in ``groups`` valid ``ttl_s`` seconds from ``now`` (epoch s)."""
    issued = time.time() if now is None else now
    claims = {"sub": subject, "groups": list(groups), "exp": int(issued + ttl_s)}
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{body}.{_b64(hmac.new(secret, body.encode(), hashlib.sha256).digest())}"


class HmacTokenVerifier:
    """Verifies :func:`issue_token` tokens with a shared secret (constant-time signature check).

    Parameters
    ----------
    secret : bytes
        The shared secret; never logged.
    clock : callable, optional
        Returns the current UTC epoch seconds (tests freeze it).
    """

    def __init__(self, secret: bytes, clock: Callable[[], float] = time.time) -> None:
        if not secret:
            raise ValueError("secret: must not be empty")
        self._secret = secret
        self._clock = clock

    def verify(self, token: str) -> Identity:
        """The identity of a valid token; :class:`InvalidToken` otherwise."""
        if not token.isascii():
            raise InvalidToken("malformed token")
        body, _, signature = token.partition(".")
        expected = _b64(hmac.new(self._secret, body.encode(), hashlib.sha256).digest())
        if not body or not hmac.compare_digest(signature, expected):
            raise InvalidToken("bad token signature")
        try:
            claims = json.loads(_unb64(body))
        except (binascii.Error, ValueError) as exc:
            raise InvalidToken("malformed token") from exc
        if not isinstance(claims, dict) or not isinstance(claims.get("sub"), str):
            raise InvalidToken("malformed token")
        if not isinstance(claims.get("exp"), int) or claims["exp"] <= self._clock():
            raise InvalidToken("token expired")
        return Identity(claims["sub"], tuple(str(g) for g in claims.get("groups") or ()))
