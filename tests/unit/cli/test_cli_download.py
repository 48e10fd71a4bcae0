"""``vyapari download`` over a range of sessions from a mirror folder and a loopback HTTP mirror."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from vyapari.cli.main import main
from vyapari.data.download import FolderFetcher
from vyapari.data.lake import Lake
from vyapari.data.sample import generate_sample
from vyapari.market.calendar import get_calendar

END = date(2025, 10, 24)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mirror")
    generate_sample(out, sessions=4, end=END, seed=5)
    return out


class _Mirror:
    """The sample folder served over HTTP on 127.0.0.1; ``fail_first`` answers 503 that many times."""

    def __init__(self, folder: Path) -> None:
        self.paths: list[str] = []
        self.fail_first = 0
        fetch, mirror = FolderFetcher(folder), self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_GET(self) -> None:
                mirror.paths.append(self.path)
                body = None if mirror.fail_first else fetch(self.path)
                status = 503 if mirror.fail_first else (404 if body is None else 200)
                mirror.fail_first = max(0, mirror.fail_first - 1)
                self.send_response(status)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)  # listening once constructed
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture
def http_mirror(sample: Path) -> Iterator[_Mirror]:
    mirror = _Mirror(sample)
    yield mirror
    mirror.httpd.shutdown()
    mirror.httpd.server_close()


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["download", *args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_folder_mirror_downloads_resumes_and_lists_unpublished_files(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sessions = [s.session_date for s in get_calendar("NSE").sessions(date(2025, 10, 13), END)]
    lake = str(tmp_path / "lake")
    code, out = _run(capsys, "--exchange", "NSE", "--segment", "cm", "--from", "2025-10-13", "--to",
                     END.isoformat(), "--lake", lake, "--mirror", str(sample))
    assert code == 0 and out["sessions"] == len(sessions)
    assert len(out["downloaded"]) == 4  # the sample's four sessions
    assert len(out["missing"]) == len(sessions) - 4 and all("_NSE_CM_" in n for n in out["missing"])
    landed = sorted((tmp_path / "lake" / "landing" / "NSE").rglob("*.zip"))
    assert len(landed) == 4
    code, again = _run(capsys, "--exchange", "NSE", "--segment", "cm", "--from", "2025-10-13", "--to",
                       END.isoformat(), "--lake", lake, "--mirror", str(sample), "--ingest")
    assert code == 0 and again["downloaded"] == [] and sorted(again["present"]) == sorted(out["downloaded"])
    assert [r["status"] for r in again["ingested"]] == ["ingested"] * 4
    bars = Lake.at(lake).read_daily_bars("NSE", ["INFY"], date(2025, 10, 1), END)
    assert len(bars) == 4


def test_http_mirror_fo_segment_with_a_5xx_retried_and_ingested(
    http_mirror: _Mirror, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    http_mirror.fail_first = 1
    code, out = _run(capsys, "--exchange", "NSE", "--segment", "fo", "--from", "2025-10-23", "--to",
                     END.isoformat(), "--lake", str(tmp_path / "lake"), "--mirror", http_mirror.url,
                     "--ingest")
    assert code == 0 and out["missing"] == []
    names = [f"BhavCopy_NSE_FO_0_0_0_{d}_F_0000.csv.zip" for d in ("20251023", "20251024")]
    assert out["downloaded"] == names
    assert http_mirror.paths[0] == http_mirror.paths[1]  # the 503 was retried
    assert all(p.startswith("/content/fo/") for p in http_mirror.paths)
    assert [(r["status"], r["dataset"]) for r in out["ingested"]] == [("ingested", "fo_daily")] * 2


def test_a_bad_mirror_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["download", "--exchange", "BSE", "--segment", "cm", "--from", "2025-10-01", "--to",
                 "2025-10-03", "--lake", str(tmp_path / "lake"), "--mirror", str(tmp_path / "nowhere")])
    assert code == 2 and "--mirror" in capsys.readouterr().err
