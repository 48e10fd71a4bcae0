"""Hand-built equity curves and backtest folders whose weekly figures are known."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from vyapari.core.time import IST
from vyapari.market.calendar import get_calendar
from vyapari.model.enums import Exchange

CAL = get_calendar(Exchange.NSE)


def sessions(start: date, end: date) -> list[date]:
    return [s.session_date for s in CAL.sessions(start, end)]


def at_close(days: list[date]) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(
        [pd.Timestamp(d).tz_localize(IST) + pd.Timedelta(hours=15, minutes=29) for d in days]
    )


def weekly_curve(days: list[date], weekly_return: float, start: float = 1_000_000.0) -> pd.Series:
    """Each ISO week ends exactly ``weekly_return`` above the previous week's end, rising smoothly."""
    weeks = [d.isocalendar()[:2] for d in days]
    values, prev_week_end = [], start
    for i, w in enumerate(weeks):
        in_week = [j for j, x in enumerate(weeks) if x == w]
        k = in_week.index(i) + 1
        if w == weeks[0]:  # the first week runs from the first point (its own first session)
            level = start * (1 + weekly_return * (k - 1) / max(len(in_week) - 1, 1))
        else:
            level = prev_week_end * (1 + weekly_return * k / len(in_week))
        values.append(level)
        if k == len(in_week):
            prev_week_end = level
    return pd.Series(values, index=at_close(days))


# 2025-09-01 (Mon) .. 2025-10-31 (Fri): nine full ISO weeks, with 2 Oct and the Diwali week inside
NINE_WEEKS = sessions(date(2025, 9, 1), date(2025, 10, 31))


def write_run_dir(run_dir: Path, weekly: float = 0.01, charge: float = 20.0) -> pd.Series:
    """A backtest output folder: equity.parquet, trades.parquet (one ₹``charge`` fill a session)
    and summary.json, like ``vyapari backtest --out``; returns the equity curve."""
    run_dir.mkdir(parents=True, exist_ok=True)
    equity = weekly_curve(NINE_WEEKS, weekly)
    pd.DataFrame({"ts": equity.index, "equity": equity.to_numpy()}).to_parquet(run_dir / "equity.parquet")
    n = len(equity)
    pnl = np.where(np.arange(n) % 2 == 1, np.where(np.arange(n) % 4 == 1, 150.0, -50.0), 0.0)
    trades = pd.DataFrame(
        {
            "trade_id": [f"r-T{i:08d}" for i in range(n)],
            "ts": equity.index - pd.Timedelta(minutes=10),
            "symbol": "RELIANCE",
            "side": np.where(np.arange(n) % 2 == 0, "BUY", "SELL"),
            "quantity": 10,
            "price": 2500.0,
            "notional_inr": 25_000.0,
            "brokerage_inr": charge * 0.5,
            "stt_inr": charge * 0.5,
            "charges_inr": charge,
            "realised_pnl_inr": pnl,
        }
    )
    trades.to_parquet(run_dir / "trades.parquet")
    (run_dir / "summary.json").write_text(json.dumps({"strategy": "hand_built", "capital_inr": 1_000_000}))
    return equity
