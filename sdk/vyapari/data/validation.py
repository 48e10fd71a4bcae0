"""Validation of parsed daily files: file-level checks (reject) and row-level checks (drop or reject).

File level (always a rejection): no usable date, rows of several dates, a row date different from the
date in the file name, a date after today (IST), a date that is not a session of the exchange's
calendar (the Sunday Budget session and Muhurat sessions are sessions), too many bad rows.

Row level (a warning; :class:`ValidationPolicy` decides): non-numeric or missing OHLC/volume, a
non-finite number (``inf``) in any column, a value out of range (:data:`LIMITS`: prices above
₹1 crore, volumes and counts above 10^13, negative counts — a volume of ``1e25`` would wrap int64), a
symbol outside the exchange character set (:mod:`vyapari.core.symbols`), a non-positive price,
OHLC inconsistency (``low <= min(open, close)``, ``max(open, close) <= high``), negative volume,
duplicate keys. The default drops such rows and records each one (line, symbol,
series, problem) in the file's report; real NSE files have a few such rows (e.g. series ``T0`` whose
close lies outside the day's range), and the file stays usable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vyapari.core.errors import VyapariError
from vyapari.core.symbols import SYMBOL_PATTERN
from vyapari.data import arrow_values as av
from vyapari.data.ordering import in_key_order
from vyapari.data.parsers.common import LINE, ParsedFile
from vyapari.data.rejections import RejectionError, RejectReason, RowIssue, RowIssues, RowProblem
from vyapari.data.schema import DAILY_KEY, FO_KEY

if TYPE_CHECKING:  # pandas loads only for the exact duplicate check and .frame, off the usual path
    import pandas as pd

IsSession = Callable[[date], bool]
_PRICES = ("open", "high", "low", "close")

MAX_PRICE_INR = 1e7
"""₹1 crore: far above any Indian share or index level (the dearest share trades near ₹1.5 lakh)."""
MAX_COUNT = 1e13
"""Volumes, trades, open interest, lot sizes: far above a day's real figures, far below int64."""
MAX_TURNOVER_INR = 1e16
LIMITS: dict[str, tuple[float, float]] = {
    **dict.fromkeys(("open", "high", "low", "close", "last", "prev_close", "settle_price",
                     "underlying_price", "strike"), (-MAX_PRICE_INR, MAX_PRICE_INR)),
    **dict.fromkeys(("volume", "change_in_oi"), (-MAX_COUNT, MAX_COUNT)),
    **dict.fromkeys(("trades", "open_interest", "lot_size"), (0.0, MAX_COUNT)),
    "turnover_inr": (0.0, MAX_TURNOVER_INR),
    "amount_inr": (0.0, MAX_PRICE_INR),
}
"""Inclusive bounds of each numeric column; a value outside is an ``out_of_range`` row problem
(negative prices and volumes are left to the ``non_positive_price`` and ``negative_volume`` checks,
which name them better)."""


@dataclass(frozen=True)
class ValidationPolicy:
    """What to do with row-level problems.

    Attributes
    ----------
    on_bad_row : {"drop", "reject"}
        ``drop`` (default): drop the row and record it; ``reject``: reject the whole file.
    max_bad_row_fraction : float
        Reject the file anyway when more than this fraction of its rows are bad (default 5 %).
    min_replace_fraction : float
        A file replacing an ingested day must have at least this fraction of its rows (default
        80 %: a real day's row count moves by a few percent; a file cut at a row boundary halves it).
    replace_smaller_day : bool
        Replace the day anyway, with a warning in the result (``vyapari ingest --replace``).
    bar_label : {"start", "end"}
        How a user's bar files label their bars (``end``: by the minute the bar closes, as many
        Indian vendors do); the lake stores START labels.
    bar_exchange : str
        The exchange of a user's bar files (``NSE`` or ``BSE``): its calendar checks the sessions.
    """

    on_bad_row: Literal["drop", "reject"] = "drop"
    max_bad_row_fraction: float = 0.05
    min_replace_fraction: float = 0.8
    replace_smaller_day: bool = False
    bar_label: Literal["start", "end"] = "start"
    bar_exchange: str = "NSE"


@dataclass
class Validated:
    """The rows that passed (an Arrow table), the session date and what was dropped.

    ``key_ordered`` is true when the rows are known to be sorted by their dataset key (the file came
    so), which spares the curated table its sort.
    """

    table: pa.Table
    session_date: date | None
    dropped: list[RowIssue] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    key_ordered: bool = False

    @property
    def frame(self) -> pd.DataFrame:
        """The accepted rows as a pandas frame (a copy)."""
        return self.table.to_pandas()


