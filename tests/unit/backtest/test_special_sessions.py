"""Daily bars are stamped at their session's open, so daily backtests cross Muhurat and Sunday sessions."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from tests.unit.data.official_layouts import reshaped_dir
from tests.unit.data.real_lake import build_real_lake, real_days

from vyapari.cli.demo import ingest_sample
from vyapari.cli.main import main
from vyapari.data.lake import Lake
from vyapari.data.sample import generate_sample

needs_real_data = pytest.mark.skipif(
    not reshaped_dir().is_dir(),
    reason="real data folder ../shared/data/nse_bhavcopy_reshaped is absent (see the shared data README)",
)


def _daily_backtest(lake: Path, symbols: str, start: str, end: str, capsys: pytest.CaptureFixture[str]
                    ) -> dict:
    code = main(["backtest", "--strategy", "sma_cross", "--params", '{"fast": 2, "slow": 4}',
                 "--lake", str(lake), "--interval", "1d", "--symbols", symbols,
                 "--start", start, "--end", end, "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


@needs_real_data
def test_real_daily_bars_are_stamped_at_each_sessions_open(tmp_path: Path) -> None:
    days = [date(2025, 10, 20), date(2025, 10, 21), date(2026, 1, 30), date(2026, 2, 1)]
    lake = build_real_lake(tmp_path, days)
    bars = lake.read_daily_bars("NSE", ["RELIANCE"], days[0], days[-1])
    stamps = [t.isoformat() for t in bars["ts"]]
    assert stamps == ["2025-10-20T09:15:00+05:30", "2025-10-21T13:45:00+05:30",
                      "2026-01-30T09:15:00+05:30", "2026-02-01T09:15:00+05:30"]


@needs_real_data
def test_real_daily_backtest_runs_across_muhurat_and_the_sunday_budget_session(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    days = real_days(date(2025, 10, 13), date(2025, 10, 31)) + real_days(date(2026, 1, 27), date(2026, 2, 6))
    assert date(2025, 10, 21) in days and date(2026, 2, 1) in days
    build_real_lake(tmp_path / "lake", days)
    summary = _daily_backtest(tmp_path / "lake", "RELIANCE,INFY,TCS", "2025-10-13", "2026-02-06", capsys)
    assert summary["bars"] == 3 * len(days)
    assert summary["fills"] > 0


def test_sample_lake_daily_backtest_runs_across_muhurat(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    sample = generate_sample(tmp_path / "sample", sessions=12, end=date(2025, 10, 24), seed=7)
    assert date(2025, 10, 21) in [date.fromisoformat(str(d)) for d in sample.sessions]
    ingest_sample(tmp_path / "sample", tmp_path / "lake")
    bars = Lake.at(tmp_path / "lake").read_daily_bars("NSE", None, date(2025, 10, 21), date(2025, 10, 21))
    assert len(bars) and {t.strftime("%H:%M") for t in bars["ts"]} == {"13:45"}
    symbols = ",".join(sorted(set(bars["symbol"]))[:3])
    summary = _daily_backtest(tmp_path / "lake", symbols, str(sample.sessions[0]), "2025-10-24", capsys)
    assert summary["bars"] == 3 * 12
