"""A parameter sweep in the notebook: every grid point backtested on one panel, ranked, with a
heatmap of two parameters and the deflated Sharpe ratio of the best (trials = grid points).

Runs in this process (for the lake-wide process pool, use ``vyapari sweep``). Statistics are
fractions as in ``summary.json``; the deflated Sharpe is a probability (0..1).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from vyapari.research.run import BacktestRun
    from vyapari.strategy.panel import BarPanel

LOWER_IS_BETTER = {"max_drawdown"}


class SweepRun:
    """The runs of a sweep, best first by ``rank_by``."""

    def __init__(self, runs: list[BacktestRun], names: list[str], rank_by: str) -> None:
        self.rank_by = rank_by
        self.names = names
        rows = [{**{n: r.params.get(n) for n in names}, **r.stats.to_dict()} for r in runs]
        frame = pd.DataFrame(rows)
        frame["_run"] = range(len(runs))
        ascending = rank_by in LOWER_IS_BETTER
        frame = frame.sort_values(rank_by, ascending=ascending, na_position="last", kind="stable")
        self._runs = [runs[i] for i in frame["_run"]]
        frame.insert(0, "rank", range(1, len(frame) + 1))
        self.ranking = frame.drop(columns="_run").reset_index(drop=True)

    @property
    def strategy(self) -> str:
        """The strategy's own name."""
        return self._runs[0].strategy

    @property
    def trials(self) -> int:
        """How many parameter sets were tried (what the deflated Sharpe accounts for)."""
        return len(self._runs)

    @property
    def best(self) -> BacktestRun:
        """The best run by ``rank_by``."""
        return self._runs[0]

    def run(self, rank: int) -> BacktestRun:
        """The run ranked ``rank`` (1 = best)."""
        return self._runs[rank - 1]

    @cached_property
    def deflated_sharpe(self) -> float | None:
        """Deflated Sharpe ratio of the best run's daily returns given all trials (None if < 2)."""
        from vyapari.backtest.stats import SESSIONS_PER_YEAR
        from vyapari.evaluation.robustness import deflated_sharpe_ratio

        sharpes = self.ranking["sharpe"].dropna().to_numpy(dtype=float)
        if len(sharpes) < 2:
            return None
        equity = self.best.equity["equity"]
        daily = equity.groupby(equity.index.date).last().pct_change().dropna().to_numpy()
        per_period = sharpes / math.sqrt(SESSIONS_PER_YEAR)
        value = deflated_sharpe_ratio(
            daily, trials=self.trials, trial_sharpe_variance=float(per_period.var(ddof=1))
        )
        return None if math.isnan(value) else float(value)

    def heatmap(self, x: str | None = None, y: str | None = None, metric: str | None = None) -> Any:
        """A plotly heatmap of ``metric`` (default ``rank_by``) over parameters ``x`` and ``y``
        (default: the grid's first two)."""
        from vyapari.research.figures import heatmap_figure

        if len(self.names) < 2 and (x is None or y is None):
            raise ValueError("heatmap: the grid has fewer than two parameters; name x and y")
        x, y = x or self.names[0], y or self.names[1]
        metric = metric or self.rank_by
        title = f"{self.strategy}: {metric} by {x} and {y} ({self.trials} trials)"
        return heatmap_figure(self.ranking, x, y, metric, title)

    def __repr__(self) -> str:
        dsr = self.deflated_sharpe
        shown = "n/a" if dsr is None else f"{dsr:.3f}"
        return (
            f"<SweepRun {self.strategy}: {self.trials} trials ranked by {self.rank_by}; best "
            f"{self.best.params}, deflated Sharpe {shown}>"
        )


def sweep(
    strategy: str,
    grid: Mapping[str, Sequence[Any]],
    bars: BarPanel,
    *,
    params: Mapping[str, Any] | None = None,
    rank_by: str = "sharpe",
    **backtest_options: Any,
) -> SweepRun:
    """Backtest ``strategy`` (a reference, as for :func:`run_backtest`) at every point of ``grid``
    overlaid on ``params`` on ``bars``; options as :func:`vyapari.research.api.run_backtest`."""
    from vyapari.research.api import run_backtest

    names = list(grid)
    if not names or any(len(grid[n]) == 0 for n in names):
        raise ValueError("grid: give every parameter a non-empty list of values")
    runs = [
        run_backtest(
            strategy,
            bars,
            params={**(params or {}), **dict(zip(names, point, strict=True))},
            **backtest_options,
        )
        for point in itertools.product(*(grid[n] for n in names))
    ]
    if rank_by not in runs[0].stats.index:
        raise ValueError(f"rank_by: {rank_by!r} is not one of {', '.join(runs[0].stats.index)}")
    return SweepRun(runs, names, rank_by)
