"""Seed a local lake from the generated sample data (``vyapari.data.sample``) for workflow runs.

:func:`seed_lake` writes ``sessions`` sessions of sample data under ``<root>/sample``, ingests the NSE
bhavcopies and the minute bars of ``symbols`` into ``<root>/lake`` (what a backtest needs), and can
stage the corporate actions and minute files under ``landing/`` instead (what the ingestion workflow
consumes). Offline and seeded: reruns write identical files.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class SeededLake:
    """Where the sample and the lake are, and the sample's session dates."""

    sample: Path
    lake: Path
    sessions: list[date]


def seed_lake(
    root: Path,
    sessions: int = 5,
    end: date | None = None,
    symbols: tuple[str, ...] = ("INFY", "TCS", "RELIANCE"),
    *,
    ingest: bool = True,
) -> SeededLake:
    """Generate the sample under ``root/sample``; ingest it (or only stage it) into ``root/lake``."""
    import pandas as pd

    from vyapari.data.lake import Lake
    from vyapari.data.sample import generate_sample

    summary = generate_sample(root / "sample", sessions=sessions, end=end or date(2026, 11, 20))
    lake_dir = root / "lake"
    if not ingest:
        stage_landing(root / "sample", lake_dir, symbols)
        return SeededLake(root / "sample", lake_dir, summary.sessions)
    lake = Lake.at(lake_dir)
    for path in sorted((root / "sample" / "nse_udiff").iterdir()):
        lake.ingest_file(path)
    lake.ingest_file(root / "sample" / "corporate_actions" / "CF-CA-equities.csv")
    for symbol in symbols:
        lake.write_minute_bars(
            "NSE", symbol, pd.read_parquet(root / "sample" / "minute" / f"{symbol}.parquet")
        )
    return SeededLake(root / "sample", lake_dir, summary.sessions)


def stage_landing(sample: Path, lake: Path, symbols: tuple[str, ...]) -> None:
    """Copy the sample's corporate actions and the minute files of ``symbols`` under ``lake/landing/``."""
    actions = lake / "landing" / "corporate_actions"
    minute = lake / "landing" / "minute" / "NSE"
    actions.mkdir(parents=True, exist_ok=True)
    minute.mkdir(parents=True, exist_ok=True)
    shutil.copy(sample / "corporate_actions" / "CF-CA-equities.csv", actions)
    for symbol in symbols:
        shutil.copy(sample / "minute" / f"{symbol}.parquet", minute)
