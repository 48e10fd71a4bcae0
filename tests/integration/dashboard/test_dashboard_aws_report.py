"""The Run page's tear sheet as in AWS, in headless Chromium: the REST handler on its ``aws`` wiring
(moto's server over HTTP) behind a gateway that needs the ``Authorization`` header on every API call,
the page under the CloudFront distribution's Content-Security-Policy (``cdk/constructs/dashboard.py``,
with ``frame-src`` the S3 endpoint's origin), and the report served from another origin: a presigned
GET of the private lake object (through :mod:`tests.integration.api.s3_gate`, which refuses what S3
refuses). The frame renders the report and runs its script; the page holds no token in any URL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.integration.api.s3_gate import aws_api_over_http
from tests.integration.dashboard.conftest import LAPTOP
from tests.unit.api.api_events import call
from tests.unit.api.api_server import PASSWORD

from vyapari.api.gateway import GatewayConfig, LocalGateway
from vyapari.api.roles import Role
from vyapari.api.users import UserFile

pytestmark = [pytest.mark.chromium]

REPORT = ("<!doctype html><html><body><h1>tear sheet</h1><p id='mark'>static</p>"
          "<script>document.getElementById('mark').textContent = 'rendered by its script';</script>"
          "</body></html>")
EVALUATION = {"badge": "green", "weeks": 4, "as_of": "2025-09-30", "charges_inr": {"brokerage": 40.0},
              "criteria": [{"name": "mean_weekly_gross_return", "badge": "green", "target": 1.0,
                            "reason": "mean weekly gross return 1.3% >= 1.0%"}],
              "weekly": [{"week": "2025-W37", "gross_return_pct": 1.3, "net_return_pct": 1.1,
                          "partial": False}]}


def _with_csp(app: Any, policy: list[str]) -> Any:
    """``app`` answering with the last CSP of ``policy`` in place of its own, as CloudFront's response
    headers policy overrides the origin's."""

    def serve(environ: dict[str, Any], start_response: Any) -> Any:
        def start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            if policy:
                headers = [(k, v) for k, v in headers if k.lower() != "content-security-policy"]
                headers.append(("Content-Security-Policy", policy[-1]))
            return start_response(status, headers, *rest)

        return app(environ, start)

    return serve


@pytest.fixture
def aws_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The AWS wiring over HTTP, a published run, and the gateway serving the app on its own port."""
    from waitress import create_server

    with aws_api_over_http(tmp_path, monkeypatch) as wired:
        handler = wired["handler"]
        definition = {"name": "vwap", "strategy": "vwap_reversion", "params": {}}
        assert call(handler, "POST", "/strategies", body=definition, groups="admin")[0] == 201
        status, run = call(handler, "POST", "/strategy-runs", groups="trader", body={
            "strategy_name": "vwap", "symbols": ["RELIANCE"], "start": "2025-09-01", "end": "2025-09-30"})
        assert status == 201, run
        report = f"runs/{run['run_id']}/item-1/report.html"
        s3 = boto3.client("s3")
        s3.put_object(Bucket="lake", Key=f"v1/evaluations/{run['run_id']}/latest.json", Body=json.dumps(
            {**EVALUATION, "run_id": run["run_id"], "item_id": "item-1", "reports": [report]}))
        s3.put_object(Bucket="lake", Key=f"v1/{report}", Body=REPORT.encode())
        users = UserFile(tmp_path / "users.json")
        users.add("vera", Role.VIEWER, PASSWORD)
        gateway = LocalGateway(handler.lambda_handler, GatewayConfig(users, b"aws-shaped-test-secret"))
        policy: list[str] = []  # the test sets the page's CSP (CloudFront's response headers policy)
        server = create_server(_with_csp(gateway, policy), host="127.0.0.1", port=0, threads=4)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            yield {"base": f"http://127.0.0.1:{server.effective_port}", "gate": wired["gate"],
                   "run_id": run["run_id"], "policy": policy}
        finally:
            server.close()
            thread.join(timeout=10)


def test_the_tear_sheet_frame_renders_from_the_s3_origin_under_the_cloudfront_csp(
        aws_site: dict[str, Any], browser: Any) -> None:
    from cdk.constructs.dashboard import CSP

    base, gate, run_id = aws_site["base"], aws_site["gate"], aws_site["run_id"]
    policy = CSP.format(region="ap-south-1", report_origin=gate)  # the distribution's, S3 at the gate
    errors: list[str] = []
    frames: list[str] = []
    context = browser.new_context(viewport=LAPTOP)
    try:
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("framenavigated", lambda frame: frames.append(frame.url))

        aws_site["policy"].append(policy)
        page.goto(base + "/")
        page.fill("[data-testid=login] input[name=username]", "vera")
        page.fill("[data-testid=login] input[name=password]", PASSWORD)
        page.click("[data-testid=login] button[type=submit]")
        page.wait_for_selector("[data-testid=strategies]", timeout=30_000)
        page.goto(f"{base}/#/run/{run_id}")
        page.wait_for_selector("[data-testid=tear-sheet]", timeout=30_000)
        source = page.get_attribute("[data-testid=tear-sheet]", "src") or ""
        assert source.startswith(f"{gate}/lake/v1/runs/{run_id}/item-1/report.html?"), source
        assert "X-Amz-Signature=" in source
        mark = page.frame_locator("[data-testid=tear-sheet]").locator("#mark")
        try:
            mark.filter(has_text="rendered by its script").wait_for(timeout=30_000)
        except Exception as exc:
            content = [f.inner_text("body")[:300] for f in page.frames[1:]]
            raise AssertionError(f"the frame did not render: {errors} {content}") from exc
        assert page.get_attribute("[data-testid=tear-sheet]", "sandbox") == "allow-scripts allow-popups"
        token = page.evaluate("JSON.parse(sessionStorage.getItem('vyapari.session')).token")
        assert all(token not in url for url in [*frames, source])  # no session token in any URL
        # the round trips need trades.parquet, which this run has not: the one 404 the page logs
        assert [e for e in errors if "404" not in e] == [], errors
    finally:
        context.close()
