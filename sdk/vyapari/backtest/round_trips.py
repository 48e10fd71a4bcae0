"""Round trips: fills paired first-in-first-out per symbol into entries and exits.

Each row is one matched quantity: opened by a fill (or part of one) and closed by a later
opposite fill. Charges are shared pro rata by quantity between the rows a fill takes part in.
Amounts in ₹, times in IST, ``holding`` a ``Timedelta`` of wall-clock time.
"""

from __future__ import annotations

from collections import deque
from typing import Any

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


def _close(lot: list[Any], fill: Any, qty: int, fill_charge_per_share: float) -> dict[str, Any]:
    """The row of ``qty`` shares of the open ``lot`` closed by ``fill``."""
    lot_qty, entry_price, entry_ts, lot_charge_per_share = lot
    sign = 1 if lot_qty > 0 else -1
    gross = sign * qty * (fill.price - entry_price)
    charges = qty * (lot_charge_per_share + fill_charge_per_share)
    return {
        "symbol": fill.symbol,
        "direction": "long" if sign > 0 else "short",
        "quantity": qty,
        "entry_ts": entry_ts,
        "exit_ts": fill.ts,
        "entry_price": entry_price,
        "exit_price": fill.price,
        "gross_pnl_inr": gross,
        "charges_inr": charges,
        "net_pnl_inr": gross - charges,
        "return_pct": 100 * sign * (fill.price / entry_price - 1),
        "holding": fill.ts - entry_ts,
    }


def round_trips(trades: pd.DataFrame) -> pd.DataFrame:
    """Round trips of a trades table (``ts, symbol, side, quantity, price, charges_inr``), in the
    order they closed; positions still open at the end are left out."""
    rows: list[dict[str, Any]] = []
    open_lots: dict[str, deque[list[Any]]] = {}
    for fill in trades.itertuples(index=False):
        signed = int(fill.quantity) if fill.side == "BUY" else -int(fill.quantity)
        per_share = float(fill.charges_inr) / abs(signed)
        lots = open_lots.setdefault(fill.symbol, deque())
        remaining = signed
        while remaining and lots and (lots[0][0] > 0) != (remaining > 0):
            lot = lots[0]
            qty = min(abs(lot[0]), abs(remaining))
            rows.append(_close(lot, fill, qty, per_share))
            lot[0] += qty if lot[0] < 0 else -qty
            remaining += qty if remaining < 0 else -qty
            if lot[0] == 0:
                lots.popleft()
        if remaining:
            lots.append([remaining, float(fill.price), fill.ts, per_share])
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.sort_values("exit_ts", kind="stable").reset_index(drop=True)
