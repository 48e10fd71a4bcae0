"""Pure workflow logic: events, planning, ranking, ASL helpers (no AWS)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from vyapari.core.errors import InvalidInput
from vyapari.data.storage import MemoryObjectStore
from vyapari.workflows.aggregate import aggregate_run, rank_rows
from vyapari.workflows.asl import history_line, inline_distributed_maps, placeholders, substitute
from vyapari.workflows.errors import error_record
from vyapari.workflows.events import s3_objects_of, session_date_of
from vyapari.workflows.plan import BacktestRequest, bars_per_session, plan_items, weekdays

REQUEST = {
    "run_id": "r",
    "strategy": "sma_cross",
    "params": {"fast": 3},
    "grid": {"slow": [10, 20, 30]},
    "start": "2026-11-16",
    "end": "2026-11-20",
    "interval": "5m",
    "symbols_per_item": 2,
}


def test_session_date_is_the_ist_date_of_an_evening_utc_schedule() -> None:
    assert session_date_of({"time": "2026-11-20T19:00:00Z"}) == date(2026, 11, 21)  # 00:30 IST
    assert session_date_of({"session_date": "2026-11-20", "time": "x"}) == date(2026, 11, 20)
    with pytest.raises(InvalidInput):
        session_date_of({})


def test_s3_keys_are_url_decoded() -> None:
    event = {"Records": [{"s3": {"bucket": {"name": "b"}, "object": {"key": "landing/M%26M+x.csv"}}}]}
    assert s3_objects_of(event) == [("b", "landing/M&M x.csv")]


def test_plan_expands_grid_times_symbol_chunks_and_estimates_bars() -> None:
    request = BacktestRequest.from_dict(REQUEST)
    items = plan_items(request, ["A", "B", "C"], fargate_min_bars=1000)
    assert len(items) == 3 * 2 and [i.params["slow"] for i in items[:2]] == [10, 10]
    assert items[0].estimated_bars == 5 * 75 * 2 and items[0].runner == "lambda"
    assert items[1].symbols == ["C"] and plan_items(request, ["A", "B"], 100)[0].runner == "fargate"


def test_plan_rejects_bad_requests() -> None:
    with pytest.raises(InvalidInput, match="rank_by"):
        BacktestRequest.from_dict({**REQUEST, "rank_by": "luck"})
    with pytest.raises(InvalidInput, match="grid"):
        BacktestRequest.from_dict({**REQUEST, "grid": {"slow": []}})
    assert (
        bars_per_session("1d") == 1
        and bars_per_session("60m") == 7
        and weekdays(date(2026, 11, 16), date(2026, 11, 22)) == 5
    )


def test_ranking_puts_items_without_metrics_last_and_writes_the_table() -> None:
    rows = rank_rows(
        [{"item_id": "a", "sharpe": None}, {"item_id": "b", "sharpe": 1.0}, {"item_id": "c", "sharpe": 2.0}],
        "sharpe",
    )
    assert [r["item_id"] for r in rows] == ["c", "b", "a"] and rows[0]["rank"] == 1
    store = MemoryObjectStore()
    store.put("runs/r/i1/item.json", b'{"item_id": "i1", "params": {}, "symbols": ["A"]}')
    assert aggregate_run(store, "r")["best"]["item_id"] == "i1" and store.exists("runs/r/ranking.csv")


def test_substitute_fills_every_placeholder_or_names_the_missing() -> None:
    text = '{"A": "${OneFunctionArn}", "B": "${Two}"}'
    assert placeholders(text) == {"OneFunctionArn", "Two"}
    assert substitute(text, {"OneFunctionArn": "arn:1", "Two": "2"}) == '{"A": "arn:1", "B": "2"}'
    with pytest.raises(KeyError, match="Two"):
        substitute(text, {"OneFunctionArn": "x"})


def test_inline_distributed_maps_rewrites_item_reader_to_items_path() -> None:
    machine: dict[str, Any] = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "Parameters": {"Bucket.$": "$.plan.loc.Bucket", "Key.$": "$.plan.loc.Key"},
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "X",
                    "States": {"X": {"Type": "Pass", "End": True}},
                },
                "End": True,
            }
        },
    }
    state = inline_distributed_maps(machine)["States"]["M"]
    assert "ItemReader" not in state and state["ItemsPath"] == "$.plan.items"
    assert state["ItemProcessor"]["ProcessorConfig"] == {"Mode": "INLINE"}
    assert machine["States"]["M"]["ItemReader"]  # the input is not modified


def test_history_lines_and_error_records() -> None:
    assert (
        history_line({"type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "Plan"}}) == "→ Plan"
    )
    failed = history_line({"type": "TaskFailed", "taskFailedEventDetails": {"error": "E", "cause": "c"}})
    assert failed == "✗ TaskFailed: E: c"
    record = error_record(
        {"Error": "FileRejected", "Cause": '{"errorType": "FileRejected", "errorMessage": "m"}'}
    )
    assert record == {"error": "FileRejected", "cause": {"type": "FileRejected", "message": "m"}}
