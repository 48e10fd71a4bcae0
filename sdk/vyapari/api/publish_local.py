"""Publish a finished local run folder where the API and the dashboard read runs (``vyapari demo``).

A run folder (``equity.parquet``, ``trades.parquet``, ... and ``report.json``/``report.html`` as
``vyapari backtest``/``vyapari demo`` write them) becomes, in the lake, the item files
``runs/<run_id>/<item_id>/``, the evaluation ``runs/<run_id>/evaluation/<as_of>.json`` with its
report files, and the published ``evaluations/<run_id>/latest.json`` (as the backtest workflow's
publish step leaves them); in the registry, a strategy definition and a ``SUCCEEDED`` run record.
Publishing the same run again replaces its files and records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from vyapari.api.ports import RecordStore
from vyapari.data.storage import ObjectStore
from vyapari.workflows.evaluation import publish

RESULT_FILES = ("equity.parquet", "trades.parquet", "orders.parquet", "positions.parquet", "summary.json")
REPORT_FILES = ("report.html", "report.json")


@dataclass(frozen=True)
class LocalRun:
    """Who and what: the run id, the definition's name, strategy reference and parameters, the
    universe and dates (IST sessions), and the instant (ISO, IST) the run finished."""

    run_id: str
    name: str
    strategy: str
    params: dict[str, Any]
    exchange: str
    symbols: list[str]
    start: date
    end: date
    interval: str
    finished_at: str
    description: str = ""
    by: str = "vyapari demo"


def publish_run_dir(run_dir: Path, run: LocalRun, lake: ObjectStore, records: RecordStore,
                    item_id: str = "best") -> dict[str, Any]:
    """Copy ``run_dir`` into ``lake`` and record ``run`` in ``records``; returns the publish outcome."""
    report = json.loads((run_dir / "report.json").read_text(encoding="utf-8"))
    evaluation = dict(report.get("evaluation") or {})
    if not evaluation.get("badge"):
        raise ValueError(f"{run_dir / 'report.json'} has no evaluation badge: evaluate the run first")
    as_of = run.end.isoformat()
    for name in RESULT_FILES:
        if (run_dir / name).is_file():
            lake.put_atomic(f"runs/{run.run_id}/{item_id}/{name}", (run_dir / name).read_bytes())
    base = f"runs/{run.run_id}/evaluation/{as_of}"
    reports = []
    for name in REPORT_FILES:
        lake.put_atomic(f"{base}/{name}", (run_dir / name).read_bytes())
        reports.append(f"{base}/{name}")
    document = {"run_id": run.run_id, "item_id": item_id, "as_of": as_of, "reports": reports,
                "summary": report.get("summary"), "charges_inr": report.get("charges_inr"), **evaluation,
                "evaluator": "vyapari.evaluation", "report": "report.html", "badges": [evaluation["badge"]]}
    lake.put_atomic(f"{base}.json", json.dumps(document, indent=2, sort_keys=True, default=str).encode())
    outcome = publish(lake, run.run_id, f"{base}.json")
    records.put("strategy", run.name, {
        "name": run.name, "strategy": run.strategy, "params": run.params, "description": run.description,
        "created_by": run.by, "created_at": run.finished_at})
    records.put("run", run.run_id, {
        "run_id": run.run_id, "strategy_name": run.name, "exchange": run.exchange, "symbols": run.symbols,
        "start": run.start.isoformat(), "end": run.end.isoformat(), "interval": run.interval,
        "status": "SUCCEEDED", "progress": 1.0, "created_by": run.by, "created_at": run.finished_at,
        "started_at": run.finished_at, "finished_at": run.finished_at})
    return outcome
