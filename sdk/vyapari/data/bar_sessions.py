"""Bars checked against the calendar, stored session by session, and their coverage of the calendar.

Shared by the ingestion of a user's bar files (:mod:`vyapari.data.bar_ingest`) and the broker history
fetch (``vyapari history fetch``). Minute bars are labelled by their START instant in IST and must lie
in a session's ``[open, close)``; daily bars carry their session date. Prices in ₹, volume in units.

Storing is per (symbol, session): a session whose bars equal the stored ones is ``unchanged`` (nothing
is written), a new one is ``added``, a different one ``replaced``; month files are rewritten through
:func:`vyapari.data.minute_store.write_minute_months` (each replaced atomically).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from vyapari.core.time import IST
from vyapari.data import layout
from vyapari.data.minute_bars import NS_PER_MINUTE, session_index
from vyapari.data.minute_store import read_minute_months, write_minute_months
from vyapari.data.parquet_io import curated_parquet, from_parquet_bytes
from vyapari.data.rejections import RowIssue, RowProblem
from vyapari.data.storage import ObjectStore

if TYPE_CHECKING:
    from vyapari.market.calendar import TradingCalendar

PRICES = ("open", "high", "low", "close")
OUTSIDE_SESSION = "outside_session"


def _calendar(exchange: str) -> TradingCalendar:
    from vyapari.market.calendar import get_calendar

    return get_calendar({"NFO": "NSE", "BFO": "BSE"}.get(exchange, exchange))


def _ns(ts: pd.Series) -> np.ndarray:
    return ts.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").view(np.int64)


@dataclass
class Checked:
    """Bars that passed (``symbol, ts, open, high, low, close, volume``) and the rows dropped."""

    bars: pd.DataFrame
    dropped: list[RowIssue] = field(default_factory=list)


def _issue(row: pd.Series, problem: RowProblem | str, detail: str) -> RowIssue:
    # RowIssue.problem is a RowProblem; "outside_session" rides on BAD_DATE with the detail saying why
    kind = problem if isinstance(problem, RowProblem) else RowProblem.BAD_DATE
    return RowIssue(int(row["line"]), str(row["symbol"]), "", kind, detail)


def check_bars(frame: pd.DataFrame, exchange: str, *, daily: bool) -> Checked:
    """Drop and record unusable rows: bad ts, prices or volume, OHLC, duplicates, outside a session.

    ``frame`` has ``symbol, ts, open, high, low, close, volume, line`` with ``ts`` START-labelled.
    Exact duplicates keep their first row; rows of one (symbol, ts) that differ are all dropped.
    A clean minute frame of one symbol (a broker's answer) is checked in a few array passes.
    """
    clean = None if daily else _all_clean(frame, exchange)
    if clean is not None:
        return Checked(clean)
    bad: dict[int, RowIssue] = {}

    def drop(mask: pd.Series, problem: RowProblem | str, detail: str) -> None:
        for i in mask.index[mask.to_numpy(dtype=bool)]:
            if i not in bad:
                row = frame.loc[i]
                text = (detail if isinstance(problem, RowProblem)
                        else f"{OUTSIDE_SESSION}: {row['ts']} {detail}")
                bad[int(i)] = _issue(row, problem, text)

    drop(frame["ts"].isna(), RowProblem.BAD_DATE, "timestamp missing or unreadable")
    drop(frame[list(PRICES)].isna().any(axis=1), RowProblem.NON_NUMERIC, "a price is not a number")
    drop((frame[list(PRICES)] <= 0).any(axis=1), RowProblem.NON_POSITIVE_PRICE, "a price is <= 0")
    low_ok = frame["low"] <= frame[["open", "close"]].min(axis=1)
    high_ok = frame["high"] >= frame[["open", "close"]].max(axis=1)
    drop(~(low_ok & high_ok), RowProblem.OHLC_INCONSISTENT, "low <= open, close <= high does not hold")
    drop(frame["volume"].isna(), RowProblem.MISSING_VALUE, "volume missing")
    drop(frame["volume"] < 0, RowProblem.NEGATIVE_VOLUME, "volume < 0")
    ok = frame.drop(index=list(bad))
    ok = _drop_outside(ok, exchange, daily, drop)
    key = ["symbol", "ts"]
    exact = ok.duplicated([*key, *PRICES, "volume"], keep="first")
    drop(exact, RowProblem.DUPLICATE_ROW, "repeats an earlier row")
    ok = ok[~exact]
    clash = ok.duplicated(key, keep=False)
    drop(clash, RowProblem.CONFLICTING_DUPLICATE,
         "several different bars for one (symbol, ts)")
    ok = ok[~clash]
    bars = ok[["symbol", "ts", *PRICES, "volume"]].copy()
    bars["volume"] = bars["volume"].round().astype(np.int64)
    bars = bars.sort_values(key, kind="stable").reset_index(drop=True)
    return Checked(bars, sorted(bad.values(), key=lambda i: i.line))


def _all_clean(frame: pd.DataFrame, exchange: str) -> pd.DataFrame | None:
    """The checked bars of a one-symbol minute frame when no row would be dropped, else None.

    Sorted unique instants on the session grid, finite positive prices with low <= open, close <=
    high, volume >= 0: exactly what :func:`check_bars`'s row-by-row path keeps (NaN fails every
    comparison here, so any doubtful row sends the frame down that path, which names the problem).
    """
    if frame.empty or not isinstance(frame["ts"].dtype, pd.DatetimeTZDtype) or frame["ts"].isna().any():
        return None
    try:
        o, h, low, c, v = (frame[k].to_numpy(np.float64) for k in (*PRICES, "volume"))
    except (TypeError, ValueError):
        return None
    symbols = frame["symbol"].to_numpy()
    ns = _ns(frame["ts"])
    if not ((symbols == symbols[0]).all() and (np.diff(ns) > 0).all()):
        return None
    ok = np.isfinite(o) & np.isfinite(h) & np.isfinite(low) & np.isfinite(c) & (low > 0)
    ok &= (low <= np.minimum(o, c)) & (h >= np.maximum(o, c)) & (v >= 0)
    if not ok.all():
        return None
    local = ns[[0, -1]] + _IST_OFFSET_NS
    first, last = (date.fromordinal(int(d) // _NS_PER_DAY + _EPOCH_ORDINAL) for d in local)
    _, open_ns, close_ns = _calendar(exchange).session_bounds(first, last)
    if (session_index(ns, open_ns, close_ns) < 0).any() or (ns % NS_PER_MINUTE != 0).any():
        return None
    bars = frame[["symbol", "ts", *PRICES, "volume"]].reset_index(drop=True)
    bars["volume"] = bars["volume"].round().astype(np.int64)
    return bars


def _drop_outside(ok: pd.DataFrame, exchange: str, daily: bool,
                  drop: Callable[[pd.Series, str, str], None]) -> pd.DataFrame:
    if ok.empty:
        return ok
    cal = _calendar(exchange)
    local = ok["ts"].dt.tz_convert(IST)
    first, last = local.min().date(), local.max().date()
    if daily:
        sessions = {s.session_date for s in cal.sessions(first, last)}
        outside = ~local.dt.date.isin(sessions)
        drop(outside, OUTSIDE_SESSION, "is not a session date")
        return ok[~outside]
    _, open_ns, close_ns = cal.session_bounds(first, last)
    ns = _ns(ok["ts"])
    off_grid = (session_index(ns, open_ns, close_ns) < 0) | (ns % NS_PER_MINUTE != 0)
    outside = pd.Series(off_grid, index=ok.index)
    drop(outside, OUTSIDE_SESSION, "is not a minute inside a session's [open, close)")
    return ok[~outside]


# ---------------------------------------------------------------------------------------- storing
@dataclass
class SessionWrites:
    """What storing one symbol's bars did, per session date."""

    added: list[date] = field(default_factory=list)
    replaced: list[date] = field(default_factory=list)
    unchanged: list[date] = field(default_factory=list)

    def merge(self, other: SessionWrites) -> None:
        """Add ``other``'s dates to these."""
        self.added += other.added
        self.replaced += other.replaced
        self.unchanged += other.unchanged

    def to_dict(self) -> dict[str, object]:
        """Counts and the replaced dates (ISO)."""
        return {"added": len(self.added), "replaced": len(self.replaced),
                "unchanged": len(self.unchanged),
                "replaced_dates": sorted(d.isoformat() for d in self.replaced)}


