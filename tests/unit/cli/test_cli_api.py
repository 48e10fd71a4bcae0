"""``vyapari api serve``: the REST handler served over HTTP through the proxy-event shim."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from vyapari.cli.main import main

ROOT = Path(__file__).resolve().parents[3]


def _get(url: str, groups: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"X-Vyapari-Groups": groups} if groups else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_cli_api_serve_answers_swagger_openapi_and_roles(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "vyapari.cli.main", "api", "serve", "--port", "0", "--lake",
               str(tmp_path / "lake"), "--state-dir", str(tmp_path / "state"), "--groups", "viewer"]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = server.stdout.readline() if server.stdout else ""
        match = re.search(r"http://127\.0\.0\.1:(\d+)/swagger", line)
        assert match, line
        base = f"http://127.0.0.1:{match.group(1)}"
        status, page = _get(f"{base}/swagger")
        assert status == 200 and b"swagger" in page.lower()
        status, document = _get(f"{base}/openapi.json")
        assert status == 200 and "/bars" in json.loads(document)["paths"]
        assert _get(f"{base}/strategies")[0] == 200
        assert _get(f"{base}/strategies", groups="nobody")[0] == 403
        assert _get(f"{base}/bars?symbol=lower&from=2025-01-01&to=2025-01-02")[0] == 422
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_cli_api_serve_names_a_bad_handler_in_one_line(capsys: pytest.CaptureFixture[str],
                                                        tmp_path: Path) -> None:
    assert main(["api", "serve", "--handler", "nohandler", "--state-dir", str(tmp_path)]) == 2
    assert "--handler" in capsys.readouterr().err
