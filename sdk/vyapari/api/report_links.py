"""Short-lived links to a run's tear sheet, for the dashboard's sandboxed iframe.

An iframe cannot send an ``Authorization`` header, and a session token must never ride in a URL. So
the dashboard asks ``GET /strategy-runs/<id>/report-link`` (with its header, viewer role) for a link
valid :data:`LINK_TTL_S` seconds to that one run's ``report.html`` and points the iframe at it:

* in AWS the link is a presigned S3 GET of the report in the (private) lake bucket
  (``functions/shared/report_links.py``);
* locally (:class:`LocalReportLinks`) it is the local server's ``/strategy-runs/<id>/report`` with
  ``user``, ``expires`` (UTC epoch seconds) and ``signature`` (HMAC-SHA256 of the path, the user and
  the expiry under the server's token secret) in the query; :func:`verify_link` is the gateway's check.
  The signature covers the path, so it opens no other run's report, and the user, who must still
  exist when it is used.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode

from vyapari.api.ports import InvalidToken

LINK_TTL_S = 120
_PURPOSE = b"vyapari-report-link\x00"  # separates link signatures from session token signatures


@dataclass(frozen=True)
class ReportLink:
    """A link to a tear sheet: ``url`` (absolute, or a path on the API's own origin) valid until
    ``expires_at`` (UTC epoch seconds)."""

    url: str
    expires_at: int


class ReportLinks(Protocol):
    """Makes a short-lived link to the lake object ``key`` (a run's ``report.html``) for ``user``."""

    def link(self, key: str, run_id: str, user: str) -> ReportLink:
        """The link; ``run_id`` names the report route locally, ``user`` is the caller."""


def report_path(run_id: str) -> str:
    """The REST path of a run's tear sheet."""
    return f"/strategy-runs/{run_id}/report"


def _signature(secret: bytes, path: str, user: str, expires: int) -> str:
    message = _PURPOSE + f"{path}\x00{user}\x00{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def sign_link(secret: bytes, path: str, user: str, *, ttl_s: int = LINK_TTL_S,
              now: float | None = None) -> tuple[str, int]:
    """The query string (``user``, ``expires``, ``signature``) opening ``path`` for ``user`` for
    ``ttl_s`` seconds from ``now`` (UTC epoch seconds), and the expiry."""
    if not secret:
        raise ValueError("secret: must not be empty")
    expires = int((time.time() if now is None else now) + ttl_s)
    signature = _signature(secret, path, user, expires)
    query = urlencode({"user": user, "expires": expires, "signature": signature})
    return query, expires


def verify_link(secret: bytes, path: str, query: Mapping[str, str], *,
                now: float | None = None) -> str:
    """The user of a valid, unexpired link to ``path``; :class:`InvalidToken` otherwise."""
    user, expires, signature = (query.get(k, "") for k in ("user", "expires", "signature"))
    if not user or not expires.isdigit() or not signature.isascii():
        raise InvalidToken("malformed link")
    if not hmac.compare_digest(signature, _signature(secret, path, user, int(expires))):
        raise InvalidToken("bad link signature")
    if int(expires) <= (time.time() if now is None else now):
        raise InvalidToken("link expired")
    return user


class LocalReportLinks:
    """:class:`ReportLinks` of ``vyapari api serve``: signed paths on its own origin (see module doc).

    Parameters
    ----------
    secret : bytes
        The local server's token secret (``VYAPARI_WS_TOKEN_SECRET``).
    ttl_s : int
        How long a link opens the report, seconds.
    clock : callable, optional
        UTC epoch seconds (tests freeze it).
    """

    def __init__(self, secret: bytes, *, ttl_s: int = LINK_TTL_S,
                 clock: Callable[[], float] = time.time) -> None:
        if not secret:
            raise ValueError("secret: must not be empty")
        self._secret, self.ttl_s, self._clock = secret, ttl_s, clock

    def link(self, key: str, run_id: str, user: str) -> ReportLink:
        """A signed path to ``run_id``'s report route (``key`` is served by that route itself)."""
        path = report_path(run_id)
        query, expires = sign_link(self._secret, path, user, ttl_s=self.ttl_s, now=self._clock())
        return ReportLink(f"{path}?{query}", expires)
