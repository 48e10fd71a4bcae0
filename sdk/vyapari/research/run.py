"""A backtest's results as a quant expects them in a notebook: DataFrames, statistics, figures.

Wraps :class:`vyapari.backtest.results.BacktestResult`; tables are built on first use and kept.
Times are IST, amounts ₹, statistics as in ``summary.json`` (fractions).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from vyapari.backtest.results import BacktestResult
    from vyapari.evaluation.result import WeeklyEvaluation
    from vyapari.evaluation.tearsheet import TearSheet


class BacktestRun:
    """The results of one backtest (see the module docstring)."""

    def __init__(self, result: BacktestResult) -> None:
        self.result = result

    # ----- identity and numbers ---------------------------------------------------------
    @property
    def strategy(self) -> str:
        """The strategy's own name."""
        return self.result.strategy

    @property
    def params(self) -> dict[str, Any]:
        """The parameters it ran with."""
        return dict(self.result.params)

    @property
    def summary(self) -> dict[str, Any]:
        """What ``summary.json`` holds (amounts ₹, statistics fractions)."""
        return self.result.summary

    @property
    def notes(self) -> list[str]:
        """What to know about the run (why it left the array kernel, mostly rejected orders)."""
        return list(self.result.notes)

    @cached_property
    def stats(self) -> pd.Series:
        """Headline figures: P&L, charges, orders, fills and the statistics (Sharpe, drawdown, …)."""
        s = self.summary
        head = {
            k: s[k]
            for k in ("pnl_inr", "gross_pnl_inr", "charges_inr", "final_equity_inr", "orders", "fills")
        }
        return pd.Series({**head, **s["statistics"]}, name=self.strategy)

    # ----- tables ------------------------------------------------------------------------
    @cached_property
    def trades(self) -> pd.DataFrame:
        """Every fill with its itemised charges and realised P&L (``trades.parquet``)."""
        return self.result.trades_frame()

    @cached_property
    def round_trips(self) -> pd.DataFrame:
        """Entries paired with exits first-in-first-out per symbol, with P&L and holding time."""
        from vyapari.backtest.round_trips import round_trips

        return round_trips(self.trades)

    @cached_property
    def equity(self) -> pd.DataFrame:
        """Equity (₹) and drawdown (fraction ≤ 0) per bar, indexed by ``ts`` (IST bar start)."""
        frame = self.result.equity_frame().set_index("ts")
        frame["drawdown"] = frame["equity"] / frame["equity"].cummax() - 1
        return frame

    @cached_property
    def orders(self) -> pd.DataFrame:
        """Every order with its status and rejection reason (``orders.parquet``)."""
        return self.result.orders_frame()

    @cached_property
    def positions(self) -> pd.DataFrame:
        """Position changes per symbol (``positions.parquet``)."""
        return self.result.positions_frame()

    # ----- verdict, figures, files ----------------------------------------------------
    def evaluate(self) -> WeeklyEvaluation:
        """The weekly verdict against the targets (see :func:`vyapari.research.api.evaluate`)."""
        from vyapari.research.api import evaluate

        return evaluate(self)

    def plot(self) -> Any:
        """Equity and drawdown on a trading-time axis (no nights or weekends): a plotly figure."""
        from vyapari.research.figures import equity_figure

        return equity_figure(self.equity, f"{self.strategy} {self.params}")

    def report(self, benchmark: pd.Series | None = None) -> Any:
        """The tear sheet as one plotly figure: equity and drawdown on trading time, weekly returns
        and the verdict, monthly returns, P&L per symbol, charges, statistics and parameters.
        ``benchmark``: an index's session closes by date (e.g. NIFTY 50), for its line and beta/alpha."""
        from vyapari.research.figures import report_figure

        return report_figure(self.equity["equity"], self.evaluate(), f"{self.strategy} {self.params}",
                             self.trades, self.summary, benchmark)

    def tear_sheet(self, benchmark: pd.Series | None = None) -> TearSheet:
        """The tear sheet's figures and tables (statistics, monthly returns, P&L per symbol, ...)."""
        from vyapari.evaluation.tearsheet import build_tear_sheet

        return build_tear_sheet(self.equity["equity"], self.trades, self.summary, benchmark)

    def write(self, out_dir: str | Path, *, report: bool = True) -> Path:
        """Write the result files (and ``report.html``) as ``vyapari backtest --out`` does."""
        out = Path(out_dir)
        self.result.write(out)
        if report:
            from vyapari.evaluation.run import evaluate_run_dir

            evaluate_run_dir(out)
        return out

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"<BacktestRun {self.strategy} {self.params}: {s['fills']} fills, P&L ₹{s['pnl_inr']:,.2f} "
            f"after ₹{s['charges_inr']:,.2f} charges, {s['path']} path>"
        )

    def _repr_html_(self) -> str:
        import html

        table = self.stats.to_frame().to_html(float_format=lambda x: f"{x:,.4f}")
        notes = "".join(f"<p>{html.escape(n)}</p>" for n in self.notes)
        return f"<h4>{html.escape(repr(self))}</h4>{notes}{table}"
