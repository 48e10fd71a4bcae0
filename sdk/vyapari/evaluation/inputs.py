"""Read the evaluator's inputs from files: an equity curve and, optionally, trades.

Equity: CSV or Parquet with a ``timestamp`` (or ``ts``) column and an ``equity`` column (₹).
Timestamps are ISO 8601 text or datetimes; naive ones mean IST, ones with offsets are converted
to IST (a file mixing naive and offset timestamps is rejected). Trades: CSV or Parquet with a
``ts`` column and, optionally, ``charges_inr``, ``realised_pnl_inr`` and per-charge ``*_inr``
columns (the backtest's ``trades.parquet``).

Every problem raises :class:`~vyapari.core.errors.InvalidInput` whose field is the file, so the
CLI prints one line naming the file and the problem.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from vyapari.core.errors import InvalidInput
from vyapari.core.time import IST
from vyapari.evaluation.weekly import as_ist_curve

_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
# ``*_inr`` trade columns that are not charges
NOT_CHARGES = frozenset({"notional_inr", "charges_inr", "realised_pnl_inr", "price_inr", "pnl_inr"})


def read_table(path: Path) -> pd.DataFrame:
    """A CSV (any suffix but ``.parquet``/``.pq``) or Parquet file as a frame."""
    if not path.is_file():
        raise InvalidInput(str(path), "no such file")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise InvalidInput(str(path), f"cannot be read ({type(exc).__name__}: {first})") from None


def parse_timestamps(values: pd.Series, where: str) -> pd.DatetimeIndex:
    """IST timestamps from datetimes or ISO 8601 text (naive = IST, offsets converted)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(values.dtype):
        index = pd.DatetimeIndex(values)
    elif pd.api.types.is_numeric_dtype(values.dtype):
        raise InvalidInput(where, "unparseable timestamps (numbers; expected ISO 8601 date-times)")
    else:
        text = values.astype(str).str.strip()
        with_offset = text.str.contains(_OFFSET)
        if with_offset.any() and not with_offset.all():
            raise InvalidInput(where, "unparseable timestamps (some have a UTC offset and some do not)")
        try:
            index = pd.DatetimeIndex(pd.to_datetime(text, format="ISO8601", utc=bool(with_offset.all())))
        except (ValueError, TypeError) as exc:
            first = str(exc).splitlines()[0]
            raise InvalidInput(where, f"unparseable timestamps ({first})") from None
    return index.tz_localize(IST) if index.tz is None else index.tz_convert(IST)


def read_equity(path: Path) -> pd.Series:  # a backtest's equity.parquet: net of charges
    """The equity curve (₹) of a CSV or Parquet file, on a sorted IST index.

    Raises :class:`InvalidInput` naming ``path`` for a missing file, missing columns,
    unparseable or duplicate timestamps, and equity that is missing or not positive.
    """
    frame = read_table(path)
    column = next((c for c in ("timestamp", "ts") if c in frame.columns), None)
    if column is None or "equity" not in frame.columns:
        have = ", ".join(map(str, frame.columns)) or "none"
        raise InvalidInput(str(path), f"needs columns timestamp (or ts) and equity; has {have}")
    index = parse_timestamps(frame[column], str(path))
    values = pd.to_numeric(frame["equity"], errors="coerce").to_numpy(dtype=float)
    return as_ist_curve(pd.Series(values, index=index), str(path))


BASES = ("gross", "net")


def read_equity_file(path: Path, basis: str | None) -> tuple[pd.Series, str, pd.Series | None]:
    """An equity file that says whether it is gross or net of charges: ``(curve, basis, charges)``.

    Columns: ``net_equity`` and/or ``gross_equity`` name their basis (with both, ``charges`` is
    their difference, cumulative ₹); a plain ``equity`` column needs ``basis`` (``gross`` or
    ``net``), else the file is ambiguous and refused. ``curve`` is the net curve when the file has
    one, else the gross one.
    """
    frame = read_table(path)
    column = next((c for c in ("timestamp", "ts") if c in frame.columns), None)
    named = [c for c in ("net_equity", "gross_equity") if c in frame.columns]
    if column is None or not (named or "equity" in frame.columns):
        have = ", ".join(map(str, frame.columns)) or "none"
        raise InvalidInput(str(path), f"needs columns timestamp (or ts) and equity (or net_equity, "
                                      f"gross_equity); has {have}")
    index = parse_timestamps(frame[column], str(path))

    def curve(name: str) -> pd.Series:
        values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
        return as_ist_curve(pd.Series(values, index=index), str(path))

    if named:
        if basis is not None and f"{basis}_equity" not in named:
            raise InvalidInput("--basis", f"{basis}, but {path} has {', '.join(named)}")
        if len(named) == 2:
            net, gross = curve("net_equity"), curve("gross_equity")
            return net, "net", gross - net
        return curve(named[0]), named[0].split("_")[0], None
    if basis not in BASES:
        raise InvalidInput(
            str(path),
            "its equity column does not say whether it is gross or net of charges: pass --basis gross "
            "or --basis net, or name the column net_equity / gross_equity",
        )
    return curve("equity"), str(basis), None


def read_trades(path: Path) -> pd.DataFrame:
    """Trades (CSV or Parquet) with ``ts`` as IST timestamps and numeric ``*_inr`` columns."""
    frame = read_table(path)
    if "ts" not in frame.columns:
        have = ", ".join(map(str, frame.columns)) or "none"
        raise InvalidInput(str(path), f"needs a ts column; has {have}")
    frame = frame.copy()
    frame["ts"] = parse_timestamps(frame["ts"], str(path))
    for column in [c for c in frame.columns if str(c).endswith("_inr")]:
        numbers = pd.to_numeric(frame[column], errors="coerce")
        if numbers.isna().any():
            raise InvalidInput(str(path), f"column {column} has blanks or non-numbers")
        frame[column] = numbers.astype(float)
    return frame


def cumulative_charges(trades: pd.DataFrame, index: pd.DatetimeIndex) -> pd.Series:
    """Charges paid (₹) at or before each time of ``index``, from trades' ``ts`` and ``charges_inr``."""
    if trades.empty or "charges_inr" not in trades.columns:
        return pd.Series(0.0, index=index)
    per_time = trades.groupby("ts")["charges_inr"].sum().sort_index().cumsum()
    aligned = per_time.reindex(index.union(per_time.index)).ffill().reindex(index)
    return aligned.fillna(0.0)


def trade_pnl(trades: pd.DataFrame | None) -> np.ndarray | None:
    """Realised P&L (₹) per trade row, or None when there is no ``realised_pnl_inr`` column."""
    if trades is None or "realised_pnl_inr" not in trades.columns:
        return None
    return trades["realised_pnl_inr"].to_numpy(dtype=float)


def charges_breakdown(trades: pd.DataFrame | None) -> dict[str, float]:
    """Sum (₹, to the paisa) of each ``*_inr`` charge column; ``charges`` alone if only the total exists."""
    if trades is None or trades.empty:
        return {}
    items = {
        str(c).removesuffix("_inr"): round(float(trades[c].sum()), 2)
        for c in trades.columns
        if str(c).endswith("_inr") and c not in NOT_CHARGES
    }
    if not items and "charges_inr" in trades.columns:
        items = {"charges": round(float(trades["charges_inr"].sum()), 2)}
    return items
