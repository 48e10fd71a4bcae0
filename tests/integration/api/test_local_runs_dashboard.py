"""Strategy runs started through ``vyapari api serve`` execute on its worker pool: a built-in sweep and a
user's own strategy file finish SUCCEEDED with their evaluation and report, a run that cannot work
finishes FAILED with the reason; a viewer is refused (403) on every route that changes anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.integration.api.local_stack import IDLE_STRATEGY, Stack, serve_with_ws, wait_for
from tests.unit.api.api_events import build_lake
from tests.unit.api.api_server import add_user

RUN = {"exchange": "NSE", "symbols": ["RELIANCE", "TCS"], "start": "2025-09-26", "end": "2025-09-30",
       "interval": "1m"}


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three sessions of the synthetic sample in a lake."""
    return build_lake(tmp_path_factory.mktemp("runs-lake"))


def _start(server: Stack, token: str, definition: dict[str, Any], run: dict[str, Any]) -> str:
    admin = server.login("ada")
    status, created = server.call("POST", "/strategies", body=definition, token=admin)
    assert status == 201, created
    status, record = server.call("POST", "/strategy-runs", body={**RUN, **run}, token=token)
    assert status == 201, record
    run_id = str(record["run_id"])
    status, started = server.call("POST", f"/strategy-runs/{run_id}/start",
                                  body={"client_token": f"start-{run_id}"}, token=token)
    assert status == 202 and started["status"] in ("STARTED", "RUNNING"), started
    return run_id


def _finished(server: Stack, token: str, run_id: str) -> dict[str, Any]:
    seen: set[float] = set()

    def done() -> dict[str, Any] | None:
        status, run = server.call("GET", "/strategy-runs?limit=50", token=token)
        assert status == 200, run
        record = next(r for r in run["items"] if r["run_id"] == run_id)
        if record.get("progress") is not None:
            seen.add(record["progress"])
        return record if record["status"] in ("SUCCEEDED", "FAILED") else None

    record = wait_for(done, timeout_s=600, what=f"the end of run {run_id}")
    assert all(0.0 <= p <= 1.0 for p in seen)
    return record


def test_runs_started_through_the_local_api_execute_and_publish_their_evaluation(tmp_path: Path,
                                                                                lake: Path) -> None:
    for name, role in (("vera", "viewer"), ("tara", "trader"), ("ada", "admin")):
        add_user(tmp_path / "api-state", name, role)
    (tmp_path / "idle.py").write_text(IDLE_STRATEGY, encoding="utf-8")
    with serve_with_ws(tmp_path, "--run-workers", "2", lake=lake) as server:
        trader, viewer = server.login("tara"), server.login("vera")
        sweep = _start(server, trader, {"name": "sma", "strategy": "sma_cross",
                                        "params": {"fast": 5, "slow": 20}},
                       {"strategy_name": "sma", "grid": {"fast": [5, 10]}})
        own = _start(server, trader, {"name": "idle", "strategy": f"{tmp_path / 'idle.py'}:Idle"},
                     {"strategy_name": "idle"})
        status, pending = server.call("GET", f"/strategy-runs/{own}/evaluate", token=viewer)
        assert status == 404, pending

        for run_id in (sweep, own):
            record = _finished(server, viewer, run_id)
            assert record["status"] == "SUCCEEDED" and record["progress"] == 1.0, record
            assert record["finished_at"] and not record.get("error")
            status, evaluation = server.call("GET", f"/strategy-runs/{run_id}/evaluate", token=viewer)
            assert status == 200 and evaluation["run_id"] == run_id, evaluation
            assert evaluation["badges"] == [record["badge"]] and record["badge"] in ("green", "amber", "red")
            report = lake / record["report_key"]
            assert report.is_file() and b"<html" in report.read_bytes()[:2000].lower()
        ranking = (lake / "runs" / sweep / "ranking.json").read_text(encoding="utf-8")
        assert '"fast": 5' in ranking and '"fast": 10' in ranking  # both parameter sets ran

        broken = _start(server, trader, {"name": "sma-nowhere", "strategy": "sma_cross",
                                         "params": {"fast": 5, "slow": 20}},
                        {"strategy_name": "sma-nowhere", "symbols": ["NOSUCHSYMBOL"]})
        record = _finished(server, viewer, broken)
        assert record["status"] == "FAILED" and record["error"], record
        assert server.call("GET", f"/strategy-runs/{broken}/evaluate", token=viewer)[0] == 404


def test_a_viewer_is_refused_on_every_route_that_changes_anything(tmp_path: Path) -> None:
    add_user(tmp_path / "api-state", "vera", "viewer")
    with serve_with_ws(tmp_path) as server:
        viewer = server.login("vera")
        changes = [
            ("/strategies", {"name": "sma", "strategy": "sma_cross", "params": {"fast": 5, "slow": 20}}),
            ("/strategy-runs", {**RUN, "strategy_name": "sma"}),
            ("/strategy-runs/run-0000000000000000/start", {"client_token": "start-12345678"}),
            ("/orders", {"client_order_id": "viewer-01", "mode": "paper", "instrument_id": "NSE:TCS",
                         "side": "BUY", "quantity": 1, "order_type": "MARKET", "product": "CNC"}),
            ("/live/kill-switch", {"engaged": True, "reason": "viewer"}),
        ]
        for path, body in changes:
            status, answer = server.call("POST", path, body=body, token=viewer)
            assert (status, answer["error"]) == (403, "forbidden"), (path, answer)
        status, listing = server.call("GET", "/strategies", token=viewer)
        assert status == 200 and listing["items"] == []
        assert server.call("GET", "/live/kill-switch", token=viewer)[1]["engaged"] is False