def _same(old: pd.DataFrame, new: pd.DataFrame) -> bool:
    if len(old) != len(new):
        return False
    if not np.array_equal(_ns(old["ts"]), _ns(new["ts"])):
        return False
    return all(np.array_equal(old[c].to_numpy(np.float64), new[c].to_numpy(np.float64))
               for c in (*PRICES, "volume"))


_IST_OFFSET_NS = 19_800 * 1_000_000_000  # IST is UTC+05:30 all year (no daylight saving)
_NS_PER_DAY = 86_400 * 1_000_000_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _day_codes(ts: pd.Series) -> np.ndarray:
    """IST calendar day of each instant as days since 1970-01-01 (int64)."""
    return (_ns(ts) + _IST_OFFSET_NS) // _NS_PER_DAY


def _runs(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct day codes of sorted ``codes`` with the start and end (exclusive) row of each."""
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else np.empty(0, np.int64)
    return codes[starts], starts, np.r_[starts[1:], len(codes)].astype(np.int64)


def store_minute_sessions(store: ObjectStore, exchange: str, symbol: str, bars: pd.DataFrame,
                          dataset: str = "minute_bars") -> SessionWrites:
    """Store one symbol's START-labelled bars session by session (see the module docstring)."""
    out = SessionWrites()
    if bars.empty:
        return out
    if not bars["ts"].is_monotonic_increasing:
        bars = bars.sort_values("ts", kind="stable").reset_index(drop=True)
    codes = _day_codes(bars["ts"])
    days, starts, ends = _runs(codes)
    as_date = [date.fromordinal(int(d) + _EPOCH_ORDINAL) for d in days]
    stored = read_minute_months(store, exchange, symbol, as_date[0], as_date[-1], dataset)
    if stored.empty:
        out.added += as_date
        write_minute_months(store, exchange, symbol, bars, dataset)
        return out
    old_days, old_starts, old_ends = _runs(_day_codes(stored["ts"]))
    old_at = {int(d): (int(a), int(b)) for d, a, b in zip(old_days, old_starts, old_ends, strict=True)}
    keep = np.zeros(len(bars), dtype=bool)
    for code, day, a, b in zip(days, as_date, starts, ends, strict=True):
        span = old_at.get(int(code))
        if span is None:
            out.added.append(day)
        elif _same(stored.iloc[span[0]:span[1]], bars.iloc[a:b]):
            out.unchanged.append(day)
            continue
        else:
            out.replaced.append(day)
        keep[a:b] = True
    if keep.any():
        write_minute_months(store, exchange, symbol, bars[keep], dataset)
    return out


def store_daily_rows(store: ObjectStore, exchange: str, bars: pd.DataFrame) -> dict[str, SessionWrites]:
    """Merge daily bars (``ts`` = session date) into ``daily_bars`` day files as series ``EQ`` rows.

    Rows of other symbols already in a day's file are kept; each day file is replaced atomically.
    """
    writes: dict[str, SessionWrites] = {s: SessionWrites() for s in bars["symbol"].unique()}
    for day, part in bars.groupby(bars["ts"].dt.tz_convert(IST).dt.date, sort=True):
        key = layout.day_key("daily_bars", exchange, day)
        old = from_parquet_bytes(store.get(key)).to_pandas() if store.exists(key) else None
        rows = pd.DataFrame({
            "session_date": day, "symbol": part["symbol"].to_numpy(), "series": "EQ", "isin": "",
            **{c: part[c].to_numpy(np.float64) for c in PRICES}, "last": part["close"].to_numpy(np.float64),
            "prev_close": np.nan, "volume": part["volume"].to_numpy(np.int64), "turnover_inr": np.nan,
            "trades": pd.array([None] * len(part), dtype="Int64"),
        })
        for symbol in part["symbol"]:
            prior = None if old is None else old[(old["symbol"] == symbol) & (old["series"] == "EQ")]
            if prior is None or prior.empty:
                writes[symbol].added.append(day)
            elif _row_same(prior, rows[rows["symbol"] == symbol]):
                writes[symbol].unchanged.append(day)
            else:
                writes[symbol].replaced.append(day)
        if not any(day in w.added or day in w.replaced for w in writes.values()):
            continue
        if old is not None:
            keep = old[~((old["symbol"].isin(set(part["symbol"]))) & (old["series"] == "EQ"))]
            rows = pd.concat([keep, rows], ignore_index=True)
        table = pa.Table.from_pandas(rows, preserve_index=False)
        store.put_atomic(key, curated_parquet("daily_bars", table))
    return writes


def _row_same(old: pd.DataFrame, new: pd.DataFrame) -> bool:
    return len(old) == 1 and all(float(old[c].iloc[0]) == float(new[c].iloc[0]) for c in (*PRICES, "volume"))


# --------------------------------------------------------------------------------------- coverage
@dataclass(frozen=True)
class Coverage:
    """A symbol's minute bars against the calendar: sessions complete, with gaps, absent."""

    symbol: str
    sessions: int
    complete: int
    partial: dict[str, int]
    absent: list[str]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (``partial``: session date → missing minutes)."""
        return {"symbol": self.symbol, "sessions": self.sessions, "complete": self.complete,
                "partial": self.partial, "missing_minutes": sum(self.partial.values()),
                "absent": self.absent}


def expected_minutes(exchange: str, start: date, end: date, minutes: int = 1) -> dict[date, np.ndarray]:
    """Bar starts (UTC epoch ns) each session in ``[start, end]`` should have at ``minutes`` bars."""
    cal = _calendar(exchange)
    out = {}
    for s in cal.sessions(start, end):
        grid = cal.minute_grid(s.session_date)
        ns = grid.tz_convert("UTC").tz_localize(None).as_unit("ns").asi8
        out[s.session_date] = ns[(ns - ns[0]) % (minutes * NS_PER_MINUTE) == 0] if len(ns) else ns
    return out


def coverage(bars: pd.DataFrame, symbol: str, expected: dict[date, np.ndarray]) -> Coverage:
    """Coverage of ``bars`` (one symbol, START-labelled) against ``expected`` bar starts per session."""
    have: dict[date, np.ndarray] = {}
    if not bars.empty:
        days = bars["ts"].dt.tz_convert(IST).dt.date
        ns = _ns(bars["ts"])
        for day, idx in pd.Series(range(len(bars))).groupby(days.to_numpy()).groups.items():
            have[day] = ns[np.asarray(idx)]
    complete, partial, absent = 0, {}, []
    for day, grid in sorted(expected.items()):
        got = have.get(day)
        if got is None or not len(got):
            absent.append(day.isoformat())
            continue
        missing = int(np.setdiff1d(grid, got, assume_unique=True).size)
        if missing:
            partial[day.isoformat()] = missing
        else:
            complete += 1
    return Coverage(symbol, len(expected), complete, partial, absent)
