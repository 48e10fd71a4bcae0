"""F&O lot sizes as dated data: which lot a contract on an underlying carries, by expiry.

A :class:`LotSizeRow` says "contracts on ``underlying`` expiring strictly after ``expiring_after``
trade in lots of ``lot_size``" until a later row takes over. That is how NSE words its revisions
("new lots for contracts expiring after 30-Dec-2025"). The authoritative lot of a listed contract is
the instrument master's / UDiFF bhavcopy's ``NewBrdLotQty``; this table serves backtests and checks,
and can be loaded from a CSV extracted from the master (:meth:`LotSizeTable.from_csv`).

CSV layout: a header ``underlying,lot_size,expiring_after,source`` then one row per revision;
``expiring_after`` is ISO ``YYYY-MM-DD``; ``source`` may be empty.

Built-in rows (index derivatives on NSE)
----------------------------------------
* NIFTY 75 for expiries after 26-Dec-2024 and BANKNIFTY 30 after 24-Dec-2024 (NSE circular
  18-Oct-2024: quarterly contracts re-based at those dates' EOD; business-standard.com 19-Oct-2024).
* FINNIFTY 65, MIDCPNIFTY 120, NIFTYNXT50 25 as in force at the April-2025 review (NSE circular
  of end-March 2025 via business-standard.com 31-Mar-2025, ndtvprofit.com, angelone.in); their
  earlier history is not in the table.
* BANKNIFTY 35, MIDCPNIFTY 140 from the July-2025 expiry (same circular; last old monthly 26-Jun-2025).
* NIFTY 65, BANKNIFTY 30, FINNIFTY 60, MIDCPNIFTY 120 for contracts expiring after 30-Dec-2025,
  NIFTYNXT50 25 unchanged (NSE circular FAOP70616, 3-Oct-2025; business-standard.com 31-Dec-2025).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from vyapari.core.errors import DataError, InvalidInput, ScheduleNotFound
from vyapari.core.symbols import check_symbol, csv_safe
from vyapari.core.time import parse_date

CSV_COLUMNS = ("underlying", "lot_size", "expiring_after", "source")


@dataclass(frozen=True, slots=True)
class LotSizeRow:
    """Contracts on ``underlying`` expiring after ``expiring_after`` (strictly) trade in ``lot_size`` lots."""

    underlying: str
    lot_size: int
    expiring_after: date
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "underlying", _symbol(self.underlying))
        if isinstance(self.lot_size, bool) or not isinstance(self.lot_size, int) or self.lot_size <= 0:
            raise InvalidInput("lot_size", f"{self.underlying}: must be a positive whole number")


def _symbol(underlying: str) -> str:
    symbol = underlying.strip().upper()
    if not symbol:
        raise InvalidInput("underlying", "must not be empty")
    return check_symbol(symbol, "underlying")


class LotSizeTable:
    """Dated lot sizes keyed by underlying symbol (case-insensitive).

    Parameters
    ----------
    rows : iterable of LotSizeRow
        Two rows for the same underlying and ``expiring_after`` are an error.
    """

    def __init__(self, rows: Iterable[LotSizeRow]) -> None:
        by_symbol: dict[str, dict[date, LotSizeRow]] = {}
        for row in rows:
            dated = by_symbol.setdefault(row.underlying, {})
            if row.expiring_after in dated:
                raise InvalidInput("rows", f"two rows for {row.underlying} after {row.expiring_after}")
            dated[row.expiring_after] = row
        self._rows = {s: tuple(d[k] for k in sorted(d)) for s, d in sorted(by_symbol.items())}

    def __repr__(self) -> str:
        return f"LotSizeTable({len(self._rows)} underlyings)"

    @property
    def underlyings(self) -> tuple[str, ...]:
        """The underlying symbols in the table, sorted."""
        return tuple(self._rows)

    def rows_for(self, underlying: str) -> tuple[LotSizeRow, ...]:
        """The rows of ``underlying`` in date order (ScheduleNotFound if unknown)."""
        symbol = _symbol(underlying)
        rows = self._rows.get(symbol)
        if rows is None:
            raise ScheduleNotFound(f"no lot sizes for underlying {symbol!r}")
        return rows

    def lot_size(self, underlying: str, expiry: date) -> int:
        """Units per lot of a contract on ``underlying`` that expires on ``expiry``.

        Raises
        ------
        ScheduleNotFound
            For an unknown underlying, or an expiry on or before the first row's ``expiring_after``.
        """
        rows = self.rows_for(underlying)
        found = [row for row in rows if row.expiring_after < expiry]
        if not found:
            raise ScheduleNotFound(
                f"no lot size for {rows[0].underlying} contracts expiring {expiry}; "
                f"the table starts with expiries after {rows[0].expiring_after}"
            )
        return found[-1].lot_size

    def lot_size_as_of(self, underlying: str, on: date) -> int:
        """Units per lot of the nearest-expiry contract on ``underlying`` trading on date ``on``.

        The nearest contract on ``on`` expires on or after ``on``, and every revision boundary is an
        expiry date, so this is the lot of contracts expiring after the last boundary before ``on``:
        on 2025-12-30 NIFTY is 75 (that day's expiring contract), from 2025-12-31 it is 65. Longer-dated
        contracts may already carry a newer lot; use :meth:`lot_size` with their expiry for those.
        """
        return self.lot_size(underlying, on)

    def extended(self, rows: Iterable[LotSizeRow]) -> LotSizeTable:
        """A new table with ``rows`` added; a row for an existing (underlying, date) replaces it."""
        merged = {(r.underlying, r.expiring_after): r for rows_ in self._rows.values() for r in rows_}
        merged.update({(r.underlying, r.expiring_after): r for r in rows})
        return LotSizeTable(merged.values())

    @classmethod
    def from_csv(cls, source: str | Path) -> LotSizeTable:
        """Load a table from a CSV file path, or from CSV text when ``source`` contains a newline.

        Raises
        ------
        DataError
            For a missing column or a malformed row (the message names the line).
        """
        text = source if isinstance(source, str) and "\n" in source else Path(source).read_text("utf-8")
        reader = csv.DictReader(io.StringIO(text))
        missing = [c for c in CSV_COLUMNS[:3] if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(f"lot-size CSV: missing column(s) {', '.join(missing)}")
        rows = []
        for line_no, record in enumerate(reader, start=2):
            try:
                rows.append(_row_from_record(record))
            except (ValueError, TypeError) as exc:
                raise DataError(f"lot-size CSV line {line_no}: {exc}") from None
        return cls(rows)

    def to_csv(self) -> str:
        """The table as CSV text in the :data:`CSV_COLUMNS` layout."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for rows in self._rows.values():
            for r in rows:
                writer.writerow([csv_safe(r.underlying), r.lot_size, r.expiring_after.isoformat(),
                                 csv_safe(r.source)])
        return out.getvalue()


def _row_from_record(record: dict[str, str]) -> LotSizeRow:
    lot_text = (record.get("lot_size") or "").strip()
    if not lot_text.isdigit():
        raise ValueError(f"lot_size {lot_text!r} is not a positive whole number")
    return LotSizeRow(
        underlying=record.get("underlying") or "",
        lot_size=int(lot_text),
        expiring_after=parse_date(record.get("expiring_after") or "", name="expiring_after"),
        source=(record.get("source") or "").strip(),
    )


_FAOP70616 = "NSE circular FAOP70616 (3-Oct-2025): contracts expiring after 30-Dec-2025"
_OCT_2024 = "NSE circular 18-Oct-2024 (business-standard.com 19-Oct-2024)"
_MAR_2025 = "NSE circular, April-2025 review (business-standard.com 31-Mar-2025, ndtvprofit.com, angelone.in)"

BUILTIN_LOT_SIZE_ROWS: tuple[LotSizeRow, ...] = (
    LotSizeRow("NIFTY", 75, date(2024, 12, 26), _OCT_2024 + ": quarterlies re-based 26-Dec-2024 EOD"),
    LotSizeRow("NIFTY", 65, date(2025, 12, 30), _FAOP70616),
    LotSizeRow("BANKNIFTY", 30, date(2024, 12, 24), _OCT_2024 + ": quarterlies re-based 24-Dec-2024 EOD"),
    LotSizeRow("BANKNIFTY", 35, date(2025, 6, 26), _MAR_2025 + ": from the July-2025 expiry"),
    LotSizeRow("BANKNIFTY", 30, date(2025, 12, 30), _FAOP70616),
    LotSizeRow("FINNIFTY", 65, date(2025, 4, 24), _MAR_2025 + ": unchanged at 65"),
    LotSizeRow("FINNIFTY", 60, date(2025, 12, 30), _FAOP70616),
    LotSizeRow("MIDCPNIFTY", 120, date(2025, 4, 24), _MAR_2025 + ": 120 before the revision"),
    LotSizeRow("MIDCPNIFTY", 140, date(2025, 6, 26), _MAR_2025 + ": from the July-2025 expiry"),
    LotSizeRow("MIDCPNIFTY", 120, date(2025, 12, 30), _FAOP70616),
    LotSizeRow("NIFTYNXT50", 25, date(2025, 4, 24), _MAR_2025 + ": unchanged at 25"),
)

BUILTIN_LOT_SIZES = LotSizeTable(BUILTIN_LOT_SIZE_ROWS)


def lot_size(underlying: str, expiry: date, *, table: LotSizeTable | None = None) -> int:
    """Units per lot of a contract on ``underlying`` expiring on ``expiry`` (built-in table by default)."""
    return (BUILTIN_LOT_SIZES if table is None else table).lot_size(underlying, expiry)


def lot_size_as_of(underlying: str, on: date, *, table: LotSizeTable | None = None) -> int:
    """Units per lot of the nearest-expiry contract on ``underlying`` on ``on`` (built-in table default)."""
    return (BUILTIN_LOT_SIZES if table is None else table).lot_size_as_of(underlying, on)
