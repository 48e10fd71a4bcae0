"""Downloading a broker's daily instrument dump (the bytes the sdk's snapshot publisher parses).

* Zerodha: ``GET {KITE_API_ROOT}/instruments``, a gzipped CSV of every exchange
  (kite.trade/docs/connect/v3/market-quotes). The documented request carries ``X-Kite-Version: 3``
  and ``Authorization: token <api_key>:<access_token>``; the header is sent when today's session and
  the API key are in Secrets Manager, otherwise the dump is requested without it.
* Upstox: the public ``complete.json.gz`` (``UPSTOX_INSTRUMENTS_URL``), no credentials.

A body cut short on the wire (fewer bytes than ``Content-Length``) is an error here; a gzip stream
cut short inside a complete response is caught by the sdk's parser (reason ``truncated``). Either
way the previous snapshot stays live. Errors name the URL's host and path, never credentials.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from collections.abc import Mapping
from urllib.parse import urlsplit

from vyapari.brokers.errors import SessionExpired
from vyapari.brokers.secrets import SecretsStore
from vyapari.brokers.session import SessionProvider
from vyapari.brokers.upstox.config import UPSTOX_INSTRUMENTS_URL
from vyapari.brokers.zerodha.config import KITE_API_ROOT
from vyapari.core.errors import DataError
from vyapari.data.download import TransientDownloadError, fetch_with_retries

KEYS_SECRET = "broker-keys"
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


class DumpDownloadFailed(DataError):
    """The dump could not be downloaded completely (HTTP error, cut short, unreachable)."""


def dump_url(broker: str, kite_api_root: str = "", upstox_url: str = "") -> str:
    """The dump URL of ``broker`` (``zerodha`` or ``upstox``), with the optional host overrides."""
    if broker == "zerodha":
        return f"{(kite_api_root or KITE_API_ROOT).rstrip('/')}/instruments"
    if broker == "upstox":
        return upstox_url or UPSTOX_INSTRUMENTS_URL
    raise ValueError(f"no instrument dump for broker {broker!r}")


def dump_headers(broker: str, secrets: SecretsStore | None) -> dict[str, str]:
    """Request headers: Kite's version header, and its authorization when a session is stored."""
    if broker != "zerodha":
        return {}
    headers = {"X-Kite-Version": "3"}
    if secrets is None:
        return headers
    api_key = (secrets.get(KEYS_SECRET) or {}).get("KITE_API_KEY", "")
    try:
        token = SessionProvider("zerodha", secrets).current().access_token
    except SessionExpired:
        return headers
    if api_key:
        headers["Authorization"] = f"token {api_key}:{token}"
    return headers


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}"


class HttpDumpFetcher:
    """GET one URL with ``headers``; the sdk's :func:`fetch_with_retries` retries transient failures."""

    def __init__(self, headers: Mapping[str, str], timeout_s: float) -> None:
        self.headers, self.timeout_s = dict(headers), timeout_s

    def __call__(self, url: str) -> bytes | None:
        """The complete body; :class:`TransientDownloadError` when worth retrying."""
        request = urllib.request.Request(url, headers={"Accept": "*/*", **self.headers})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code in _RETRY_STATUS:
                raise TransientDownloadError(f"{_where(url)}: HTTP {exc.code}") from None
            raise DumpDownloadFailed(f"{_where(url)}: HTTP {exc.code} {exc.reason}") from None
        except http.client.IncompleteRead as exc:
            raise TransientDownloadError(
                f"{_where(url)}: cut short after {len(exc.partial)} bytes") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise TransientDownloadError(f"{_where(url)}: {type(exc).__name__}") from None


def download_dump(url: str, headers: Mapping[str, str], *, timeout_s: float, attempts: int,
                  backoff_s: float = 2.0) -> bytes:
    """The dump's bytes, retried ``attempts`` times; :class:`DumpDownloadFailed` when it cannot be had."""
    try:
        data = fetch_with_retries(HttpDumpFetcher(headers, timeout_s), url, attempts, backoff_s)
    except TransientDownloadError as exc:
        raise DumpDownloadFailed(f"download failed after {attempts} attempts: {exc}") from None
    if not data:
        raise DumpDownloadFailed(f"{_where(url)}: empty or missing")
    return data
