"""Every kind of bad input file (:mod:`tests.unit.data.bad_inputs`): the named outcome, and nothing
bad in ``curated/`` — every curated row has a valid symbol, finite in-range values, consistent OHLC,
a unique key and a past session date."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from tests.unit.data.bad_inputs import Case, cases

from vyapari.core.symbols import is_symbol
from vyapari.core.time import IST
from vyapari.data import formats
from vyapari.data.lake import Lake
from vyapari.data.validation import LIMITS

CASES = cases()


def _curated_is_clean(root: Path) -> int:
    """Check every curated day file under ``root``; the number of rows checked."""
    today = datetime.now(IST).date()
    rows = 0
    for path in sorted((root / "curated").rglob("*.parquet")):
        frame = pq.read_table(path).to_pandas()
        rows += len(frame)
        assert all(is_symbol(s) for s in frame["symbol"]), f"{path}: bad symbol stored"
        for column, (low, high) in LIMITS.items():
            if column in frame:
                values = frame[column].dropna().astype(np.float64)
                assert np.isfinite(values).all(), f"{path}: non-finite {column}"
                assert ((values >= low) & (values <= high)).all(), f"{path}: {column} out of range"
        assert (frame[["open", "high", "low", "close"]] > 0).all().all()
        assert (frame["low"] <= frame[["open", "close"]].min(axis=1)).all()
        assert (frame["high"] >= frame[["open", "close"]].max(axis=1)).all()
        assert (frame["volume"] >= 0).all()
        assert not frame.duplicated(["symbol", "series"]).any()
        assert (frame["session_date"] <= today).all()
    return rows


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_bad_input_kind_gets_its_named_outcome_and_nothing_bad_is_curated(
        case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats, "MAX_UNPACKED_BYTES", 1 << 20)  # the bomb case: 2 MiB over a 1 MiB limit
    lake = Lake.at(tmp_path)
    before = b""
    if case.before is not None:
        assert lake.ingest_file(case.before, case.name).status == "ingested"
        before = next((tmp_path / "curated").rglob("*.parquet")).read_bytes()
    result = lake.ingest_file(case.data, case.name)
    report = json.loads(lake.store.get(result.report_key or ""))
    if case.expect.startswith("rejected: "):
        assert (result.status, result.reason) == ("rejected", case.expect.removeprefix("rejected: ")), \
            result.message
        assert lake.store.exists(result.raw_key or "") and lake.store.get(result.raw_key or "") == case.data
        curated = sorted((tmp_path / "curated").rglob("*.parquet")) if (tmp_path / "curated").exists() else []
        assert [p.read_bytes() for p in curated] == ([before] if before else [])  # nothing new curated
    elif case.expect.startswith("dropped: "):
        problem = case.expect.removeprefix("dropped: ")
        assert result.status == "ingested", result.message
        assert result.dropped >= 1 and {r["problem"] for r in report["dropped_rows"]} == {problem}
    else:
        assert (result.status, result.dropped) == ("ingested", 0), result.message
    assert _curated_is_clean(tmp_path) == result.rows + (43 if before else 0) * (result.status == "rejected")


def test_the_cases_cover_about_fifty_kinds() -> None:
    assert len({c.kind for c in CASES}) == len(CASES) >= 50
