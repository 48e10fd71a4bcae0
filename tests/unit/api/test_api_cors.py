"""The resolver answers the dashboard's origins with CORS headers (``VYAPARI_CORS_ORIGINS``, the
CloudFront URL in AWS) and no other origin; without the setting it sends none."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Logger
from functions.api.app import build
from functions.api.routes import broker, dashboard, live, market, strategies, trading
from functions.shared.api_settings import ApiSettings
from tests.unit.api.api_events import FakeContext, rest_event

DASHBOARD = "https://d1234abcd.cloudfront.net"


@pytest.fixture(autouse=True)
def _routers_stay_with_the_handler() -> Iterator[None]:
    """Each :func:`build` here takes the module-level routers over; give them back afterwards, so the
    handler's resolver (built earlier in this process) still finds its request context."""
    routers = [r.router for r in (broker, dashboard, live, market, strategies, trading)]
    owners = [r.api_resolver for r in routers]
    yield
    for router, owner in zip(routers, owners, strict=True):
        router.api_resolver = owner


def _get(origins: str, origin: str, tmp_path: Path, lake_dir: Path) -> dict[str, Any]:
    settings = ApiSettings(backend="local", state_dir=str(tmp_path / "state"), lake_uri=str(lake_dir),
                           cors_origins=origins)
    app, services = build(Logger(service="test"), settings)
    app.append_context(services=services)
    event = rest_event("GET", "/strategies")
    event["headers"]["Origin"] = origin
    event["multiValueHeaders"] = {**(event.get("multiValueHeaders") or {}), "Origin": [origin]}
    response = app.resolve(event, FakeContext())  # type: ignore[arg-type]  # the attributes it reads
    assert response["statusCode"] == 200, response
    headers = response.get("multiValueHeaders") or {}
    return {k: v for k, v in headers.items() if k.lower().startswith("access-control")}


def test_the_dashboards_origins_get_cors_headers_others_none(tmp_path: Path, lake_dir: Path) -> None:
    both = f"{DASHBOARD},http://localhost:8080"
    assert _get(both, DASHBOARD, tmp_path, lake_dir)["Access-Control-Allow-Origin"] == [DASHBOARD]
    local = _get(both, "http://localhost:8080", tmp_path, lake_dir)
    assert local["Access-Control-Allow-Origin"] == ["http://localhost:8080"]
    assert "Authorization" in ",".join(local.get("Access-Control-Allow-Headers", []))
    assert "Access-Control-Allow-Origin" not in _get(both, "https://evil.example", tmp_path, lake_dir)
    assert _get("", DASHBOARD, tmp_path, lake_dir) == {}
