"""``vyapari login <broker> --url --api URL`` asks the API to issue the login state (the way it works
against the deployed API), here against ``vyapari api serve``: a trader gets a URL whose state the
server stored, a viewer is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from tests.unit.api.api_server import ROOT, add_user, serve


def login_url(base: str, token: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VYAPARI_API_TOKEN": token}
    return subprocess.run([sys.executable, "-m", "vyapari.cli.main", "login", "zerodha", "--url", "--json",
                           "--api", base], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def test_the_api_issues_the_login_state_for_a_trader_only(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KITE_API_KEY", "kitekey0001")
    monkeypatch.setenv("VYAPARI_SECRETS_FILE", str(tmp_path / "secrets.json"))
    add_user(tmp_path / "api-state", "tara", "trader")
    add_user(tmp_path / "api-state", "vera", "viewer")
    with serve(tmp_path) as server:
        done = login_url(server.base, server.login("tara"))
        assert done.returncode == 0, done.stderr
        url = json.loads(done.stdout)["login_url"]
        state = parse_qs(parse_qs(urlparse(url).query)["redirect_params"][0])["state"][0]
        states = tmp_path / "api-state" / "login-states.json"
        stored = states.read_text(encoding="utf-8")
        assert len(json.loads(stored)) == 1 and state not in stored
        refused = login_url(server.base, server.login("vera"))
        assert refused.returncode != 0 and "HTTP 403" in refused.stderr
        assert len(json.loads(states.read_text(encoding="utf-8"))) == 1
