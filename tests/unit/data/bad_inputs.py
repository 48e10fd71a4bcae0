"""Generated bad input files, one per kind, each with the outcome the ingester must give.

``expect`` is a file rejection reason (``rejected: <reason>``) or a dropped-row problem
(``dropped: <problem>``: the file is ingested without that row, which the report names). A case with
``before`` is ingested into a lake already holding that file's day.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta

from tests.unit.data.data_builders import legacy_csv, many_rows, udiff_csv, udiff_name, zipped

from vyapari.core.time import IST
from vyapari.data.formats import UDIFF_COLUMNS

DAY = "2025-09-10"
NAME = udiff_name(DAY)
GOOD_ROW = ("ZEEL", "EQ", "140.00", "142.00", "139.00", "141.00", "5000")


@dataclass(frozen=True)
class Case:
    """One kind of bad input: its bytes, its name, the outcome expected, an optional earlier file."""

    kind: str
    data: bytes
    expect: str
    name: str = NAME
    before: bytes | None = None


def good() -> bytes:
    """A clean 43-row UDiFF day."""
    return udiff_csv(DAY, many_rows())


def with_row(row: tuple[str, ...]) -> bytes:
    """The clean day plus ``row`` (symbol, series, o, h, l, c, volume)."""
    return udiff_csv(DAY, [*many_rows(), row])


def with_field(**fields: str) -> bytes:
    """The clean day plus one row ``GOOD_ROW`` whose UDiFF ``fields`` are replaced as given."""
    text = udiff_csv(DAY, [*many_rows(), GOOD_ROW]).decode()
    lines = text.rstrip("\n").split("\n")
    cells = lines[-1].split(",")
    for column, value in fields.items():
        cells[UDIFF_COLUMNS.index(column)] = value
    lines[-1] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode()


def _zip_bytes(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buf.getvalue()


def _future(days: int) -> str:
    return (datetime.now(IST).date() + timedelta(days=days)).isoformat()


def cases() -> list[Case]:
    """Every kind of bad input tried (about 55)."""
    base = good()
    head, _, rest = base.partition(b"\n")
    lines = base.rstrip(b"\n").split(b"\n")
    once = with_row(GOOD_ROW)
    twice = once + once.rstrip(b"\n").rsplit(b"\n", 1)[1] + b"\n"
    far = _future(400)
    tomorrow = _future(1)
    out = [
        Case("empty file", b"", "rejected: empty_file"),
        Case("only blanks and newlines", b"  \n\n \r\n", "rejected: empty_file"),
        Case("header only", head + b"\n", "rejected: no_rows"),
        Case("cut mid-row (truncated)", base[: len(base) // 2], "rejected: truncated"),
        Case("cut at a row boundary, replacing a full day", b"\n".join(lines[:20]) + b"\n",
             "rejected: fewer_rows", before=base),
        Case("Latin-1 byte in a name", with_row(("CAF\xe9", "EQ", "1", "1", "1", "1", "1"))
             .decode().encode("latin-1"), "rejected: not_utf8"),
        Case("UTF-16 encoded", base.decode().encode("utf-16"), "rejected: not_utf8"),
        Case("gzip instead of zip", gzip.compress(base), "rejected: not_utf8"),
        Case("random binary", bytes(range(256)) * 8, "rejected: not_utf8"),
        Case("wrong columns (a different CSV)", b"a,b,c\n1,2,3\n", "rejected: unknown_header"),
        Case("columns reordered", b",".join(reversed(head.split(b","))) + b"\n" + rest,
             "rejected: unknown_header"),
        Case("a column missing", b",".join(head.split(b",")[:-1]) + b"\n" + rest, "rejected: unknown_header"),
        Case("an extra column", head + b",Extra\n" + rest, "rejected: unknown_header"),
        Case("HTML error page saved as CSV", b"<html><body>Access denied</body></html>\n",
             "rejected: unknown_header"),
        Case("corrupt zip", zipped((NAME, base))[:200], "rejected: bad_zip", NAME + ".zip"),
        Case("zip of two files", zipped((NAME, base), ("x.csv", base)), "rejected: zip_member_count",
             NAME + ".zip"),
        Case("empty zip", _zip_bytes([]), "rejected: zip_member_count", NAME + ".zip"),
        Case("zip bomb (member over the unpack limit)", _zip_bytes([(NAME, b"0" * (2 << 20))]),
             "rejected: too_large", NAME + ".zip"),
        Case("row with extra fields", base + b",".join([b"x"] * 40) + b"\n", "rejected: malformed_csv"),
        Case("unbalanced quote", base + b'"ABC,' + b",".join([b"1"] * 33) + b"\n", "rejected: truncated"),
        Case("rows of two dates", base + udiff_csv("2025-09-11", [GOOD_ROW]).split(b"\n", 1)[1],
             "rejected: mixed_dates"),
        Case("date differs from the file name", udiff_csv("2025-09-11", many_rows()),
             "rejected: date_mismatch"),
        Case("holiday (Gandhi Jayanti)", udiff_csv("2025-10-02", many_rows()), "rejected: not_a_session",
             udiff_name("2025-10-02")),
        Case("Saturday", udiff_csv("2025-09-13", many_rows()), "rejected: not_a_session",
             udiff_name("2025-09-13")),
        Case("dated tomorrow", udiff_csv(tomorrow, many_rows()), "rejected: future_date",
             udiff_name(tomorrow)),
        Case("dated 400 days ahead", udiff_csv(far, many_rows()), "rejected: future_date",
             udiff_name(far)),
        Case("dated 2099", udiff_csv("2099-01-05", many_rows()), "rejected: future_date",
             udiff_name("2099-01-05")),
        Case("no readable date in any row", udiff_csv("10/09/2025", many_rows()), "rejected: no_date"),
        Case("every price inf", udiff_csv(DAY, [(s, e, "inf", "inf", "inf", "inf", v)
                                               for s, e, *_, v in many_rows()]),
             "rejected: too_many_bad_rows"),
        Case("price inf", with_row(("ZEEL", "EQ", "inf", "inf", "inf", "inf", "10")), "dropped: non_finite"),
        Case("price -inf", with_row(("ZEEL", "EQ", "-inf", "1", "1", "1", "10")), "dropped: non_finite"),
        Case("price 1e308", with_row(("ZEEL", "EQ", "1e308", "1e308", "1e308", "1e308", "10")),
             "dropped: out_of_range"),
        Case("price 2 crore", with_row(("ZEEL", "EQ", "2e7", "2e7", "2e7", "2e7", "10")),
             "dropped: out_of_range"),
        Case("price nan", with_row(("ZEEL", "EQ", "nan", "1", "1", "1", "10")), "dropped: missing_value"),
        Case("price empty", with_row(("ZEEL", "EQ", "", "1", "1", "1", "10")), "dropped: missing_value"),
        Case("price not a number", with_row(("ZEEL", "EQ", "abc", "1", "1", "1", "10")),
             "dropped: non_numeric"),
        Case("price with a thousands separator", with_row(("ZEEL", "EQ", '"1,234.50"', "1", "1", "1", "10")),
             "dropped: non_numeric"),
        Case("negative price", with_row(("ZEEL", "EQ", "-5", "1", "-5", "1", "10")),
             "dropped: non_positive_price"),
        Case("zero price", with_row(("ZEEL", "EQ", "0", "0", "0", "0", "10")), "dropped: non_positive_price"),
        Case("high below low", with_row(("ZEEL", "EQ", "10", "9", "11", "10", "10")),
             "dropped: ohlc_inconsistent"),
        Case("volume 1e25 (int64 wrap)", with_row(("ZEEL", "EQ", "1", "1", "1", "1", "1e25")),
             "dropped: out_of_range"),
        Case("volume inf", with_row(("ZEEL", "EQ", "1", "1", "1", "1", "inf")), "dropped: non_finite"),
        Case("negative volume", with_row(("ZEEL", "EQ", "1", "1", "1", "1", "-5")),
             "dropped: negative_volume"),
        Case("trades 1e25", with_field(TtlNbOfTxsExctd="1e25"), "dropped: out_of_range"),
        Case("turnover inf", with_field(TtlTrfVal="inf"), "dropped: non_finite"),
        Case("previous close 1e308", with_field(PrvsClsgPric="1e308"), "dropped: out_of_range"),
        Case("unreadable date in one row", with_field(TradDt="2025-13-45"), "dropped: bad_date"),
        Case("duplicate identical row", twice, "dropped: duplicate_row"),
        Case("conflicting duplicate rows", udiff_csv(DAY, [*many_rows(), GOOD_ROW,
                                                           (*GOOD_ROW[:5], "141.50", "6000")]),
             "dropped: conflicting_duplicate"),
        Case("symbol =HYPERLINK(...)", with_field(TckrSymb="=HYPERLINK(A1)"), "dropped: bad_symbol"),
        Case("symbol =1+2 (formula)", with_field(TckrSymb="=1+2"), "dropped: bad_symbol"),
        Case("symbol @SUM(A1)", with_field(TckrSymb="@SUM(A1)"), "dropped: bad_symbol"),
        Case("symbol -2+3 (formula)", with_field(TckrSymb="-2+3"), "dropped: bad_symbol"),
        Case("symbol ../../etc", with_field(TckrSymb="../../etc"), "dropped: bad_symbol"),
        Case("symbol <script>", with_field(TckrSymb="<script>alert(1)</script>"), "dropped: bad_symbol"),
        Case("symbol lower case", with_field(TckrSymb="zeel"), "dropped: bad_symbol"),
        Case("symbol with a space", with_field(TckrSymb="TATA MOTORS"), "dropped: bad_symbol"),
        Case("symbol empty", with_field(TckrSymb=""), "dropped: bad_symbol"),
        Case("symbol with a control character", with_field(TckrSymb="ZE\x07EL"), "dropped: bad_symbol"),
        Case("symbol of 40 characters", with_field(TckrSymb="Z" * 40), "dropped: bad_symbol"),
        Case("symbol with non-ASCII letters", with_field(TckrSymb="ZÉEL"), "dropped: bad_symbol"),
        Case("legacy layout, price inf", legacy_csv("10-SEP-2025", [*many_rows(), ("ZEEL", "EQ", "inf", "1",
                                                                                  "1", "1", "1")]),
             "dropped: non_finite", "cm10SEP2025bhav.csv"),
    ]
    controls = [
        Case("control: clean day", base, "ingested"),
        Case("control: UTF-8 BOM and CRLF line ends", b"\xef\xbb\xbf" + base.replace(b"\n", b"\r\n"),
             "ingested"),
        Case("control: M&M and BAJAJ-AUTO", with_row(("M&M", "EQ", "3000", "3010", "2990", "3005", "10"))
             .replace(b"ZEEL", b"BAJAJ-AUTO"), "ingested"),
    ]
    return out + controls
