"""Test helper: a curated lake built from real NSE bhavcopies (shared data), in the official layout."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from tests.unit.data.official_layouts import legacy_name, read_reshaped, reshaped_dir, to_legacy_bytes

from vyapari.data.lake import Lake


def real_file(day: date) -> Path:
    """The reshaped real bhavcopy of ``day`` (``DDMMYYYY.csv``)."""
    return reshaped_dir() / f"{day:%d%m%Y}.csv"


def real_days(start: date, end: date) -> list[date]:
    """Session dates in ``[start, end]`` for which a real bhavcopy exists."""
    from datetime import datetime

    days = (datetime.strptime(p.stem, "%d%m%Y").date() for p in reshaped_dir().glob("*.csv"))
    return sorted(d for d in days if start <= d <= end)


def build_real_lake(root: Path, days: Iterable[date]) -> Lake:
    """A lake at ``root`` holding the real bhavcopies of ``days`` (legacy layout, as NSE publishes it)."""
    lake = Lake.at(root)
    for day in days:
        src = read_reshaped(real_file(day))
        result = lake.ingest_file(to_legacy_bytes(src), legacy_name(src))
        assert result.status == "ingested", result.message
    return lake
