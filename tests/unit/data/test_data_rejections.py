"""Every rejection reason: the file is kept in raw/, quarantined with a JSON reason, nothing curated."""

from __future__ import annotations

import json
from datetime import date

import pytest
from tests.unit.data.data_builders import ROWS, legacy_csv, many_rows, udiff_csv, udiff_name, zipped

from vyapari.data.lake import Lake
from vyapari.data.validation import ValidationPolicy

DAY = "2025-09-10"  # a Wednesday session


def _assert_rejected(lake: Lake, data: bytes, name: str, reason: str) -> dict[str, object]:
    result = lake.ingest_file(data, name)
    assert result.status == "rejected", result
    assert result.reason == reason, result.message
    assert result.raw_key is not None and lake.store.get(result.raw_key) == data
    quarantined = [k for k in lake.store.list("quarantine/") if k.endswith(name + ".json")]
    assert len(quarantined) == 1
    record = json.loads(lake.store.get(quarantined[0]))
    assert record["reason"] == reason
    assert lake.store.list("curated/") == []
    return record


def test_truncated_file_is_rejected(lake: Lake) -> None:
    data = udiff_csv(DAY)
    cut = data[: data.rindex(b",F1,")]  # last row cut mid-way
    _assert_rejected(lake, cut, udiff_name(DAY), "truncated")


def test_wrong_header_is_rejected(lake: Lake) -> None:
    data = udiff_csv(DAY).replace(b"TckrSymb", b"Ticker", 1)
    record = _assert_rejected(lake, data, udiff_name(DAY), "unknown_header")
    assert "Ticker" in str(record["message"])


def test_unknown_file_lands_in_raw_unknown(lake: Lake) -> None:
    result = lake.ingest_file(b"a,b,c\n1,2,3\n", "notes.csv")
    assert result.reason == "unknown_header"
    assert result.raw_key is not None and result.raw_key.startswith("raw/unknown/")


def test_non_numeric_price_is_rejected_under_strict_policy(tmp_path) -> None:
    strict = Lake.at(tmp_path, policy=ValidationPolicy(on_bad_row="reject"))
    rows = [*ROWS[:2], ("TCS", "EQ", "31O0.00", "3120.00", "3090.00", "3110.00", "500")]
    record = _assert_rejected(strict, udiff_csv(DAY, rows), udiff_name(DAY), "bad_rows")
    first = record["details"]["first"][0]  # type: ignore[index]
    assert (first["symbol"], first["problem"], first["line"]) == ("TCS", "non_numeric", 4)


def test_non_numeric_price_row_is_dropped_and_recorded_by_default(lake: Lake) -> None:
    rows = [("WIPRO", "EQ", "25O.00", "251.00", "249.00", "250.00", "500"), *many_rows()]
    result = lake.ingest_file(udiff_csv(DAY, rows), udiff_name(DAY))
    assert (result.status, result.rows, result.dropped) == ("ingested", len(rows) - 1, 1)
    report = json.loads(lake.store.get(result.report_key or ""))
    assert report["dropped_rows"][0]["symbol"] == "WIPRO"
    assert report["dropped_rows"][0]["problem"] == "non_numeric"


def test_high_below_low_is_rejected_under_strict_policy(tmp_path) -> None:
    strict = Lake.at(tmp_path, policy=ValidationPolicy(on_bad_row="reject"))
    rows = [*ROWS[:2], ("TCS", "EQ", "3100.00", "3080.00", "3090.00", "3100.00", "500")]
    record = _assert_rejected(strict, udiff_csv(DAY, rows), udiff_name(DAY), "bad_rows")
    assert record["details"]["first"][0]["problem"] == "ohlc_inconsistent"  # type: ignore[index]


def test_negative_volume_is_a_bad_row(tmp_path) -> None:
    strict = Lake.at(tmp_path, policy=ValidationPolicy(on_bad_row="reject"))
    rows = [*ROWS[:2], ("TCS", "EQ", "3100.00", "3120.00", "3090.00", "3110.00", "-5")]
    record = _assert_rejected(strict, udiff_csv(DAY, rows), udiff_name(DAY), "bad_rows")
    assert record["details"]["first"][0]["problem"] == "negative_volume"  # type: ignore[index]


