"""Robustness checks that re-run a backtest: cost sensitivity and walk-forward.

Both take a strategy factory (``params -> Strategy``) so every run starts from a fresh
strategy, the bar panel and the run's :class:`~vyapari.backtest.config.BacktestConfig`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from vyapari.backtest.config import BacktestConfig
from vyapari.backtest.engine import run_backtest
from vyapari.backtest.results import BacktestResult
from vyapari.costs.scaled import ScaledFees
from vyapari.evaluation.robustness import Window, cost_sensitivity, walk_forward, walk_forward_windows
from vyapari.evaluation.weekly import WeeklyTargetEvaluator
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.strategy import Strategy

Factory = Callable[[Mapping[str, Any]], Strategy]


def equity_series(result: BacktestResult) -> pd.Series:
    """The run's equity curve (₹) indexed by IST bar start."""
    return pd.Series(result.equity, index=result.panel.timestamps())


def sessions_panel(panel: BarPanel, first: date, last: date) -> BarPanel:
    """The slices of ``panel`` whose session date lies in ``[first, last]``."""
    dates = panel.session_dates.astype("datetime64[D]")
    keep_sessions = np.flatnonzero((dates >= np.datetime64(first)) & (dates <= np.datetime64(last)))
    return panel.sessions_between(int(keep_sessions[0]), int(keep_sessions[-1]))


def cost_sensitivity_of(
    factory: Factory, params: Mapping[str, Any], panel: BarPanel, config: BacktestConfig
) -> list[dict[str, Any]]:
    """Mean weekly net return at 1×, 2× and 3× the modelled costs (flags ``dies_at_2x``)."""
    evaluator = WeeklyTargetEvaluator()

    def run_at(multiplier: float) -> BacktestResult:
        fees = config.fees if multiplier == 1 else ScaledFees(config.fees, multiplier)
        return run_backtest(factory(params), panel, dataclasses.replace(config, fees=fees))

    def summarise(result: BacktestResult) -> float:
        return evaluator.evaluate(equity_series(result)).mean_weekly_net_return

    return cost_sensitivity(run_at, summarise)


def walk_forward_of(
    factory: Factory,
    grid: list[dict[str, Any]],
    panel: BarPanel,
    config: BacktestConfig,
    in_sample: int,
    out_of_sample: int,
    metric: str = "pnl_inr",
) -> dict[str, Any]:
    """Choose the best of ``grid`` by ``metric`` on each in-sample window, score it out of sample."""
    days = [d.item() for d in panel.session_dates.astype("datetime64[D]")]
    windows = walk_forward_windows(days, in_sample, out_of_sample)

    def choose(window: Window) -> dict[str, Any]:
        part = sessions_panel(panel, window.in_start, window.in_end)
        scores = [run_backtest(factory(p), part, config).summary[metric] for p in grid]
        return grid[int(np.argmax(scores))]

    def score(params: dict[str, Any], window: Window) -> pd.Series:
        return equity_series(
            run_backtest(factory(params), sessions_panel(panel, window.out_start, window.out_end), config)
        )

    curve, chosen = walk_forward(windows, choose, score)
    total = float(curve.iloc[-1] / curve.iloc[0] - 1) if len(curve) else float("nan")
    return {
        "windows": len(windows),
        "in_sample_sessions": in_sample,
        "out_of_sample_sessions": out_of_sample,
        "chosen": chosen,
        "out_of_sample_return": total,
    }
