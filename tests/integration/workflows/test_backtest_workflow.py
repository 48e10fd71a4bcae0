"""The backtest workflow run end to end from statemachines/backtest.asl.json (moto interpreter)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from functions.local.runner import run_workflow

from vyapari.workflows.errors import TransientError

REQUEST = {
    "run_id": "bt-1",
    "strategy": "sma_cross",
    "params": {"fast": 3},
    "grid": {"slow": [10, 20]},
    "symbols": ["INFY", "TCS", "RELIANCE"],
    "symbols_per_item": 2,
    "interval": "5m",
    "start": "2026-11-16",
    "end": "2026-11-20",
}


def _transient_once(function: str) -> Any:
    calls: list[str] = []

    def hook(name: str, event: Any, result: Any) -> None:
        if name == function and not calls:
            calls.append(name)
            raise TransientError("throttled once")

    return hook


def test_inline_map_over_four_items_with_a_retry_that_recovers(lake: Path) -> None:
    lines: list[str] = []
    run = run_workflow(
        "backtest",
        REQUEST,
        lake,
        on_line=lines.append,
        before_invoke=_transient_once("vyapari-run-backtest-item"),
    )
    assert run.status == "SUCCEEDED", run.cause
    assert run.output["items"] == 4 and run.output["runners"] == {"lambda": 4, "fargate": 0}
    assert any("TransientError" in line for line in lines)  # failed once, retried, succeeded
    ranking = json.loads((lake / "runs/bt-1/ranking.json").read_text())
    assert [r["rank"] for r in ranking["rows"]] == [1, 2, 3, 4] and all(r["bars"] for r in ranking["rows"])
    served = json.loads((lake / "evaluations/bt-1/latest.json").read_text())
    assert served["run_id"] == "bt-1" and served["badges"] == [run.output["badge"]]


def test_distributed_map_reads_items_from_s3_and_large_items_run_on_fargate(lake: Path) -> None:
    request = {**REQUEST, "grid": {"slow": [10]}, "symbols": ["INFY", "TCS", "RELIANCE"], "run_id": "bt-2"}
    run = run_workflow("backtest", request, lake, env={"INLINE_ITEMS_MAX": "1", "FARGATE_MIN_CELLS": "400"})
    assert run.status == "SUCCEEDED", run.cause
    assert any(e["type"] == "MapRunStarted" for e in run.history)  # the Distributed Map branch
    assert run.output["runners"] == {"lambda": 1, "fargate": 1}
    assert [t["returncode"] for t in run.tasks] == [0]  # one container command run as a subprocess
    assert (lake / "runs/bt-2/item-0001/summary.json").is_file()
    assert (lake / "runs/bt-2/item-0002/summary.json").is_file()


def test_a_bad_request_fails_the_execution_with_the_handlers_error(lake: Path) -> None:
    run = run_workflow("backtest", {**REQUEST, "rank_by": "luck"}, lake)
    assert run.status == "FAILED" and run.error == "InvalidInput" and "rank_by" in str(run.cause)


@pytest.mark.parametrize("workflow", ["weekly-evaluation"])
def test_weekly_evaluation_evaluates_every_active_run(lake: Path, workflow: str) -> None:
    first = run_workflow("backtest", {**REQUEST, "grid": {"slow": [10]}, "run_id": "wk-1"}, lake)
    assert first.status == "SUCCEEDED", first.cause
    run = run_workflow(workflow, {"as_of": "2026-11-21"}, lake)
    assert run.status == "SUCCEEDED", run.cause
    assert run.output["as_of"] == "2026-11-21"
    assert [r["status"] for r in run.output["results"]] == ["published"]
    assert json.loads((lake / "evaluations/wk-1/latest.json").read_text())["as_of"] == "2026-11-21"
