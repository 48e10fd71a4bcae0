"""Backtest, load bars and evaluate from a notebook, with the CLI's defaults and conventions.

Amounts ₹, times IST; ``fees`` and ``slippage`` take the CLI's specs (``"zerodha"``, ``"bps:3"``,
``"volume"``, ...). A strategy is a :class:`~vyapari.strategy.strategy.Strategy` or a reference the
CLI accepts (``"sma_cross"``, ``"file.py:ClassName"``, ``"package.module:ClassName"``, an entry point).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from vyapari.evaluation.criteria import TargetCriteria
    from vyapari.evaluation.result import WeeklyEvaluation
    from vyapari.research.run import BacktestRun
    from vyapari.strategy.panel import BarPanel
    from vyapari.strategy.strategy import Strategy


def _date(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def load_bars(
    source: str | Path,
    *,
    symbols: Sequence[str] | None = None,
    start: date | str | None = None,
    end: date | str | None = None,
    exchange: str = "NSE",
    interval: str = "1m",
    adjusted: bool = False,
) -> BarPanel:
    """Bars from a folder of ``<SYMBOL>.parquet``/``.csv`` files or a lake root (it has ``curated/``;
    then ``start`` and ``end`` are required), aligned on the exchange's calendar (``interval`` and
    ``adjusted`` apply to a lake)."""
    from vyapari.core.errors import InvalidInput
    from vyapari.model.enums import Exchange
    from vyapari.strategy.feed import FolderDataFeed, LakeDataFeed, load_panel

    root = Path(source)
    wanted = [s.upper() for s in symbols] if symbols else None
    first, last = _date(start), _date(end)
    if (root / "curated").is_dir():
        if first is None or last is None:
            raise InvalidInput("start/end", f"{root} is a lake: give both start and end")
        feed: Any = LakeDataFeed(root, Exchange(exchange), wanted, interval, adjusted)
    elif root.is_dir():
        feed = FolderDataFeed(root, wanted)
    else:
        raise InvalidInput("source", f"{root} is not a folder of bar files or a lake")
    return load_panel(feed, first, last, exchange=Exchange(exchange))


def synthetic_bars(
    symbols: int = 5, sessions: int = 10, *, seed: int = 7, end: date | str | None = None
) -> BarPanel:
    """Seeded random-walk minute bars on the real NSE calendar (for examples and tests)."""
    from vyapari.strategy.synthetic import random_walk_panel

    last = _date(end)
    if last is None:
        return random_walk_panel(symbols, sessions, seed=seed)
    return random_walk_panel(symbols, sessions, seed=seed, end=last)


def _strategy(strategy: Strategy | str, params: Mapping[str, Any] | None) -> Strategy:
    from vyapari.strategies import make_strategy
    from vyapari.strategy.strategy import Strategy as StrategyClass

    if isinstance(strategy, StrategyClass):
        if params:
            raise ValueError("params: give them to the strategy's constructor, or pass a reference name")
        return strategy
    return make_strategy(strategy, dict(params or {}))


def run_backtest(
    strategy: Strategy | str,
    bars: BarPanel | str | Path,
    *,
    params: Mapping[str, Any] | None = None,
    capital: float = 1_000_000.0,
    fees: str = "zerodha",
    slippage: str = "none",
    segment: str | None = None,
    fill_at: str = "next_open",
    path: str = "auto",
    start: date | str | None = None,
    end: date | str | None = None,
) -> BacktestRun:
    """Backtest ``strategy`` on ``bars`` (a panel, or a folder/lake path read with :func:`load_bars`)."""
    from vyapari.backtest.config import BacktestConfig
    from vyapari.backtest.engine import run_backtest as engine_run
    from vyapari.costs.spec import slippage_from_spec
    from vyapari.model.enums import Segment
    from vyapari.research.run import BacktestRun
    from vyapari.strategy.panel import BarPanel

    built = _strategy(strategy, params)
    panel = bars if isinstance(bars, BarPanel) else load_bars(bars, start=start, end=end)
    config = BacktestConfig(
        capital_inr=capital,
        fees=fees,  # a spec string, normalised by BacktestConfig
        slippage=slippage_from_spec(slippage),
        segment=Segment(segment) if segment else None,
        fill_at=fill_at,
        path=path,
        run_id=built.name,
    )
    return BacktestRun(engine_run(built, panel, config))


def evaluate(
    run: BacktestRun | pd.Series | str | Path, criteria: TargetCriteria | None = None
) -> WeeklyEvaluation:
    """The weekly verdict of a run, an equity series (₹, IST index) or a run folder / equity file;
    ``criteria`` default to the environment's targets (``TARGET_WEEKLY_RETURN_PCT``, ...)."""
    import os

    import pandas as pd

    from vyapari.evaluation.criteria import TargetCriteria
    from vyapari.evaluation.run import EvaluationInputs, evaluate_inputs, load_equity_file, load_run_dir
    from vyapari.research.run import BacktestRun

    if isinstance(run, BacktestRun):
        inputs = EvaluationInputs(run.equity["equity"], run.trades, run.summary)
    elif isinstance(run, pd.Series):
        inputs = EvaluationInputs(run)
    else:
        path = Path(run)
        inputs = load_run_dir(path) if path.is_dir() else load_equity_file(path)
    return evaluate_inputs(inputs, criteria or TargetCriteria.from_env(os.environ))
