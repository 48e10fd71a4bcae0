"""Price adjustment on read: splits and bonuses (optionally dividends) from the curated actions.

Stored prices are never rewritten: :func:`adjust_bars` returns an adjusted copy of a bar frame.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from vyapari.core.time import IST
from vyapari.data import layout
from vyapari.data.corporate_actions import ActionKind, CorporateAction, adjustment_factors
from vyapari.data.parquet_io import from_parquet_bytes
from vyapari.data.storage import ObjectStore


def _row_action(row: dict[str, object]) -> CorporateAction:
    num, den, amount = row["ratio_num"], row["ratio_den"], row["amount_inr"]
    ratio = Fraction(int(num), int(den)) if num is not None and den is not None else None  # type: ignore[call-overload]
    return CorporateAction(
        symbol=str(row["symbol"]), ex_date=row["ex_date"], kind=ActionKind(row["kind"]),  # type: ignore[arg-type]
        ratio=ratio, amount_inr=Decimal(str(amount)) if amount is not None else None,
        purpose=str(row["purpose"] or ""), series=str(row["series"] or ""),
    )


def load_actions(store: ObjectStore, exchange: str = "NSE") -> dict[str, list[CorporateAction]]:
    """Curated corporate actions by symbol, de-duplicated across ingested files."""
    seen: set[tuple[object, ...]] = set()
    by_symbol: dict[str, list[CorporateAction]] = defaultdict(list)
    for key in store.list(layout.actions_prefix(exchange)):
        for row in from_parquet_bytes(store.get(key)).to_pylist():
            ident = (row["symbol"], row["ex_date"], row["kind"], row["ratio_num"], row["ratio_den"],
                     row["amount_inr"])
            if ident in seen:
                continue
            seen.add(ident)
            by_symbol[str(row["symbol"])].append(_row_action(row))
    return dict(by_symbol)


def adjust_bars(bars: pd.DataFrame, actions: dict[str, list[CorporateAction]],
                dividends: bool = False) -> pd.DataFrame:
    """A copy of ``bars`` (``symbol, ts, open, high, low, close, volume``) adjusted backwards.

    Prices of bars whose IST session date is before an ex-date are divided by the share ratio and
    volumes multiplied by it (rounded to whole shares).
    """
    out = bars.copy()
    for col in ("open", "high", "low", "close"):
        out[col] = out[col].astype(np.float64)
    volume = out["volume"].to_numpy(dtype=np.float64).copy()
    for symbol, idx in out.groupby("symbol", sort=False).indices.items():
        acts = actions.get(str(symbol))
        if not acts:
            continue
        days = out["ts"].iloc[idx].dt.tz_convert(IST).dt.tz_localize(None).to_numpy(dtype="datetime64[D]")
        closes = out["close"].to_numpy()[idx]
        price_f, vol_f = adjustment_factors(days, acts, closes, dividends)
        for col in ("open", "high", "low", "close"):
            values = out[col].to_numpy().copy()
            values[idx] = values[idx] * price_f
            out[col] = values
        volume[idx] = volume[idx] * vol_f
    out["volume"] = np.round(volume).astype(np.int64)
    return out
