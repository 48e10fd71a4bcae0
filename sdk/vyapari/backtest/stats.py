"""Performance statistics of an equity curve and its trades (pure numpy).

Conventions: returns are simple returns; daily figures use the equity at each session's
last slice; annualisation assumes 252 sessions a year; the risk-free rate is 0.
"""

from __future__ import annotations

import math

import numpy as np

SESSIONS_PER_YEAR = 252


def max_drawdown(equity: np.ndarray) -> tuple[float, int]:
    """Largest peak-to-trough fall as a fraction (≥ 0) and its duration in slices
    (from the peak to the recovery, or to the end if never recovered)."""
    if equity.size == 0:
        return 0.0, 0
    peaks = np.maximum.accumulate(equity)
    dd = np.where(peaks > 0, 1.0 - equity / peaks, 0.0)
    worst = float(dd.max())
    edges = np.diff(np.concatenate(([0], (dd > 0).astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # runs of underwater slices
    return worst, int((ends - starts).max()) if starts.size else 0


def session_closes(equity: np.ndarray, session: np.ndarray) -> np.ndarray:
    """Equity at the last slice of each session."""
    if equity.size == 0:
        return equity
    last = np.append(session[1:] != session[:-1], True)
    return equity[last]


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den > 0 else 0.0


def compute_statistics(
    equity: np.ndarray,
    session: np.ndarray,
    capital: float,
    realised: np.ndarray,
    turnover_inr: float,
    exposure_slices: int,
) -> dict[str, float]:
    """The statistics block of a backtest summary (fractions, not percentages)."""
    final = float(equity[-1]) if equity.size else capital
    total_return = final / capital - 1.0
    daily = session_closes(equity, session)
    daily_ret = np.diff(np.concatenate(([capital], daily))) / np.concatenate(([capital], daily[:-1]))
    sessions = max(len(daily), 1)
    growth = max(final / capital, 1e-12)
    annual = growth ** (SESSIONS_PER_YEAR / sessions) - 1.0
    vol = float(daily_ret.std(ddof=1)) * math.sqrt(SESSIONS_PER_YEAR) if len(daily_ret) > 1 else 0.0
    mean = float(daily_ret.mean()) if len(daily_ret) else 0.0
    downside = daily_ret[daily_ret < 0]
    down_dev = float(np.sqrt((downside**2).sum() / len(daily_ret))) if len(daily_ret) else 0.0
    mdd, mdd_len = max_drawdown(equity)
    wins, losses = realised[realised > 0], realised[realised < 0]
    closed = wins.size + losses.size
    return {
        "total_return": total_return,
        "annualised_return": annual,
        "volatility": vol,
        "sharpe": _ratio(mean * SESSIONS_PER_YEAR, vol),
        "sortino": _ratio(mean * SESSIONS_PER_YEAR, down_dev * math.sqrt(SESSIONS_PER_YEAR)),
        "max_drawdown": mdd,
        "max_drawdown_duration_slices": float(mdd_len),
        "win_rate": _ratio(wins.size, closed),
        "profit_factor": _ratio(float(wins.sum()), float(-losses.sum())),
        "turnover": _ratio(turnover_inr, capital),
        "exposure": _ratio(exposure_slices, equity.size),
        "sessions": float(sessions),
    }


def drawdown_duration(closes: np.ndarray) -> int:
    """Sessions from the peak before the deepest drawdown of ``closes`` (one value per session,
    the starting capital first) to the session that regains that peak, or to the last session."""
    if closes.size == 0:
        return 0
    peaks = np.maximum.accumulate(closes)
    trough = int(np.argmax(1.0 - closes / peaks))
    if closes[trough] >= peaks[trough]:
        return 0
    peak_at = int(np.flatnonzero(closes[: trough + 1] == peaks[trough])[-1])
    recovered = np.flatnonzero(closes[trough:] >= peaks[trough])
    end = trough + int(recovered[0]) if recovered.size else closes.size - 1
    return end - peak_at


def tear_sheet_statistics(
    closes: np.ndarray, capital: float, trade_pnl: np.ndarray, *, max_drawdown: float | None = None
) -> dict[str, float]:
    """The tear sheet's statistics of session closing equity (₹) and closed trades' net P&L (₹).

    ``closes`` holds one equity value per session (the first session's close first); returns are
    ``close / previous close - 1`` with ``capital`` before the first session. Annualised with
    :data:`SESSIONS_PER_YEAR`, risk-free rate 0, population downside deviation for Sortino.
    ``max_drawdown`` (a fraction ≥ 0) may be given from the intraday curve, else it is taken from
    the closes. Fractions, except ``*_inr`` (₹), ``*_sessions`` and ``trades`` (counts).
    NaN where a figure is undefined (no losing trade for the profit factor, no drawdown for Calmar).
    """
    nan = float("nan")
    levels = np.concatenate(([capital], np.asarray(closes, dtype=float)))
    returns = levels[1:] / levels[:-1] - 1.0
    sessions = returns.size
    total = float(levels[-1] / capital - 1.0)
    cagr = float((levels[-1] / capital) ** (SESSIONS_PER_YEAR / sessions) - 1.0) if sessions else nan
    std = float(returns.std(ddof=1)) if sessions > 1 else nan
    mean = float(returns.mean()) if sessions else nan
    down = float(np.sqrt(np.mean(np.minimum(returns, 0.0) ** 2))) if sessions else nan
    root = math.sqrt(SESSIONS_PER_YEAR)
    peaks = np.maximum.accumulate(levels)
    mdd = float((1.0 - levels / peaks).max()) if max_drawdown is None else float(max_drawdown)
    pnl = np.asarray(trade_pnl, dtype=float)
    wins, losses = pnl[pnl > 0], pnl[pnl < 0]
    return {
        "total_return": total,
        "cagr": cagr,
        "volatility": std * root,
        "sharpe": mean / std * root if std > 0 else nan,
        "sortino": mean / down * root if down > 0 else nan,
        "calmar": cagr / mdd if mdd > 0 else nan,
        "max_drawdown": mdd,
        "max_drawdown_sessions": float(drawdown_duration(levels)),
        "sessions": float(sessions),
        "trades": float(pnl.size),
        "win_rate": wins.size / pnl.size if pnl.size else nan,
        "profit_factor": float(wins.sum() / -losses.sum()) if losses.size else nan,
        "avg_win_inr": float(wins.mean()) if wins.size else nan,
        "avg_loss_inr": float(losses.mean()) if losses.size else nan,
        "expectancy_inr": float(pnl.mean()) if pnl.size else nan,
    }
