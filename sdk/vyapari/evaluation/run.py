"""Evaluate a backtest output folder (``equity.parquet``, ``trades.parquet``, ``summary.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vyapari.core.errors import DataError
from vyapari.core.time import IST
from vyapari.evaluation.criteria import TargetCriteria
from vyapari.evaluation.robustness import block_bootstrap_mean
from vyapari.evaluation.weekly import WeeklyEvaluation, WeeklyTargetEvaluator


def read_equity(path: Path) -> pd.Series:
    """An equity curve from CSV or Parquet with ``timestamp`` (or ``ts``) and ``equity`` columns;
    naive timestamps mean IST. Raises :class:`DataError` naming the file and the problem."""
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except Exception as exc:
        raise DataError(f"{path}: cannot be read ({type(exc).__name__}: {exc})") from None
    column = "timestamp" if "timestamp" in frame.columns else "ts" if "ts" in frame.columns else None
    if column is None or "equity" not in frame.columns:
        raise DataError(
            f"{path}: needs columns timestamp (or ts) and equity, has {', '.join(map(str, frame.columns))}"
        )
    try:
        ts = (
            pd.to_datetime(frame[column], format="ISO8601")
            if frame[column].dtype == object
            else frame[column]
        )
        index = pd.DatetimeIndex(ts)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{path}: unparseable timestamps ({exc})") from None
    index = index.tz_localize(IST) if index.tz is None else index.tz_convert(IST)
    equity = pd.Series(pd.to_numeric(frame["equity"], errors="coerce").to_numpy(), index=index).sort_index()
    if equity.isna().any() or (equity <= 0).any():
        raise DataError(f"{path}: equity must be positive numbers")
    if len(equity) < 2:
        raise DataError(f"{path}: needs at least two equity points")
    return equity


def cumulative_charges(trades: pd.DataFrame, index: pd.DatetimeIndex) -> pd.Series:
    """Charges paid up to each time of ``index`` (₹), from trades' ``ts`` and ``charges_inr``."""
    if trades.empty or "charges_inr" not in trades.columns:
        return pd.Series(0.0, index=index)
    per_time = trades.groupby("ts")["charges_inr"].sum().cumsum()
    return per_time.reindex(index.union(per_time.index)).ffill().fillna(0.0).reindex(index)


def evaluate_run_dir(
    run_dir: Path,
    out_dir: Path | None = None,
    criteria: TargetCriteria | None = None,
    robustness: dict[str, Any] | None = None,
) -> tuple[WeeklyEvaluation, Path]:
    """Evaluate a backtest folder and write its report into ``out_dir`` (default: the folder)."""
    from vyapari.evaluation.report import write_report

    criteria = criteria or TargetCriteria()
    equity = read_equity(run_dir / "equity.parquet")
    trades_path = run_dir / "trades.parquet"
    trades = pd.read_parquet(trades_path) if trades_path.exists() else pd.DataFrame()
    summary = (
        json.loads((run_dir / "summary.json").read_text()) if (run_dir / "summary.json").exists() else {}
    )
    charges = cumulative_charges(trades, equity.index)
    pnl = trades["realised_pnl_inr"].to_numpy() if "realised_pnl_inr" in trades.columns else None
    evaluation = WeeklyTargetEvaluator(criteria).evaluate(equity, charges, pnl)
    extra = dict(robustness or {})
    full = evaluation.full_weeks
    if len(full) >= 2:
        boot = block_bootstrap_mean(full["gross_return"].to_numpy(), criteria.weekly_return)
        extra["bootstrap_mean_weekly_gross_return"] = {
            "mean_pct": round(boot.mean * 100, 4),
            "low_pct": round(boot.low * 100, 4),
            "high_pct": round(boot.high * 100, 4),
            "level": boot.level,
            "prob_at_least_target": round(boot.prob_at_least_target, 4),
            "block_weeks": boot.block,
        }
    report = write_report(
        out_dir or run_dir,
        evaluation,
        equity,
        gross=equity + charges,
        trades=trades if len(trades) else None,
        summary=summary,
        robustness=extra,
        target=criteria.weekly_return,
        title=f"vyapari: {summary.get('strategy', 'run')}",
    )
    return evaluation, report


def evaluate_equity_file(
    path: Path, criteria: TargetCriteria | None = None, trades_path: Path | None = None
) -> WeeklyEvaluation:
    """Evaluate an equity file, optionally with trades (``ts``, ``charges_inr``, ``realised_pnl_inr``)."""
    equity = read_equity(path)
    trades = pd.read_parquet(trades_path) if trades_path is not None else pd.DataFrame()
    charges = cumulative_charges(trades, equity.index) if len(trades) else None
    pnl = np.asarray(trades["realised_pnl_inr"]) if "realised_pnl_inr" in trades.columns else None
    return WeeklyTargetEvaluator(criteria or TargetCriteria()).evaluate(equity, charges, pnl)
