"""Download a session's exchange files (NSE CM/F&O UDiFF bhavcopies, BSE CM/F&O) from their archives.

URLs (UDiFF layouts, in force since 8-Jul-2024 on NSE)::

    NSE CM   https://nsearchives.nseindia.com/content/cm/BhavCopy_NSE_CM_0_0_0_YYYYMMDD_F_0000.csv.zip
    NSE F&O  https://nsearchives.nseindia.com/content/fo/BhavCopy_NSE_FO_0_0_0_YYYYMMDD_F_0000.csv.zip
    BSE CM   https://www.bseindia.com/download/BhavCopy/Equity/BhavCopy_BSE_CM_0_0_0_YYYYMMDD_F_0000.CSV
    BSE F&O  https://www.bseindia.com/download/Bhavcopy/Derivative/BhavCopy_BSE_FO_0_0_0_YYYYMMDD_F_0000.CSV

All HTTP goes through a :class:`Fetcher` so tests use a local server or a folder, never the internet.
:class:`UrlFetcher` uses ``urllib`` with a browser-like user agent and a timeout; a 404 means "not
published" (a holiday, or not yet), which :func:`download_files` reports as ``missing``, not an error.
Timeouts, connection errors, 429 and 5xx are retried with exponential backoff, then raised as
:class:`TransientDownloadError` (the workflow retries the whole step once more).
"""

from __future__ import annotations

import io
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from vyapari.core.errors import DataError, InvalidInput

USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
)
_NSE = "https://nsearchives.nseindia.com/content"
_BSE = "https://www.bseindia.com/download"
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


class TransientDownloadError(DataError):
    """The archive did not answer usefully (timeout, connection error, 429/5xx) after every attempt."""


@dataclass(frozen=True)
class ExchangeFile:
    """One file to fetch: ``source`` (``NSE_CM``, ``NSE_FO``, ``BSE_CM``, ``BSE_FO``), name and URL."""

    source: str
    name: str
    url: str


def exchange_files(exchange: str, day: date) -> list[ExchangeFile]:
    """The files an exchange publishes for session ``day`` (``exchange`` is ``NSE`` or ``BSE``)."""
    ymd = f"{day:%Y%m%d}"
    if exchange == "NSE":
        cm, fo = f"BhavCopy_NSE_CM_0_0_0_{ymd}_F_0000.csv.zip", f"BhavCopy_NSE_FO_0_0_0_{ymd}_F_0000.csv.zip"
        return [ExchangeFile("NSE_CM", cm, f"{_NSE}/cm/{cm}"), ExchangeFile("NSE_FO", fo, f"{_NSE}/fo/{fo}")]
    if exchange == "BSE":
        cm, fo = f"BhavCopy_BSE_CM_0_0_0_{ymd}_F_0000.CSV", f"BhavCopy_BSE_FO_0_0_0_{ymd}_F_0000.CSV"
        return [
            ExchangeFile("BSE_CM", cm, f"{_BSE}/BhavCopy/Equity/{cm}"),
            ExchangeFile("BSE_FO", fo, f"{_BSE}/Bhavcopy/Derivative/{fo}"),
        ]
    raise InvalidInput("exchange", f"{exchange!r} is not NSE or BSE")


class Fetcher(Protocol):
    """Fetches one URL: the body, or ``None`` when the server says the file does not exist (404)."""

    def __call__(self, url: str) -> bytes | None:
        """Fetch ``url``; raise :class:`TransientDownloadError` on a retriable failure."""
        ...


class UrlFetcher:
    """An HTTP(S) :class:`Fetcher` over ``urllib`` with a browser-like user agent.

    Parameters
    ----------
    timeout_s : float
        Socket timeout per request, in seconds.
    base : str, optional
        ``scheme://host:port`` replacing each URL's own (a mirror or a local test server).
    """

    def __init__(self, timeout_s: float = 30.0, base: str | None = None) -> None:
        self.timeout_s = timeout_s
        self.base = base.rstrip("/") if base else None

    def _target(self, url: str) -> str:
        if not self.base:
            return url
        parts = urlsplit(url)
        return f"{self.base}{parts.path}" + (f"?{parts.query}" if parts.query else "")

    def __call__(self, url: str) -> bytes | None:
        """GET the URL; ``None`` on 404/410, :class:`TransientDownloadError` when worth retrying."""
        request = urllib.request.Request(
            self._target(url),
            headers={
                "User-Agent": USER_AGENT,
                "Accept": "*/*",
                "Accept-Language": "en-US,en;q=0.9",
                "Referer": "https://www.nseindia.com/" if "nse" in url else "https://www.bseindia.com/",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 410):
                return None
            if exc.code in _RETRY_STATUS:
                raise TransientDownloadError(f"{url}: HTTP {exc.code}") from None
            raise DataError(f"{url}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise TransientDownloadError(f"{url}: {exc}") from None


class FolderFetcher:
    """A :class:`Fetcher` answering from files in a folder, found by name anywhere below it.

    A ``.zip`` name also matches the unzipped file (``x.csv`` for ``x.csv.zip``), zipped in memory, so
    the generated sample data can stand in for the archives offline.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def __call__(self, url: str) -> bytes | None:
        """The bytes of the file named like the URL's last part, or ``None``."""
        name = urlsplit(url).path.rsplit("/", 1)[-1]
        for candidate in (name, name.removesuffix(".zip")):
            found = sorted(self.folder.rglob(candidate))
            if found and candidate == name:
                return found[0].read_bytes()
            if found:
                return _zip_one(candidate, found[0].read_bytes())
        return None


def _zip_one(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def fetch_with_retries(
    fetcher: Fetcher,
    url: str,
    attempts: int = 3,
    backoff_s: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> bytes | None:
    """``fetcher(url)`` retried on :class:`TransientDownloadError`, waiting ``backoff_s × 2^n`` seconds."""
    for attempt in range(attempts):
        try:
            return fetcher(url)
        except TransientDownloadError:
            if attempt == attempts - 1:
                raise
            sleep(backoff_s * 2**attempt)
    return None  # pragma: no cover - the loop always returns or raises


@dataclass(frozen=True)
class Downloaded:
    """The outcome of one file: ``data`` is ``None`` when the file was not published (``missing``)."""

    file: ExchangeFile
    data: bytes | None

    @property
    def status(self) -> str:
        """``downloaded`` or ``missing``."""
        return "missing" if self.data is None else "downloaded"


def download_files(
    files: list[ExchangeFile],
    fetcher: Fetcher,
    attempts: int = 3,
    backoff_s: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Downloaded]:
    """Fetch every file (in order); a missing file is reported, a persistent failure raises."""
    return [Downloaded(f, fetch_with_retries(fetcher, f.url, attempts, backoff_s, sleep)) for f in files]


def make_fetcher(mirror: str = "", timeout_s: float = 30.0) -> Fetcher:
    """The fetcher of a ``DOWNLOAD_MIRROR`` setting.

    Empty → the archives; ``http(s)://…`` → that host instead; anything else → a local folder.
    """
    if not mirror:
        return UrlFetcher(timeout_s)
    if mirror.startswith(("http://", "https://")):
        return UrlFetcher(timeout_s, base=mirror)
    return FolderFetcher(mirror)
