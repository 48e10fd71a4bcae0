"""Backtest and evaluation handlers on a seeded local lake."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def test_plan_backtest_returns_inline_items_below_the_limit(
    lake: Path, load_handler: Any, event: Any, context: Any
) -> None:
    result = load_handler("plan_backtest", lake).lambda_handler(event("sfn_backtest_request"), context)
    assert result["item_count"] == 4 and result["large"] is False and len(result["items"]) == 4
    assert json.loads((lake / "runs/run-3f9a1c2d4e5b6a70/items.json").read_text()) == result["items"]


def test_plan_backtest_points_the_item_reader_at_s3_when_large(
    lake: Path, load_handler: Any, event: Any, context: Any
) -> None:
    handler = load_handler("plan_backtest", lake, INLINE_ITEMS_MAX="2", ITEMS_BUCKET="items-b")
    result = handler.lambda_handler(event("sfn_backtest_request"), context)
    assert result["large"] is True and "items" not in result
    assert result["items_location"] == {"Bucket": "items-b", "Key": "runs/run-3f9a1c2d4e5b6a70/items.json"}


def test_item_aggregate_evaluate_publish_chain(
    lake: Path, load_handler: Any, event: Any, context: Any
) -> None:
    item = event("sfn_work_item")
    done = load_handler("run_backtest_item", lake).lambda_handler(item, context)
    assert done["status"] == "ok" and done["bars"] > 0
    assert (lake / done["prefix"] / "equity.parquet").is_file()
    ranked = load_handler("aggregate_results", lake).lambda_handler({"run_id": item["run_id"]}, context)
    assert ranked["best_item_id"] == "item-0001" and (lake / ranked["ranking_key"]).is_file()
    evaluated = load_handler("evaluate_strategy_run", lake).lambda_handler(
        {"run_id": item["run_id"], "as_of": "2026-11-20"}, context
    )
    assert evaluated["evaluation_key"] == f"runs/{item['run_id']}/evaluation/2026-11-20.json"
    published = load_handler("publish_evaluation", lake).lambda_handler(
        {"run_id": item["run_id"], "evaluation_key": evaluated["evaluation_key"]}, context
    )
    served = json.loads((lake / published["key"]).read_text())
    assert published["key"] == f"evaluations/{item['run_id']}/latest.json" and served["badges"]
    runs = load_handler("list_active_runs", lake).lambda_handler(event("sfn_weekly_list_input"), context)
    assert runs == {"as_of": "2026-11-21", "runs": [{"run_id": item["run_id"]}]}


def test_fargate_entrypoint_runs_the_same_item_code(
    lake: Path, event: Any, monkeypatch: Any, capsys: Any
) -> None:
    from functions.run_backtest_task.__main__ import main
    from functions.shared.settings import get_settings

    monkeypatch.setenv("LAKE_URI", str(lake))
    get_settings.cache_clear()
    assert main(["--item", json.dumps(event("sfn_work_item"))]) == 0
    get_settings.cache_clear()
    assert json.loads(capsys.readouterr().out)["runner"] == "fargate"
    assert (lake / "runs/run-3f9a1c2d4e5b6a70/item-0001/summary.json").is_file()
    assert main(["--item", "{}"]) == 2
