"""WebSocket ``$connect`` token verification: Cognito JWTs (RS256) in AWS, HMAC tokens locally.

The client passes ``?token=<JWT>``; :class:`CognitoJwtVerifier` checks an RS256 Cognito ID or access
token against the user pool's JWKS (issuer, expiry, audience/client id). :func:`build_verifier`
returns it in AWS and an HMAC verifier in the local backend. ``cryptography`` and ``urllib.request``
load on the first verification, not at the function's cold start.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from functions.shared.api_settings import ApiSettings
from vyapari.api.ports import Identity, InvalidToken, TokenVerifier
from vyapari.api.roles import parse_groups
from vyapari.api.tokens import HmacTokenVerifier

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa


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
        from cryptography.hazmat.primitives.asymmetric import rsa

        if self._jwks is None:
            import urllib.request

            with urllib.request.urlopen(f"{self.issuer}/.well-known/jwks.json", timeout=5) as resp:
                self._jwks = json.loads(resp.read())
        return {k["kid"]: rsa.RSAPublicNumbers(_int(k["e"]), _int(k["n"])).public_key()
                for k in self._jwks.get("keys", []) if k.get("kty") == "RSA"}

    def verify(self, token: str) -> Identity:
        """The identity of a valid token; :class:`InvalidToken` otherwise (never says which check failed
        beyond one word)."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

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
