"""Round trips: fills paired first-in-first-out per symbol into entries and exits.

Each row is one matched quantity: opened by a fill (or part of one) and closed by a later
opposite fill. Charges are shared pro rata by quantity between the rows a fill takes part in.
Amounts in ₹, times in IST, ``holding`` a ``Timedelta`` of wall-clock time.

The pairing is vectorised (O(fills log fills), no Python loop per fill): every fill is split into
the part that closes the open position and the part that opens one (a fill that flips the
position does both); per symbol the opening and the closing quantities are laid end to end, and
first-in-first-out pairing is the overlap of the two piles' cumulative quantity intervals. A
position still open at the end gets a virtual close, which is dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = (
    "symbol",
    "direction",
    "quantity",
    "entry_ts",
    "exit_ts",
    "entry_price",
    "exit_price",
    "gross_pnl_inr",
    "charges_inr",
    "net_pnl_inr",
    "return_pct",
    "holding",
)


def _pieces(codes: np.ndarray, signed: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per fill (sorted by symbol, then time): the quantity it closes, the quantity it opens, and
    each symbol's position left open at its last fill."""
    starts = np.r_[True, codes[1:] != codes[:-1]]
    total = np.cumsum(signed)
    base = np.repeat(total[starts] - signed[starts], np.diff(np.r_[np.flatnonzero(starts), codes.size]))
    position = total - base
    before = position - signed
    opposite = np.sign(before) * np.sign(signed) < 0
    closes = np.where(opposite, np.minimum(np.abs(signed), np.abs(before)), 0)
    ends = np.r_[starts[1:], True]
    return closes, np.abs(signed) - closes, np.where(ends, position, 0)


def round_trips(trades: pd.DataFrame) -> pd.DataFrame:
    """Round trips of a trades table (``ts, symbol, side, quantity, price, charges_inr``), in the
    order they closed; positions still open at the end are left out."""
    if trades.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    codes = pd.factorize(trades["symbol"])[0]
    order = np.lexsort((np.arange(len(trades)), codes))  # by symbol, then as given (time order)
    qty = trades["quantity"].to_numpy(dtype=np.int64)[order]
    buy = (trades["side"] == "BUY").to_numpy(dtype=bool)
    signed = np.where(buy[order], qty, -qty)
    closes, opens, left = _pieces(codes[order], signed)
    fill = order  # original row of each sorted fill
    # the closing pile: each symbol's closes then its virtual close; the opening pile likewise
    c_rows = np.r_[fill, np.full(len(fill), -1)]
    c_qty = np.r_[closes, np.abs(left)]
    c_key = np.r_[codes[order] * 2, codes[order] * 2 + 1]
    c_sort = np.lexsort((np.r_[np.arange(len(fill)), np.arange(len(fill))], c_key))
    c_rows, c_qty = c_rows[c_sort], c_qty[c_sort]
    keep = c_qty > 0
    c_rows, c_qty = c_rows[keep], c_qty[keep]
    o_rows, o_qty = fill[opens > 0], opens[opens > 0]
    c_cum, o_cum = np.cumsum(c_qty), np.cumsum(o_qty)
    edges = np.union1d(c_cum, o_cum)
    matched = np.diff(np.r_[0, edges])
    ci = np.searchsorted(c_cum, edges, side="left")
    oi = np.searchsorted(o_cum, edges, side="left")
    real = c_rows[ci] >= 0
    exit_row, entry_row, quantity = c_rows[ci][real], o_rows[oi][real], matched[real]
    return _frame(trades, buy, (entry_row, exit_row, quantity))


def _frame(trades: pd.DataFrame, buy: np.ndarray, pairs: tuple[np.ndarray, np.ndarray, np.ndarray]
           ) -> pd.DataFrame:
    """The round-trip rows of (entry fill, exit fill, quantity) triples, in closing order."""
    entry, exit_, qty = pairs
    price = trades["price"].to_numpy(dtype=float)
    per_share = trades["charges_inr"].to_numpy(dtype=float) / trades["quantity"].to_numpy(dtype=float)
    sign = np.where(buy[entry], 1, -1)
    ts = pd.DatetimeIndex(trades["ts"])
    gross = sign * qty * (price[exit_] - price[entry])
    charges = qty * (per_share[entry] + per_share[exit_])
    frame = pd.DataFrame(
        {
            "symbol": trades["symbol"].iloc[exit_].reset_index(drop=True),
            "direction": np.where(sign > 0, "long", "short"),
            "quantity": qty.astype(np.int64),
            "entry_ts": ts[entry],
            "exit_ts": ts[exit_],
            "entry_price": price[entry],
            "exit_price": price[exit_],
            "gross_pnl_inr": gross,
            "charges_inr": charges,
            "net_pnl_inr": gross - charges,
            "return_pct": 100 * sign * (price[exit_] / price[entry] - 1),
            "holding": ts[exit_] - ts[entry],
        }
    )
    closing = np.lexsort((np.arange(len(frame)), exit_))  # by the closing fill, pieces FIFO
    frame = frame.iloc[closing]
    return frame.sort_values("exit_ts", kind="stable").reset_index(drop=True)