def file_session_date(table: pa.Table, name_date: date | None, name: str) -> date:
    """The one session date of a file's rows, cross-checked with the date in its name."""
    dates = set(pc.unique(table.column("session_date").drop_null()).to_pylist())
    if not dates:
        raise RejectionError(RejectReason.NO_DATE, f"{name}: no row carries a readable date")
    if len(dates) > 1:
        shown = sorted(d.isoformat() for d in dates)[:5]
        raise RejectionError(RejectReason.MIXED_DATES, f"{name}: rows carry {len(dates)} dates {shown}",
                        {"dates": shown})
    (day,) = dates
    if name_date is not None and name_date != day:
        raise RejectionError(RejectReason.DATE_MISMATCH,
                        f"{name}: rows are dated {day.isoformat()} but the file name says "
                        f"{name_date.isoformat()}",
                        {"row_date": day.isoformat(), "name_date": name_date.isoformat()})
    return day


def check_session(day: date, is_session: IsSession, exchange: str, name: str) -> list[str]:
    """Reject ``day`` if it is not a session; a calendar without coverage only warns."""
    try:
        ok = is_session(day)
    except VyapariError as exc:
        return [f"calendar cannot check {day.isoformat()} ({exc}); accepted unchecked"]
    if not ok:
        raise RejectionError(RejectReason.NOT_A_SESSION,
                        f"{name}: {day.isoformat()} ({day:%A}) is not a {exchange} trading session",
                        {"session_date": day.isoformat(), "exchange": exchange})
    return []


Row = dict[str, Any]


def _flag(issues: RowIssues, table: pa.Table, mask: np.ndarray, problem: RowProblem,
          describe: Callable[[Row], str]) -> None:
    if not mask.any():
        return
    for row in table.take(av.indices(np.flatnonzero(mask))).to_pylist():
        issues.add(RowIssue(int(row[LINE]), str(row["symbol"]), str(row.get("series", "")), problem,
                            describe(row)))


def _ohlc_text(row: Row) -> str:
    return f"open={row['open']} high={row['high']} low={row['low']} close={row['close']}"


def _floats(table: pa.Table, column: str) -> np.ndarray:
    return av.to_floats(table.column(column))


def _describer(column: str, what: str) -> Callable[[Row], str]:
    def describe(row: Row) -> str:
        return f"{column}={row[column]} {what}"
    return describe


def value_checks(table: pa.Table, issues: RowIssues) -> None:
    """Flag non-finite numbers and values outside :data:`LIMITS` in any numeric column."""
    for column in table.column_names:
        if column not in LIMITS or not pa.types.is_floating(table.column(column).type):
            continue
        values = _floats(table, column)
        low, high = LIMITS[column]
        if values.size == 0 or (np.fmin.reduce(values) >= low and np.fmax.reduce(values) <= high):
            continue  # every value in range and finite (NaN is left to the missing-value check)
        infinite = np.isinf(values)
        _flag(issues, table, infinite, RowProblem.NON_FINITE, _describer(column, "is not a finite number"))
        with np.errstate(invalid="ignore"):
            outside = ~infinite & ((values < low) | (values > high))
        _flag(issues, table, outside, RowProblem.OUT_OF_RANGE,
              _describer(column, f"is outside [{low:g}, {high:g}]"))


def symbol_checks(table: pa.Table, issues: RowIssues) -> None:
    """Flag symbols outside the exchange character set (``=HYPERLINK(..)``, ``../x``, blanks)."""
    symbols = table.column("symbol")
    ok = pc.fill_null(pc.match_substring_regex(symbols, f"^(?:{SYMBOL_PATTERN.pattern})$"), av.FALSE)
    bad = ~av.to_bools(ok)
    _flag(issues, table, bad, RowProblem.BAD_SYMBOL,
          lambda r: f"symbol {str(r['symbol'])[:60]!r} is not an exchange symbol")


def check_not_future(day: date, today: date, name: str) -> None:
    """Reject a session date after ``today`` (IST): no exchange publishes tomorrow's file."""
    if day > today:
        raise RejectionError(RejectReason.FUTURE_DATE,
                             f"{name}: {day.isoformat()} is after today ({today.isoformat()}, IST)",
                             {"session_date": day.isoformat(), "today": today.isoformat()})


def row_checks(table: pa.Table, issues: RowIssues, fo: bool) -> None:
    """Flag missing values, bad prices, OHLC inconsistency and negative volume into ``issues``."""
    o, h, lo, c = (_floats(table, col) for col in _PRICES)
    vol = _floats(table, "volume")
    missing = np.isnan(o) | np.isnan(h) | np.isnan(lo) | np.isnan(c) | np.isnan(vol)
    _flag(issues, table, missing, RowProblem.MISSING_VALUE, lambda r: f"{_ohlc_text(r)} volume={r['volume']}")
    traded = ~missing & (vol > 0) if fo else ~missing
    non_positive = traded & ((o <= 0) | (h <= 0) | (lo <= 0) | (c <= 0))
    _flag(issues, table, non_positive, RowProblem.NON_POSITIVE_PRICE, _ohlc_text)
    low_body, high_body = np.minimum(o, c), np.maximum(o, c)
    bad_ohlc = traded & ~non_positive & ((lo > low_body) | (h < high_body) | (lo > h))
    _flag(issues, table, bad_ohlc, RowProblem.OHLC_INCONSISTENT, _ohlc_text)
    _flag(issues, table, ~missing & (vol < 0), RowProblem.NEGATIVE_VOLUME, lambda r: f"volume={r['volume']}")


