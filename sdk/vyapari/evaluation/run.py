"""Evaluate files: an equity file (with optional trades) or a backtest output folder.

A backtest folder holds ``equity.parquet`` (``ts`` IST, ``equity`` ₹), ``trades.parquet``
(``ts``, ``charges_inr``, ``realised_pnl_inr``, per-charge ``*_inr`` columns) and
``summary.json``; only the equity file is required.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from vyapari.core.errors import InvalidInput
from vyapari.evaluation.criteria import TargetCriteria
from vyapari.evaluation.inputs import (
    cumulative_charges,
    read_equity,
    read_equity_file,
    read_trades,
    trade_pnl,
)
from vyapari.evaluation.robustness import block_bootstrap_mean
from vyapari.evaluation.weekly import WeeklyEvaluation, WeeklyTargetEvaluator, as_ist_curve

__all__ = [
    "EvaluationInputs",
    "cumulative_charges",
    "evaluate_equity_file",
    "evaluate_inputs",
    "evaluate_run_dir",
    "load_equity_file",
    "load_run_dir",
    "read_equity",
]


@dataclass(frozen=True)
class EvaluationInputs:
    """What an evaluation reads: the net equity curve (₹), trades and the run's summary."""

    equity: pd.Series
    trades: pd.DataFrame | None = None
    summary: dict[str, Any] | None = None
    charges: pd.Series | None = None

    @property
    def charges_known(self) -> bool:
        """Whether the charges behind the net curve are known (so gross equity is)."""
        return self.charges is not None or (self.trades is not None and "charges_inr" in self.trades.columns)

    @cached_property
    def charges_paid(self) -> pd.Series | None:
        """Cumulative charges (₹) at each equity timestamp, or None when unknown (computed once: the
        verdict and the report's gross line both use it)."""
        if self.charges is not None:
            return self.charges
        if self.trades is None or "charges_inr" not in self.trades.columns:
            return None
        return cumulative_charges(self.trades, pd.DatetimeIndex(self.equity.index))

    @property
    def gross(self) -> pd.Series:
        """Equity gross of charges (₹)."""
        charges = self.charges_paid
        return self.equity if charges is None else self.equity + charges


def load_equity_file(path: Path, trades_path: Path | None = None, basis: str | None = None
                     ) -> EvaluationInputs:
    """Read an equity file (its basis from its columns or ``basis``, see
    :func:`~vyapari.evaluation.inputs.read_equity_file`) and, optionally, a trades file.

    A gross curve needs the trades' ``charges_inr`` to give the net curve that drawdowns are
    judged on; a net curve without charges leaves the gross return unknown (judged on net, a
    lower bound, and said so).
    """
    trades = read_trades(trades_path) if trades_path is not None else None
    curve, given, charges = read_equity_file(path, basis)
    if given == "net":
        return EvaluationInputs(curve, trades, None, charges)
    if trades is None or "charges_inr" not in trades.columns:
        raise InvalidInput(
            "--trades",
            f"{path} is gross of charges: give the trades (ts, charges_inr) so that drawdowns can be "
            "judged on net equity, or give a net curve",
        )
    paid = cumulative_charges(trades, pd.DatetimeIndex(curve.index))
    net = as_ist_curve(curve - paid, str(path))
    return EvaluationInputs(net, trades, None, paid)


def load_run_dir(run_dir: Path) -> EvaluationInputs:
    """Read a backtest output folder (``equity.parquet`` required, the rest optional)."""
    if not run_dir.is_dir():
        raise InvalidInput(str(run_dir), "no such folder")
    trades_path, summary_path = run_dir / "trades.parquet", run_dir / "summary.json"
    trades = read_trades(trades_path) if trades_path.is_file() else None
    summary = None
    if summary_path.is_file():
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InvalidInput(str(summary_path), f"is not JSON ({exc.msg} at line {exc.lineno})") from None
    return EvaluationInputs(read_equity(run_dir / "equity.parquet"), trades, summary)


def evaluate_inputs(inputs: EvaluationInputs, criteria: TargetCriteria | None = None) -> WeeklyEvaluation:
    """The weekly verdict of loaded inputs."""
    evaluator = WeeklyTargetEvaluator(criteria or TargetCriteria())
    return evaluator.evaluate(inputs.equity, inputs.charges_paid, trade_pnl(inputs.trades),
                              charges_known=inputs.charges_known)


def bootstrap_section(evaluation: WeeklyEvaluation) -> dict[str, Any] | None:
    """Block-bootstrap summary (percent) of the full weeks' gross returns, or None with < 2 weeks."""
    full = evaluation.full_weeks
    if len(full) < 2:
        return None
    boot = block_bootstrap_mean(full["gross_return"].to_numpy(), evaluation.targets.weekly_return)
    return {
        "mean_pct": round(boot.mean * 100, 4),
        "low_pct": round(boot.low * 100, 4),
        "high_pct": round(boot.high * 100, 4),
        "level": boot.level,
        "prob_at_least_target": round(boot.prob_at_least_target, 4),
        "block_weeks": boot.block,
        "resamples": boot.resamples,
    }


def write_inputs_report(
    out_dir: Path,
    inputs: EvaluationInputs,
    evaluation: WeeklyEvaluation,
    robustness: dict[str, Any] | None = None,
    benchmark: pd.Series | None = None,
) -> Path:
    """Write ``report.json``/``report.html`` with a bootstrap added to ``robustness``;
    ``benchmark``: an index's session closes by date (see :mod:`vyapari.evaluation.benchmark`)."""
    from vyapari.evaluation.report import write_report

    extra = dict(robustness or {})
    boot = bootstrap_section(evaluation)
    if boot is not None:
        extra.setdefault("bootstrap_mean_weekly_gross_return", boot)
    summary = inputs.summary or {}
    return write_report(
        out_dir,
        evaluation,
        inputs.equity,
        inputs.trades,
        summary,
        extra,
        title=f"vyapari: {summary.get('strategy', 'equity curve')}",
        benchmark=benchmark,
        charges_paid=inputs.charges_paid if inputs.trades is not None and inputs.charges is None else None,
    )


def evaluate_run_dir(
    run_dir: Path,
    out_dir: Path | None = None,
    criteria: TargetCriteria | None = None,
    robustness: dict[str, Any] | None = None,
    benchmark: pd.Series | None = None,
) -> tuple[WeeklyEvaluation, Path]:
    """Evaluate a backtest folder and write its report into ``out_dir`` (default: the folder).

    Returns the evaluation and the path of ``report.html``.
    """
    inputs = load_run_dir(run_dir)
    evaluation = evaluate_inputs(inputs, criteria)
    return evaluation, write_inputs_report(out_dir or run_dir, inputs, evaluation, robustness, benchmark)


def evaluate_equity_file(
    path: Path, criteria: TargetCriteria | None = None, trades_path: Path | None = None,
    basis: str | None = None,
) -> WeeklyEvaluation:
    """Evaluate an equity file, optionally with trades (``ts``, ``charges_inr``, ``realised_pnl_inr``)."""
    return evaluate_inputs(load_equity_file(path, trades_path, basis), criteria)
