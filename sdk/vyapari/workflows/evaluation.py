"""Weekly evaluation of a strategy run's equity, and its publication where the API serves it.

* :func:`evaluate_run` copies an item's result files out of the lake, evaluates them with
  ``vyapari.evaluation.run.evaluate_run_dir`` (the weekly target evaluator and its report) and stores
  the evaluation under ``runs/<run_id>/evaluation/<as_of>.json`` (plus the report files), judged
  against the criteria given (by default those of the environment the caller parsed).
* :func:`publish` writes ``evaluations/<run_id>/latest.json`` (what ``GET /runs/{id}/evaluation`` reads,
  see :func:`vyapari.api.registry.evaluation_key`), a dated copy, and marks the run active in
  ``runs/<run_id>/manifest.json`` so the weekly workflow evaluates it again.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from vyapari.data.storage import ObjectStore
from vyapari.evaluation.criteria import TargetCriteria
from vyapari.workflows.plan import item_prefix

Evaluator = Callable[[Path, Path], dict[str, Any]]


def manifest_key(run_id: str) -> str:
    """Lake key of a run's manifest (best item, evaluation, ``active`` flag)."""
    return f"runs/{run_id}/manifest.json"


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=2, sort_keys=True, default=str).encode()


def best_item_id(store: ObjectStore, run_id: str) -> str:
    """The item the run stands for: the manifest's, else rank 1 of ``ranking.json``."""
    for key in (manifest_key(run_id), f"runs/{run_id}/ranking.json"):
        if store.exists(key):
            doc = json.loads(store.get(key))
            item = doc.get("item_id") or (doc.get("rows") or [{}])[0].get("item_id")
            if item:
                return str(item)
    raise KeyError(f"run {run_id!r} has neither a manifest nor a ranking")


def sdk_evaluator(run_dir: Path, out_dir: Path, criteria: TargetCriteria | None = None) -> dict[str, Any]:
    """Evaluate a run folder with :func:`vyapari.evaluation.run.evaluate_run_dir`; its JSON document."""
    from vyapari.evaluation.run import evaluate_run_dir

    evaluation, report = evaluate_run_dir(run_dir, out_dir, criteria)
    doc = dict(evaluation.to_dict())
    doc.update(evaluator="vyapari.evaluation", report=Path(str(report)).name)
    return doc


def evaluate_run(
    store: ObjectStore,
    run_id: str,
    as_of: date,
    item_id: str | None = None,
    evaluator: Evaluator = sdk_evaluator,
) -> dict[str, Any]:
    """Evaluate the run's item (its best by default) and store the evaluation; returns a short outcome."""
    item_id = item_id or best_item_id(store, run_id)
    prefix = item_prefix(run_id, item_id)
    with tempfile.TemporaryDirectory(prefix="vyapari-eval-") as tmp:
        run_dir, out_dir = Path(tmp, "run"), Path(tmp, "out")
        run_dir.mkdir()
        out_dir.mkdir()
        for key in store.list(prefix):
            (run_dir / key[len(prefix) :].replace("/", "_")).write_bytes(store.get(key))
        if not (run_dir / "equity.parquet").exists():
            raise ValueError(f"run {run_id!r} item {item_id!r} has no equity.parquet (did it run?)")
        doc = evaluator(run_dir, out_dir)
        base = f"runs/{run_id}/evaluation/{as_of.isoformat()}"
        reports = [
            _put(store, f"{base}/{p.name}", p.read_bytes()) for p in sorted(out_dir.iterdir()) if p.is_file()
        ]
    document = {"run_id": run_id, "item_id": item_id, "as_of": as_of.isoformat(), "reports": reports, **doc}
    document["badges"] = [document["badge"]] if document.get("badge") else []
    key = f"{base}.json"
    store.put_atomic(key, _json(document))
    return {"run_id": run_id, "item_id": item_id, "badge": document.get("badge"), "evaluation_key": key}


def _put(store: ObjectStore, key: str, data: bytes) -> str:
    store.put_atomic(key, data)
    return key


def publish(store: ObjectStore, run_id: str, evaluation_key: str) -> dict[str, Any]:
    """Serve the evaluation at ``evaluations/<run_id>/latest.json`` and record it in the manifest."""
    document = json.loads(store.get(evaluation_key))
    latest = f"evaluations/{run_id}/latest.json"
    store.put_atomic(latest, _json(document))
    store.put_atomic(f"evaluations/{run_id}/{document['as_of']}.json", _json(document))
    manifest = json.loads(store.get(manifest_key(run_id))) if store.exists(manifest_key(run_id)) else {}
    manifest.update(
        run_id=run_id,
        item_id=document["item_id"],
        active=manifest.get("active", True),
        latest_evaluation=latest,
        badge=document.get("badge"),
    )
    store.put_atomic(manifest_key(run_id), _json(manifest))
    return {"run_id": run_id, "key": latest, "badge": document.get("badge")}


def active_runs(store: ObjectStore) -> list[str]:
    """Run ids whose manifest says ``active`` (published by a backtest, not retired)."""
    runs = []
    for key in store.list("runs/"):
        is_manifest = key.endswith("/manifest.json") and key.count("/") == 2
        if is_manifest and json.loads(store.get(key)).get("active", False):
            runs.append(key.split("/")[1])
    return sorted(runs)