def _surely_unique(table: pa.Table, key: tuple[str, ...]) -> bool:
    """True when no two rows share ``key``; a cheap test for text keys without nulls, else ``False``.

    The key parts are joined with a separator: equal keys give equal joins, so distinct joins prove
    distinct keys (a collision only sends the file to the exact pandas check).
    """
    cols = [table.column(name) for name in key]
    if any(c.null_count or not pa.types.is_string(c.type) for c in cols):
        return False
    joined = pc.binary_join_element_wise(*cols, av.text_scalar("\x1f"))
    return bool(pc.count_distinct(joined).as_py() == table.num_rows)


def duplicate_checks(table: pa.Table, issues: RowIssues, key: tuple[str, ...]) -> None:
    """Flag repeated rows (identical: extras flagged) and conflicting rows (same key: all flagged)."""
    if in_key_order(table, key, strict=True) or _surely_unique(table, key):
        return
    frame = table.to_pandas()
    if not frame.duplicated(list(key), keep=False).any():
        return
    values = [c for c in frame.columns if c != LINE]
    exact = frame.duplicated(values, keep="first").to_numpy()
    _flag(issues, table, exact, RowProblem.DUPLICATE_ROW, lambda r: "repeats an earlier identical row")
    rest = np.flatnonzero(~exact)
    conflict = np.zeros(len(frame), dtype=bool)
    conflict[rest[frame.iloc[rest].duplicated(list(key), keep=False).to_numpy()]] = True
    _flag(issues, table, conflict, RowProblem.CONFLICTING_DUPLICATE,
          lambda r: f"another row has the same key {tuple(r[k] for k in key)} with different values")


def _apply_policy(parsed: ParsedFile, issues: RowIssues, policy: ValidationPolicy, name: str) -> pa.Table:
    table = parsed.table
    bad = issues.sorted()
    if not bad:
        return table
    details = {"bad_rows": len(bad), "rows": table.num_rows, "first": [i.to_dict() for i in bad[:20]]}
    if policy.on_bad_row == "reject":
        first = bad[0]
        raise RejectionError(RejectReason.BAD_ROWS, f"{name}: {len(bad)} bad row(s); first line {first.line} "
                        f"{first.symbol}: {first.problem.value} ({first.detail})", details)
    if len(bad) > policy.max_bad_row_fraction * table.num_rows:
        raise RejectionError(RejectReason.TOO_MANY_BAD_ROWS,
                        f"{name}: {len(bad)} of {table.num_rows} rows are bad (limit "
                        f"{policy.max_bad_row_fraction:.0%}); first: line {bad[0].line} "
                        f"{bad[0].problem.value}",
                        details)
    lines = np.fromiter(issues.lines(), dtype=np.int64)
    return table.filter(av.booleans(~np.isin(av.to_ints(table.column(LINE)), lines)))


def validate(parsed: ParsedFile, *, name: str, name_date: date | None, is_session: IsSession,
             policy: ValidationPolicy | None = None, today: date | None = None) -> Validated:
    """Validate a parsed file; raise :class:`RejectionError` or return the accepted rows.

    Parameters
    ----------
    parsed : ParsedFile
        Output of :func:`vyapari.data.parsers.parse`.
    name : str
        File name (for messages).
    name_date : date or None
        Date carried by the file name, cross-checked with the rows.
    is_session : callable
        ``is_session(date) -> bool`` of the exchange's calendar (IST session dates).
    policy : ValidationPolicy, optional
        Row-level policy (default: drop and record).
    today : date, optional
        Today in IST; a later session date is rejected (``future_date``).
    """
    policy = policy or ValidationPolicy()
    issues = parsed.issues
    symbol_checks(parsed.table, issues)
    value_checks(parsed.table, issues)
    if parsed.dataset == "corporate_actions":
        table = _apply_policy(parsed, issues, policy, name)
        return Validated(table, None, issues.sorted(), list(parsed.notes))
    day = file_session_date(parsed.table, name_date, name)
    if today is not None:
        check_not_future(day, today, name)
    warnings = check_session(day, is_session, parsed.exchange, name)
    fo = parsed.dataset == "fo_daily"
    row_checks(parsed.table, issues, fo)
    key = FO_KEY if fo else DAILY_KEY
    ordered = in_key_order(parsed.table, key, strict=True)  # then no two rows share a key
    if not ordered:
        duplicate_checks(parsed.table, issues, key)
    table = _apply_policy(parsed, issues, policy, name)  # (dropping rows keeps the order)
    return Validated(table, day, issues.sorted(), warnings, key_ordered=ordered)
