"""The dashboard's read routes on a real sample lake: a run published as ``vyapari demo`` publishes it
(real evaluation and report), a file the real ingest quarantined, the kill switch and the roles."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from functions.shared.api_settings import ApiSettings
from functions.shared.api_store import ApiServices, build_services
from tests.unit.evaluation.curves import write_run_dir

from vyapari.api.publish_local import LocalRun, publish_run_dir
from vyapari.data.lake import Lake
from vyapari.evaluation.run import evaluate_run_dir

Client = Callable[..., tuple[int, Any]]


@pytest.fixture
def lake(lake_dir: Path, tmp_path: Path) -> Path:
    """A copy of the sample lake with one bhavcopy the real ingest rejected (no rows)."""
    copy = tmp_path / "lake"
    shutil.copytree(lake_dir, copy)
    source = sorted((lake_dir.parent / "sample" / "nse_udiff").iterdir())[-1]
    broken = tmp_path / source.name
    broken.write_text(source.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    assert Lake.at(copy).ingest_file(broken).status == "rejected"
    return copy


@pytest.fixture
def services(api: ModuleType, lake: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ApiServices:
    """Local services on the copied lake, with one published run ``run-pub`` (definition ``pub``)."""
    fresh = build_services(ApiSettings(backend="local", state_dir=str(tmp_path / "state"),
                                       lake_uri=str(lake), live_state_dir=str(tmp_path / "live")))
    run_dir = tmp_path / "run"
    write_run_dir(run_dir, weekly=0.012)
    evaluate_run_dir(run_dir, run_dir)
    from datetime import date

    publish_run_dir(run_dir, LocalRun("run-pub", "pub", "vwap_reversion", {"k": 2.0}, "NSE", ["RELIANCE"],
                                      date(2025, 7, 1), date(2025, 9, 1), "1m", "2025-09-01T16:00:00+05:30"),
                    fresh.lake, fresh.registry.records)
    monkeypatch.setattr(api, "SERVICES", fresh)
    return fresh


def test_me_names_the_caller_and_their_role(client: Client) -> None:
    assert client("GET", "/me", groups="trader")[1] == {"username": "asha", "role": "trader"}
    assert client("GET", "/me", groups="admin,viewer")[1]["role"] == "admin"


def test_the_overview_lists_the_published_run_with_its_badges(client: Client, lake: Path) -> None:
    status, overview = client("GET", "/overview", groups="viewer")
    assert status == 200, overview
    [item] = overview["strategies"]
    assert item["strategy"]["name"] == "pub" and item["latest_run"]["status"] == "SUCCEEDED"
    published = (lake / "evaluations" / "run-pub" / "latest.json").read_text(encoding="utf-8")
    assert item["evaluation"]["badge"] in published
    assert [c["name"] for c in item["evaluation"]["criteria"]] == [
        "mean_weekly_gross_return", "max_drawdown", "p95_weekly_drawdown"]
    assert all(c["reason"] for c in item["evaluation"]["criteria"])
    assert item["evaluation"]["this_week"]["week"]
    assert overview["kill_switch"]["engaged"] is False
    assert {c["name"] for c in overview["readiness"]["checks"]} >= {"calendar", "ingestion", "risk"}
    ingestion = overview["last_ingestion"]
    reports = [p.relative_to(lake / "reports").parts for p in (lake / "reports").rglob("*.json")]
    assert ingestion["day"] == max("-".join(parts[1:4]) for parts in reports)
    assert ingestion["files"] >= 1 and sum(ingestion["by_status"].values()) == ingestion["files"]


def test_a_run_its_round_trips_and_its_tear_sheet(client: Client) -> None:
    status, run = client("GET", "/strategy-runs/run-pub", groups="viewer")
    assert status == 200 and (run["status"], run["progress"]) == ("SUCCEEDED", 1.0)
    status, trips = client("GET", "/strategy-runs/run-pub/round-trips", query={"limit": "5"}, groups="viewer")
    assert status == 200 and len(trips["items"]) == min(5, trips["total"]) and trips["total"] > 0
    assert {"symbol", "entry_ts", "exit_ts", "net_pnl_inr"} <= set(trips["items"][0])
    status, html = client("GET", "/strategy-runs/run-pub/report", groups="viewer")
    assert status == 200 and "<html" in html.lower() and "Plotly.newPlot" in html
    assert client("GET", "/strategy-runs/run-none/report", groups="viewer")[0] == 404
    assert client("GET", "/strategy-runs/run-none", groups="viewer")[0] == 404


def test_coverage_by_exchange_with_the_quarantined_file(client: Client) -> None:
    status, coverage = client("GET", "/lake/coverage", groups="viewer")
    assert status == 200
    nse = {e["exchange"]: e for e in coverage["exchanges"]}["NSE"]
    assert nse["sessions"] == 3 and nse["missing"] == [] and len(nse["session_dates"]) == 3
    assert "RELIANCE" in {s["symbol"] for s in nse["minute_symbols"]}
    assert [q["reason"].split(":")[0] for q in coverage["quarantined"]] == ["no_rows"]


@pytest.mark.parametrize("path", ["/me", "/overview", "/lake/coverage", "/strategy-runs/run-pub",
                                  "/strategy-runs/run-pub/report", "/strategy-runs/run-pub/round-trips"])
def test_every_dashboard_route_needs_a_role(client: Client, path: str) -> None:
    assert client("GET", path, groups="")[0] == 403


def test_the_tear_sheet_may_be_framed_by_the_dashboard_origin_only(api: ModuleType, services: ApiServices,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.unit.api.api_events import FakeContext, rest_event

    def policy() -> str:
        event = rest_event("GET", "/strategy-runs/run-pub/report", groups="viewer")
        response = api.lambda_handler(event, FakeContext())
        assert response["statusCode"] == 200
        return str(response["multiValueHeaders"]["Content-Security-Policy"][0])

    assert "frame-ancestors 'self'" in policy() and "sandbox allow-scripts" in policy()
    monkeypatch.setenv("DASHBOARD_ORIGIN", "https://d111.cloudfront.net/")
    assert policy().endswith("frame-ancestors 'self' https://d111.cloudfront.net")
    monkeypatch.setenv("DASHBOARD_ORIGIN", "https://evil.example; script-src *")
    assert policy().endswith("frame-ancestors 'self'")
