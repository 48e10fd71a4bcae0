"""``vyapari api serve`` answers the dashboard's files publicly, with their content types and a CSP
without inline scripts, and its runtime ``config.json``; the API behind it still needs a token, and no
route takes a session token in the URL (the tear sheet's iframe gets a short-lived signed link:
``test_dashboard_browser.py``)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from tests.unit.api.api_server import add_user, serve


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, dict(response.headers), response.read()


def test_the_app_and_its_config_are_public_with_security_headers(tmp_path: Path) -> None:
    add_user(tmp_path / "api-state", "vera", "viewer")
    with serve(tmp_path) as server:
        status, headers, body = _get(server.base + "/")
        assert status == 200 and headers["Content-Type"].startswith("text/html")
        assert b'<script type="module" src="assets/app.js">' in body
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy  # no 'unsafe-inline' for scripts
        assert "frame-ancestors 'none'" in policy and headers["X-Content-Type-Options"] == "nosniff"
        for asset, kind in (("app.js", "text/javascript"), ("app.css", "text/css"),
                            ("plotly.min.js", "text/javascript"), ("favicon.svg", "image/svg+xml")):
            status, headers, body = _get(f"{server.base}/assets/{asset}")
            assert status == 200 and headers["Content-Type"].startswith(kind) and body
        config = json.loads(_get(server.base + "/config.json")[2])
        assert config["auth"] == "local" and config["api_url"] == "" and config["dev_role"] is None
        assert config["ws_url"].startswith("ws://127.0.0.1:")  # the local WebSocket endpoint
        assert server.call("GET", "/assets/nothing.js")[0] == 401  # not a file of the app: the API's 401
        assert server.call("GET", "/overview")[0] == 401
        token = server.login("vera")
        assert server.call("GET", "/strategy-runs/run-x/report", token=token)[0] == 404  # signed in: no run
        assert server.call("GET", "/strategy-runs/run-x/report?token=" + token)[0] == 401  # never in a URL
        assert server.call("GET", "/overview?token=" + token)[0] == 401


def test_every_file_of_the_app_is_package_data() -> None:
    """The wheel takes ``[tool.setuptools.package-data]``'s globs under ``sdk/vyapari``: they must name
    every file of ``dashboard/static`` (building a wheel here needs a newer setuptools than the venv's)."""
    import tomllib

    root = Path(__file__).resolve().parents[3]
    package = root / "sdk" / "vyapari"
    globs = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]["vyapari"]
    shipped = {path for pattern in globs for path in package.glob(pattern) if path.is_file()}
    app = {path for path in (package / "dashboard" / "static").rglob("*") if path.is_file()}
    assert {"index.html", "app.js", "app.css"} <= {path.name for path in app}
    assert app - shipped == set()
