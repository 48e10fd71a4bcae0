"""``GET /strategy-runs/{id}/report-link`` on the AWS wiring: a presigned GET of the run's report.html in
the private lake bucket, fetched over HTTP from moto's server (behind :mod:`s3_gate`, which refuses
presigned URLs as S3 does: a wrong signature or an expired one). The link serves that one report as
``text/html`` for about two minutes and opens no other run's; outside moto it points at the bucket's
regional origin, the one the dashboard's CSP may frame."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from functions.shared.report_links import S3ReportLinks, regional_origin
from tests.integration.api.conftest import REGION
from tests.integration.api.s3_gate import CREDENTIALS, aws_api_over_http, presigned_refusal
from tests.unit.api.api_events import call

REPORT = "<!doctype html><html><body><h1 id='tear-sheet'>tear sheet of {run}</h1></body></html>"


def _fetch(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.headers["Content-Type"], refused.read().decode()


@pytest.fixture
def aws_over_http(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """moto's server on a free port, S3 behind the gate; the API's tables, lake bucket and machine."""
    with aws_api_over_http(tmp_path, monkeypatch) as wired:
        yield wired


def _published_run(handler: Any) -> str:
    """A run with an evaluation naming its report.html, both in the lake bucket; its id."""
    run = {"strategy_name": "vwap", "symbols": ["RELIANCE"], "start": "2025-09-01", "end": "2025-09-30"}
    status, created = call(handler, "POST", "/strategy-runs", body=run, groups="trader")
    assert status == 201, created
    run_id = created["run_id"]
    report = f"runs/{run_id}/item-1/report.html"
    s3 = boto3.client("s3")
    s3.put_object(Bucket="lake", Key=f"v1/evaluations/{run_id}/latest.json", Body=json.dumps(
        {"run_id": run_id, "item_id": "item-1", "badge": "green", "reports": [report]}))
    s3.put_object(Bucket="lake", Key=f"v1/{report}", Body=REPORT.format(run=run_id).encode(),
                  ContentType="binary/octet-stream")  # the link itself makes it text/html
    return str(run_id)


def test_the_link_serves_its_report_for_two_minutes_and_no_other(aws_over_http: dict[str, Any]) -> None:
    handler, gate = aws_over_http["handler"], aws_over_http["gate"]
    definition = {"name": "vwap", "strategy": "vwap_reversion", "params": {}}
    assert call(handler, "POST", "/strategies", body=definition, groups="admin")[0] == 201
    first, second = _published_run(handler), _published_run(handler)

    status, link = call(handler, "GET", f"/strategy-runs/{first}/report-link", groups="viewer")
    assert status == 200 and link["run_id"] == first and 0 < link["expires_in_s"] <= 120
    url = link["url"]
    assert url.startswith(f"{gate}/lake/v1/runs/{first}/item-1/report.html?")
    assert "X-Amz-Expires=120" in url and CREDENTIALS.secret_key not in url
    status, kind, body = _fetch(url)
    assert (status, kind, body) == (200, "text/html; charset=utf-8", REPORT.format(run=first))

    # the same signature on the other run's report is refused; the other run's own link is served
    status, _, error = _fetch(url.replace(f"/runs/{first}/", f"/runs/{second}/"))
    assert status == 403 and "SignatureDoesNotMatch" in error
    other = call(handler, "GET", f"/strategy-runs/{second}/report-link", groups="viewer")[1]["url"]
    assert _fetch(other)[2] == REPORT.format(run=second)
    # forcing another content type breaks the signature too
    assert _fetch(url.replace("response-content-type=text", "response-content-type=image"))[0] == 403

    # valid for its two minutes, refused after them
    assert presigned_refusal(url, CREDENTIALS, REGION, time.time() + 110) is None
    assert "expired" in (presigned_refusal(url, CREDENTIALS, REGION, time.time() + 125) or "")

    assert call(handler, "GET", f"/strategy-runs/{first}/report-link", groups=None)[0] == 403
    status, _ = call(handler, "POST", "/strategy-runs", groups="trader", body={
        "strategy_name": "vwap", "symbols": ["TCS"], "start": "2025-09-01", "end": "2025-09-30"})
    unpublished = call(handler, "GET", "/strategy-runs", groups="viewer")[1]["items"]
    (pending,) = [r["run_id"] for r in unpublished if r["symbols"] == ["TCS"]]
    assert call(handler, "GET", f"/strategy-runs/{pending}/report-link", groups="viewer")[0] == 404


def test_outside_moto_links_point_at_the_bucket_regional_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    """The origin the CDK app's CSP allows in ``frame-src`` (tests/infrastructure/test_dashboard.py)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", CREDENTIALS.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CREDENTIALS.secret_key)
    bucket = "vyapari-dev-lake-123456789012-ap-south-1"
    link = S3ReportLinks(bucket, "", REGION, env={}).link("runs/r1/i1/report.html", "r1", "vera")
    assert link.url.startswith(f"{regional_origin(bucket, REGION)}/runs/r1/i1/report.html?")
    assert "X-Amz-Signature=" in link.url and "X-Amz-Expires=120" in link.url
    assert regional_origin(bucket, REGION) == f"https://{bucket}.s3.ap-south-1.amazonaws.com"
