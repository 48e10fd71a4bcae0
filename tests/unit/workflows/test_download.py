"""Exchange downloads against a local fake HTTP server (never the internet)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from vyapari.data.download import (
    TransientDownloadError,
    UrlFetcher,
    download_files,
    exchange_files,
    fetch_with_retries,
)

DAY = date(2026, 11, 20)


class _Archive(BaseHTTPRequestHandler):
    files: ClassVar[dict[str, bytes]] = {}
    flaky: ClassVar[dict[str, int]] = {}
    agents: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.agents.append(self.headers.get("User-Agent", ""))
        if self.flaky.get(self.path, 0) > 0:
            self.flaky[self.path] -= 1
            self.send_response(503)
            self.end_headers()
            return
        body = self.files.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def archive() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Archive)
    _Archive.files, _Archive.flaky, _Archive.agents = {}, {}, []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_exchange_files_use_the_udiff_archive_urls() -> None:
    nse = exchange_files("NSE", DAY)
    assert nse[0].url == (
        "https://nsearchives.nseindia.com/content/cm/BhavCopy_NSE_CM_0_0_0_20261120_F_0000.csv.zip"
    )
    assert [f.source for f in exchange_files("BSE", DAY)] == ["BSE_CM", "BSE_FO"]


def test_a_missing_file_on_a_holiday_is_reported_not_raised(archive: str) -> None:
    files = exchange_files("NSE", DAY)
    _Archive.files["/content/cm/" + files[0].name] = b"zip bytes"
    results = download_files(files, UrlFetcher(timeout_s=5, base=archive))
    assert [r.status for r in results] == ["downloaded", "missing"]
    assert "Mozilla/5.0" in _Archive.agents[0]


def test_transient_errors_are_retried_with_backoff_then_succeed(archive: str) -> None:
    url = exchange_files("BSE", DAY)[0].url
    path = "/download/BhavCopy/Equity/BhavCopy_BSE_CM_0_0_0_20261120_F_0000.CSV"
    _Archive.files[path], _Archive.flaky[path] = b"csv", 2
    waits: list[float] = []
    data = fetch_with_retries(UrlFetcher(5, base=archive), url, attempts=3, backoff_s=0.5, sleep=waits.append)
    assert data == b"csv" and waits == [0.5, 1.0]


def test_persistent_server_errors_raise_transient_download_error(archive: str) -> None:
    url = exchange_files("BSE", DAY)[0].url
    _Archive.flaky["/download/BhavCopy/Equity/BhavCopy_BSE_CM_0_0_0_20261120_F_0000.CSV"] = 10
    with pytest.raises(TransientDownloadError):
        fetch_with_retries(UrlFetcher(5, base=archive), url, attempts=2, backoff_s=0, sleep=lambda s: None)
