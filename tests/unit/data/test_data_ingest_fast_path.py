"""The fast ingest path gives the rows, row issues and lake of the text path it short-cuts.

Typed CSV reading (float64 prices, date32 ISO dates) falls back to the text read on any cell that
does not convert; key-order tests skip the sort and the duplicate hashing only when they prove it
safe; the raw copy is kept on a helper thread while the file is parsed.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from tests.unit.data.data_builders import ROWS, legacy_csv, many_rows, udiff_csv, udiff_name

from vyapari.data.formats import BhavcopyFormat
from vyapari.data.lake import Lake
from vyapari.data.ordering import in_key_order, sort_by_key
from vyapari.data.parsers import parse
from vyapari.data.parsers.common import build_table, read_strings, read_typed
from vyapari.data.parsers.nse_cm import COLUMNS, udiff_cm_spec
from vyapari.data.rejections import RowIssues, RowProblem
from vyapari.data.validation import ValidationPolicy

DAY = "2025-09-10"
_UDIFF_TYPES = COLUMNS[BhavcopyFormat.NSE_CM_UDIFF]
_KEYS = ("TckrSymb", "SctySrs")


def _both_ways(data: bytes) -> tuple[pa.Table, RowIssues, pa.Table, RowIssues, pa.Table]:
    """(typed read, its rows, its issues) and (rows, issues) of the plain text read of ``data``."""
    typed = read_typed(data, "f.csv", _UDIFF_TYPES)
    typed_issues, text_issues = RowIssues(), RowIssues()
    typed_rows = build_table(typed, udiff_cm_spec("NSE"), _KEYS, typed_issues)
    text = read_strings(data, "f.csv", _UDIFF_TYPES)
    text_rows = build_table(text, udiff_cm_spec("NSE"), _KEYS, text_issues)
    return typed_rows, typed_issues, text_rows, text_issues, typed


def _assert_same_rows(got: pa.Table, want: pa.Table) -> None:
    assert got.schema == want.schema
    pd.testing.assert_frame_equal(got.to_pandas(), want.to_pandas())  # NaN equal to NaN


def test_typed_read_converts_blank_padded_signed_and_exponent_cells_like_the_text_read() -> None:
    rows = [*ROWS, ("ZED", "EQ", " 10.00", "11.00 ", "-", "", "+5"),
            ("EXP", "EQ", "1e1", "1.1E1", "9", "10", "7")]
    typed_rows, typed_issues, text_rows, text_issues, typed = _both_ways(udiff_csv(DAY, rows))
    assert typed.schema.field("OpnPric").type == pa.float64()  # converted while reading, no fallback
    assert typed.schema.field("TradDt").type == pa.date32()
    _assert_same_rows(typed_rows, text_rows)
    assert typed_issues.sorted() == text_issues.sorted() == []
    zed = typed_rows.to_pandas().set_index("symbol").loc["ZED"]
    assert (zed["open"], zed["high"], zed["volume"]) == (10.0, 11.0, 5.0) and np.isnan(zed["low"])


def test_non_numeric_price_falls_back_to_text_and_records_the_same_issue() -> None:
    rows = [*ROWS, ("BAD", "EQ", "31O0.00", "3120.00", "3090.00", "3110.00", "500")]
    typed_rows, typed_issues, text_rows, text_issues, typed = _both_ways(udiff_csv(DAY, rows))
    assert typed.schema.field("OpnPric").type == pa.string()  # read again as text
    _assert_same_rows(typed_rows, text_rows)
    (issue,) = typed_issues.sorted()
    assert issue == text_issues.sorted()[0]
    assert (issue.line, issue.symbol, issue.problem) == (5, "BAD", RowProblem.NON_NUMERIC)
    assert issue.detail == "OpnPric='31O0.00' is not a number"


def test_non_iso_trade_date_is_recorded_as_a_bad_date_row() -> None:
    data = udiff_csv(DAY, [*many_rows()]).replace(b"\n2025-09-10,2025-09-10,CM,NSE,STK,101,",
                                                  b"\n10-09-2025,2025-09-10,CM,NSE,STK,101,", 1)
    parsed = parse(data, udiff_name(DAY))
    (issue,) = parsed.issues.sorted()
    assert (issue.line, issue.symbol, issue.problem) == (3, "RELIANCE", RowProblem.BAD_DATE)
    assert issue.detail == "TradDt='10-09-2025' is not a date"
    assert parsed.table.column("session_date").null_count == 1


def test_legacy_dates_parse_per_distinct_value_and_bad_cells_are_named() -> None:
    data = legacy_csv("10-SEP-2025", many_rows(5)).replace(b",10-SEP-2025,42,INE000000001,",
                                                          b",31-SEP-2025,42,INE000000001,", 1)
    parsed = parse(data, "cm10SEP2025bhav.csv")
    (issue,) = parsed.issues.sorted()
    assert (issue.line, issue.symbol) == (3, "RELIANCE")
    assert issue.detail == "TIMESTAMP='31-SEP-2025' is not a date"
    dates = parsed.table.column("session_date").to_pylist()
    assert dates.count(None) == 1 and {d.isoformat() for d in dates if d} == {DAY}


def test_in_key_order_is_exact_for_text_and_never_claims_order_with_nan_or_null() -> None:
    table = pa.table({"a": ["A", "A", "B"], "b": ["EQ", "EQ", "BE"]})
    assert in_key_order(table, ["a", "b"]) and not in_key_order(table, ["a", "b"], strict=True)
    assert in_key_order(table.slice(1), ["a", "b"], strict=True)
    assert not in_key_order(pa.table({"a": ["B", "A"]}), ["a"])
    assert not in_key_order(pa.table({"x": [1.0, float("nan"), 3.0]}), ["x"])
    assert not in_key_order(pa.table({"x": [None, 1.0, 3.0]}), ["x"])
    assert in_key_order(pa.table({"x": [1.0]}), ["x"], strict=True)


def test_sort_by_key_matches_a_stable_pandas_sort_with_missing_values_first() -> None:
    rng = np.random.default_rng(7)
    n = 400
    strike = rng.choice([100.0, 200.0, np.nan], n)
    table = pa.table({"sym": rng.choice(["A", "B", "C", "AB"], n),
                      "strike": pa.array(strike, from_pandas=False),  # NaN kept as NaN, not null
                      "expiry": pa.array(rng.choice(np.array([1, 2, None], dtype=object), n), pa.int64()),
                      "row": np.arange(n)})
    got = sort_by_key(table, ["sym", "strike", "expiry"]).to_pandas()
    want = table.to_pandas().sort_values(["sym", "strike", "expiry"], kind="stable", na_position="first")
    assert got["row"].tolist() == want["row"].tolist()
    in_order = sort_by_key(table, ["row"])
    assert in_order is table  # already sorted: not copied


def test_a_repeated_row_next_to_its_original_is_still_a_duplicate(tmp_path) -> None:
    strict = Lake.at(tmp_path, policy=ValidationPolicy(on_bad_row="reject"))
    lines = udiff_csv(DAY).splitlines(keepends=True)
    data = b"".join([*lines[:3], lines[2], *lines[3:]])  # RELIANCE twice, in key order, adjacent
    result = strict.ingest_file(data, udiff_name(DAY))
    assert (result.status, result.reason) == ("rejected", "bad_rows")
    assert "first line 4 RELIANCE: duplicate_row" in (result.message or "")


def test_rows_in_another_order_give_the_same_curated_day(lake: Lake) -> None:
    header, *lines = udiff_csv(DAY, many_rows(20)).splitlines(keepends=True)
    first = lake.ingest_file(header + b"".join(reversed(lines)), udiff_name(DAY))
    again = lake.ingest_file(header + b"".join(lines), "x" + udiff_name(DAY))
    assert (first.status, again.status) == ("ingested", "unchanged")
    table = lake.read_daily_table("NSE", pd.Timestamp(DAY).date(), pd.Timestamp(DAY).date())
    assert table["symbol"].tolist() == sorted(r[0] for r in many_rows(20))


@pytest.mark.parametrize(("cut", "reason"), [(True, "truncated"), (False, "malformed_csv")])
def test_recognised_layout_that_fails_to_parse_is_kept_under_its_source(lake: Lake, cut: bool,
                                                                         reason: str) -> None:
    data = udiff_csv(DAY)
    data = data[: data.rindex(b",F1,")] if cut else data.replace(b"RELIANCE,EQ,", b"RELIANCE,EQ,1,2,", 1)
    result = lake.ingest_file(data, udiff_name(DAY))
    assert (result.status, result.reason, result.format) == ("rejected", reason, "nse_cm_udiff")
    assert result.raw_key == f"raw/nse_cm/2025/09/10/{udiff_name(DAY)}"
    assert lake.store.get(result.raw_key) == data
    record = json.loads(lake.store.get(f"quarantine/nse_cm/2025/09/10/{udiff_name(DAY)}.json"))
    assert record["raw_key"] == result.raw_key and record["format"] == "nse_cm_udiff"


def test_state_record_names_the_source_bytes_and_the_curated_object(lake: Lake) -> None:
    import hashlib

    data = udiff_csv(DAY)
    result = lake.ingest_file(data, udiff_name(DAY))
    state = json.loads(lake.store.get("state/daily_bars/NSE/2025-09-10.json"))
    assert state["source_sha256"] == hashlib.sha256(data).hexdigest()
    assert state["curated_sha256"] == hashlib.sha256(lake.store.get(result.curated_key or "")).hexdigest()
    assert state["file"] == udiff_name(DAY)


def test_only_the_head_of_an_ascii_file_is_decoded_but_all_of_it_is_checked(lake: Lake) -> None:
    data = udiff_csv(DAY, many_rows(60))
    assert len(data) > 8192
    at = data.rindex(b"SYM05")
    bad = data[:at] + b"\xff" + data[at + 1:]  # past the 4 KiB the layout is detected from
    result = lake.ingest_file(bad, udiff_name(DAY))
    assert (result.status, result.reason) == ("rejected", "not_utf8")
    assert f"byte {at} is not valid UTF-8" in (result.message or "")
    bom = lake.ingest_file(b"\xef\xbb\xbf" + data, udiff_name(DAY))
    assert (bom.status, bom.rows) == ("ingested", 63)
    assert lake.ingest_file(b" \n" * 5000, udiff_name(DAY)).reason == "empty_file"


def test_curated_day_keeps_statistics_of_the_filter_columns_only(lake: Lake) -> None:
    import pyarrow.parquet as pq

    result = lake.ingest_file(udiff_csv(DAY), udiff_name(DAY))
    meta = pq.ParquetFile(pa.BufferReader(lake.store.get(result.curated_key or ""))).metadata
    group = meta.row_group(0)
    stats = {group.column(i).path_in_schema: group.column(i).statistics for i in range(group.num_columns)}
    assert (stats["symbol"].min, stats["symbol"].max) == ("INFY", "TCS")
    assert stats["session_date"].has_min_max and stats["close"] is None
    assert group.column(0).compression == "SNAPPY"
