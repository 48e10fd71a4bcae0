"""The tear sheet's figures and tables of a run, computed in O(sessions + trades) (pure pandas/numpy).

From the net equity curve (₹, IST, one point per bar), the fills (``trades.parquet``) and the
run's ``summary.json``: parameters, statistics (:func:`~vyapari.backtest.stats.tear_sheet_statistics`
on session closes and round trips), round trips with their holding time, monthly returns, P&L per
symbol, charges by component and as a share of gross P&L, and — given a benchmark's session closes
(e.g. NIFTY 50 from the lake) — beta and alpha against it. Fractions in code; ₹ amounts.
The only O(bars) steps are vectorised numpy passes (session closes, the intraday drawdown).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from vyapari.backtest.stats import SESSIONS_PER_YEAR, tear_sheet_statistics
from vyapari.evaluation.downsample import IST_OFFSET_NS, NS_PER_DAY
from vyapari.evaluation.inputs import charges_breakdown

ROUND_TRIP_NEEDS = frozenset({"ts", "symbol", "side", "quantity", "price", "charges_inr"})
PARAMETER_KEYS = ("strategy", "params", "start", "end", "symbols", "bars", "capital_inr", "fees",
                  "segment", "exchange", "fill_at", "path", "orders", "fills")


@dataclass(frozen=True)
class Benchmark:
    """A benchmark's session closes (index level by IST session date) and the run against it.

    ``beta`` is cov(run, benchmark) / var(benchmark) of daily returns on the sessions both have;
    ``alpha`` the annualised intercept ``(mean run − beta · mean benchmark) · 252`` (fraction);
    ``correlation`` their Pearson correlation; NaN with fewer than 3 common sessions.
    """

    name: str
    closes: pd.Series
    beta: float
    alpha: float
    correlation: float
    total_return: float
    sessions: int


@dataclass(frozen=True)
class TearSheet:
    """Everything the report and the notebook figures show beyond the weekly verdict."""

    parameters: dict[str, Any]
    statistics: dict[str, float]
    daily: pd.Series  # session closing equity (₹) by the session's last bar time (IST)
    capital: float
    round_trips: pd.DataFrame | None
    monthly: pd.DataFrame  # rows: year; columns: 1..12 and "year" (fractions; NaN: no session)
    per_symbol: pd.DataFrame | None
    charges: dict[str, float]
    gross_pnl_inr: float
    charges_inr: float
    benchmark: Benchmark | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def charges_share(self) -> float:
        """Charges as a fraction of gross P&L (NaN when gross P&L is not positive)."""
        return self.charges_inr / self.gross_pnl_inr if self.gross_pnl_inr > 0 else float("nan")


def session_closes(equity: pd.Series) -> pd.Series:
    """The equity at each IST session's last point, indexed by that point's time (O(bars), numpy)."""
    index = pd.DatetimeIndex(equity.index).as_unit("ns")  # asi8 is in the index's own unit
    ns = index.tz_convert("UTC").asi8 if index.tz is not None else index.asi8 - IST_OFFSET_NS
    day = (ns + IST_OFFSET_NS) // NS_PER_DAY
    last = np.flatnonzero(np.r_[day[1:] != day[:-1], True]) if len(day) else np.array([], dtype=int)
    return equity.iloc[last]


def monthly_returns(daily: pd.Series, capital: float) -> pd.DataFrame:
    """Calendar-month returns (fractions) of session closes, the first month from ``capital``:
    one row per year, columns 1..12 and ``year`` (the year's compounded return)."""
    if daily.empty:
        return pd.DataFrame(columns=[*range(1, 13), "year"], dtype=float)
    index = pd.DatetimeIndex(daily.index)
    periods = index.tz_localize(None).to_period("M") if index.tz is not None else index.to_period("M")
    month_end = daily.groupby(periods).last()
    levels = np.r_[capital, month_end.to_numpy(dtype=float)]
    returns = pd.Series(levels[1:] / levels[:-1] - 1, index=month_end.index)
    table = pd.DataFrame({"year": returns.index.year, "month": returns.index.month, "r": returns.to_numpy()})
    grid = table.pivot(index="year", columns="month", values="r").reindex(columns=range(1, 13))
    grid["year"] = (1 + grid[list(range(1, 13))].fillna(0)).prod(axis=1) - 1
    grid.columns = [*range(1, 13), "year"]
    return grid


def per_symbol_pnl(trades: pd.DataFrame, trips: pd.DataFrame | None) -> pd.DataFrame | None:
    """Per symbol: fills, round trips, realised gross P&L, charges and net (₹), best net first."""
    if "symbol" not in trades.columns or "realised_pnl_inr" not in trades.columns:
        return None
    codes, names = pd.factorize(trades["symbol"].astype(str), sort=True)
    n = len(names)
    charges = trades["charges_inr"].to_numpy(dtype=float) if "charges_inr" in trades.columns \
        else np.zeros(len(trades))
    table = pd.DataFrame({
        "symbol": np.asarray(names, dtype=object),
        "fills": np.bincount(codes, minlength=n),
        "gross_pnl_inr": np.bincount(codes, trades["realised_pnl_inr"].to_numpy(dtype=float), minlength=n),
        "charges_inr": np.bincount(codes, charges, minlength=n),
    })
    table["net_pnl_inr"] = table["gross_pnl_inr"] - table["charges_inr"]
    if trips is not None and not trips.empty:
        at = pd.Index(names).get_indexer(trips["symbol"].astype(str))
        count = np.bincount(at, minlength=n)
        won = np.bincount(at, (trips["net_pnl_inr"].to_numpy(dtype=float) > 0).astype(float), minlength=n)
        table["round_trips"] = count
        table["win_rate"] = np.where(count > 0, won / np.maximum(count, 1), np.nan)
    return table.sort_values("net_pnl_inr", ascending=False, kind="stable").reset_index(drop=True)


def benchmark_against(daily: pd.Series, capital: float, closes: pd.Series, name: str) -> Benchmark:
    """The run's daily returns against a benchmark's session closes (by IST date)."""
    days = pd.DatetimeIndex(daily.index)
    run = pd.Series(daily.to_numpy(dtype=float), index=days.tz_localize(None).normalize()
                    if days.tz is not None else days.normalize())
    levels = pd.Series(np.r_[capital, run.to_numpy()])
    run_ret = pd.Series((levels / levels.shift(1) - 1).to_numpy()[1:], index=run.index)
    bench = closes.copy()
    bench.index = pd.DatetimeIndex(pd.to_datetime(bench.index)).normalize()
    bench = bench[~bench.index.duplicated(keep="last")].sort_index()
    bench_ret = bench.pct_change()
    both = pd.concat([run_ret, bench_ret], axis=1, join="inner").dropna()
    nan = float("nan")
    beta = alpha = corr = nan
    if len(both) >= 3:
        x, y = both.iloc[:, 1].to_numpy(), both.iloc[:, 0].to_numpy()
        var = float(x.var(ddof=1))
        if var > 0:
            beta = float(np.cov(y, x, ddof=1)[0, 1] / var)
            alpha = float((y.mean() - beta * x.mean()) * SESSIONS_PER_YEAR)
            corr = float(np.corrcoef(y, x)[0, 1])
    shown = bench.loc[(bench.index >= run.index.min()) & (bench.index <= run.index.max())]
    total = float(shown.iloc[-1] / shown.iloc[0] - 1) if len(shown) > 1 else nan
    return Benchmark(name, shown, beta, alpha, corr, total, len(both))


def build_tear_sheet(
    equity: pd.Series,
    trades: pd.DataFrame | None = None,
    summary: dict[str, Any] | None = None,
    benchmark: pd.Series | None = None,
    benchmark_name: str = "NIFTY 50",
) -> TearSheet:
    """The tear sheet of a net equity curve (₹, IST index), its fills and its summary.

    ``benchmark``: the index's session closes (level by date), shown scaled to the capital and
    used for beta/alpha. Exposure and turnover come from the summary's statistics (the engine's
    definitions: share of bars holding a position; traded notional / capital), else turnover is
    the trades' notional / capital and exposure is unknown.
    """
    summary = summary or {}
    values = equity.to_numpy(dtype=float)
    capital = float(summary.get("capital_inr") or (values[0] if values.size else 0.0))
    daily = session_closes(equity)
    notes: list[str] = []
    trips = None
    if trades is not None and set(trades.columns) >= ROUND_TRIP_NEEDS:
        from vyapari.backtest.round_trips import round_trips

        trips = round_trips(trades)
    if trips is not None:
        pnl = trips["net_pnl_inr"].to_numpy(dtype=float)
    elif trades is not None and "realised_pnl_inr" in trades.columns:
        realised = trades["realised_pnl_inr"].to_numpy(dtype=float)
        pnl = realised[realised != 0]
        notes.append("trade statistics use the closing fills' realised P&L (gross): the trades have "
                     "no symbol/side/quantity/price to pair into round trips")
    else:
        pnl = np.array([])
    peaks = np.maximum.accumulate(values) if values.size else values
    intraday_dd = float((1 - values / peaks).max()) if values.size else 0.0
    stats = tear_sheet_statistics(daily.to_numpy(dtype=float), capital, pnl, max_drawdown=intraday_dd)
    engine = summary.get("statistics") or {}
    turnover = engine.get("turnover")
    if turnover is None and trades is not None and "notional_inr" in trades.columns and capital > 0:
        turnover = float(trades["notional_inr"].sum()) / capital
    stats["exposure"] = float(engine.get("exposure", math.nan))
    stats["turnover"] = float(turnover) if turnover is not None else math.nan
    if trips is not None and not trips.empty:
        hours = trips["holding"].dt.total_seconds().to_numpy() / 3600
        stats["avg_holding_hours"] = float(hours.mean())
        stats["median_holding_hours"] = float(np.median(hours))
    charges = charges_breakdown(trades)
    paid = float(trades["charges_inr"].sum()) if trades is not None and "charges_inr" in trades.columns \
        else float(summary.get("charges_inr", 0.0))
    final = float(values[-1]) if values.size else capital
    gross = float(summary.get("gross_pnl_inr", final - capital + paid))
    parameters = {k: summary[k] for k in PARAMETER_KEYS if k in summary}
    bench = None
    if benchmark is not None and not benchmark.empty and not daily.empty:
        bench = benchmark_against(daily, capital, benchmark, benchmark_name)
        stats["beta"], stats["alpha"] = bench.beta, bench.alpha
    return TearSheet(
        parameters=parameters,
        statistics=stats,
        daily=daily,
        capital=capital,
        round_trips=trips,
        monthly=monthly_returns(daily, capital),
        per_symbol=per_symbol_pnl(trades, trips) if trades is not None else None,
        charges=charges,
        gross_pnl_inr=gross,
        charges_inr=paid,
        benchmark=bench,
        notes=notes,
    )