def test_duplicate_rows_are_rejected_under_strict_policy(tmp_path) -> None:
    strict = Lake.at(tmp_path, policy=ValidationPolicy(on_bad_row="reject"))
    data = udiff_csv(DAY)
    data += data.splitlines(keepends=True)[2]  # the RELIANCE line once more
    record = _assert_rejected(strict, data, udiff_name(DAY), "bad_rows")
    assert record["details"]["first"][0]["problem"] == "duplicate_row"  # type: ignore[index]


def test_conflicting_duplicates_drop_every_copy_by_default(lake: Lake) -> None:
    other = ("RELIANCE", "EQ", "1381.00", "1390.00", "1370.00", "1385.00", "2000")
    rows = [*many_rows(), other]
    result = lake.ingest_file(udiff_csv(DAY, rows), udiff_name(DAY))
    assert (result.rows, result.dropped) == (len(rows) - 2, 2)
    bars = lake.read_daily_bars("NSE", ["RELIANCE"], date(2025, 9, 10), date(2025, 9, 10))
    assert bars.empty


def test_too_many_bad_rows_reject_even_when_dropping(lake: Lake) -> None:
    rows = [(s, e, o, "1.00", low, c, v) for s, e, o, _, low, c, v in ROWS]
    _assert_rejected(lake, udiff_csv(DAY, rows), udiff_name(DAY), "too_many_bad_rows")


def test_holiday_date_is_rejected(lake: Lake) -> None:
    holiday = "2025-10-02"  # Gandhi Jayanti, a Thursday
    record = _assert_rejected(lake, udiff_csv(holiday), udiff_name(holiday), "not_a_session")
    assert record["details"]["session_date"] == holiday  # type: ignore[index]


def test_saturday_is_rejected_but_sunday_budget_session_is_accepted(lake: Lake) -> None:
    _assert_rejected(lake, udiff_csv("2026-01-31"), udiff_name("2026-01-31"), "not_a_session")
    assert lake.ingest_file(udiff_csv("2026-02-01"), udiff_name("2026-02-01")).status == "ingested"


def test_muhurat_session_is_accepted(lake: Lake) -> None:
    assert lake.ingest_file(udiff_csv("2025-10-21"), udiff_name("2025-10-21")).status == "ingested"


def test_empty_file_is_rejected(lake: Lake) -> None:
    _assert_rejected(lake, b"", udiff_name(DAY), "empty_file")


def test_header_only_file_is_rejected(lake: Lake) -> None:
    _assert_rejected(lake, legacy_csv("10-SEP-2025", []), "cm10SEP2025bhav.csv", "no_rows")


def test_zip_with_two_files_is_rejected(lake: Lake) -> None:
    data = zipped(("a.csv", udiff_csv(DAY)), ("b.csv", udiff_csv(DAY)))
    record = _assert_rejected(lake, data, udiff_name(DAY) + ".zip", "zip_member_count")
    assert "a.csv" in str(record["message"]) and "b.csv" in str(record["message"])


def test_non_utf8_bytes_are_rejected(lake: Lake) -> None:
    data = udiff_csv(DAY).replace(b"RELIANCE", b"RELI\xff\xfeNCE")
    _assert_rejected(lake, data, udiff_name(DAY), "not_utf8")


def test_file_name_date_disagreeing_with_rows_is_rejected(lake: Lake) -> None:
    record = _assert_rejected(lake, udiff_csv(DAY), udiff_name("2025-09-11"), "date_mismatch")
    assert record["details"] == {"row_date": DAY, "name_date": "2025-09-11"}


def test_rows_of_two_dates_are_rejected(lake: Lake) -> None:
    data = udiff_csv(DAY) + udiff_csv("2025-09-11").split(b"\n", 1)[1]
    _assert_rejected(lake, data, "bhav.csv", "mixed_dates")


def test_malformed_row_in_the_middle_is_rejected(lake: Lake) -> None:
    data = legacy_csv("10-SEP-2025").replace(b"RELIANCE,EQ,", b"RELIANCE,EQ,1,2,", 1)
    _assert_rejected(lake, data, "cm10SEP2025bhav.csv", "malformed_csv")


@pytest.mark.parametrize("policy", ["drop", "reject"])
def test_clean_file_is_ingested_under_both_policies(tmp_path, policy: str) -> None:
    lake = Lake.at(tmp_path, policy=ValidationPolicy(on_bad_row=policy))  # type: ignore[arg-type]
    result = lake.ingest_file(udiff_csv(DAY), udiff_name(DAY))
    assert (result.status, result.rows, result.dropped) == ("ingested", 3, 0)
