"""Weekly evaluation of a strategy run's equity, and its publication where the API serves it.

* :func:`evaluate_run` copies an item's result files out of the lake, evaluates them with
  ``vyapari.evaluation.run.evaluate_run_dir`` (the weekly target evaluator and its report) and stores
  the evaluation under ``runs/<run_id>/evaluation/<as_of>.json`` (plus the report files). While that
  module is not importable, :func:`fallback_weekly` computes the three target figures itself and the
  document says ``"evaluator": "workflows-fallback"``.
* :func:`publish` writes ``evaluations/<run_id>/latest.json`` (what ``GET /runs/{id}/evaluation`` reads,
  see :func:`vyapari.api.registry.evaluation_key`), a dated copy, and marks the run active in
  ``runs/<run_id>/manifest.json`` so the weekly workflow evaluates it again.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import date
from pathlib import Path
from typing import Any

from vyapari.data.storage import ObjectStore
from vyapari.workflows.plan import item_prefix

TARGET_WEEKLY_RETURN = 0.01  # mean weekly gross return, fraction
TARGET_MAX_DRAWDOWN = -0.10  # fraction of the peak
TARGET_P95_WEEKLY_DRAWDOWN = -0.03

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


def fallback_weekly(run_dir: Path, out_dir: Path) -> dict[str, Any]:
    """Weekly target figures from ``equity.parquet`` (₹ per bar) when the evaluator is unavailable."""
    import pandas as pd

    equity = pd.read_parquet(run_dir / "equity.parquet").set_index("ts")["equity"]
    weekly = equity.resample("W-FRI").last().dropna()
    returns = (
        weekly.pct_change().dropna() if len(weekly) > 1 else pd.Series([equity.iloc[-1] / equity.iloc[0] - 1])
    )
    drawdown = float((equity / equity.cummax() - 1).min())
    weekly_dd = equity.groupby(pd.Grouper(freq="W-FRI")).apply(lambda s: float((s / s.cummax() - 1).min()))
    figures = {
        "mean_weekly_return": float(returns.mean()),
        "max_drawdown": drawdown,
        "p95_weekly_drawdown": float(weekly_dd.dropna().quantile(0.05)),
        "weeks": len(returns),
    }
    checks = [
        figures["mean_weekly_return"] >= TARGET_WEEKLY_RETURN,
        drawdown >= TARGET_MAX_DRAWDOWN,
        figures["p95_weekly_drawdown"] >= TARGET_P95_WEEKLY_DRAWDOWN,
    ]
    badge = "green" if all(checks) else ("amber" if sum(checks) >= 2 else "red")
    return {"evaluator": "workflows-fallback", "badge": badge, "figures": figures}


def sdk_evaluator(run_dir: Path, out_dir: Path) -> dict[str, Any]:
    """``vyapari.evaluation.run.evaluate_run_dir`` as a dict, or :func:`fallback_weekly` if it is absent."""
    try:
        from vyapari.evaluation.run import evaluate_run_dir  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return fallback_weekly(run_dir, out_dir)
    evaluation, report = evaluate_run_dir(run_dir, out_dir)
    to_dict = getattr(evaluation, "to_dict", None)
    doc = to_dict() if callable(to_dict) else (asdict(evaluation) if is_dataclass(evaluation) else {})
    doc = dict(doc)
    doc.setdefault("badge", getattr(evaluation, "badge", None))
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
