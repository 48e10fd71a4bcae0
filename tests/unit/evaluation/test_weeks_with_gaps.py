"""Weeks are counted against the calendar: sessions missing from the data flag their week, a week
after a wholly missing week is not stretched over the gap, and the run says so."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from tests.unit.data.official_layouts import reshaped_dir
from tests.unit.data.real_lake import build_real_lake, real_days
from tests.unit.evaluation.curves import NINE_WEEKS, weekly_curve

from vyapari.cli.main import main
from vyapari.evaluation.weekly import WeeklyTargetEvaluator


def _curve_without(days: list[date]) -> pd.Series:
    full = weekly_curve(NINE_WEEKS, 0.01)
    keep = [d not in days for d in NINE_WEEKS]
    return full[keep]


def test_a_week_with_a_missing_session_is_flagged_and_left_out() -> None:
    dropped = NINE_WEEKS[12]  # a mid-week session of the third week
    ev = WeeklyTargetEvaluator().evaluate(_curve_without([dropped]), charges_known=False)
    week = ev.weekly[ev.weekly["first_session"] <= dropped].iloc[-1]
    assert week["missing_sessions"] == 1 and week["partial"]
    assert len(ev.full_weeks) == 8
    assert ev.data_gaps == [(dropped.isoformat(), dropped.isoformat(), 1)]
    assert any("data gap" in n for n in ev.notes)


def test_a_week_after_a_wholly_missing_week_is_not_stretched_over_the_gap() -> None:
    iso = [d.isocalendar()[:2] for d in NINE_WEEKS]
    fourth = [d for d, w in zip(NINE_WEEKS, iso, strict=True) if w == sorted(set(iso))[3]]
    ev = WeeklyTargetEvaluator().evaluate(_curve_without(fourth), charges_known=False)
    assert fourth[0].isoformat() not in set(ev.weekly["first_session"].map(str))
    after = ev.weekly[ev.weekly["first_session"] > fourth[-1]].iloc[0]
    assert after["after_gap"] and after["partial"] and after["missing_sessions"] == 0
    assert len(ev.full_weeks) == 7  # nine weeks, one missing, the one after it not judged
    assert ev.data_gaps == [(fourth[0].isoformat(), fourth[-1].isoformat(), len(fourth))]


def test_holidays_are_not_gaps() -> None:
    ev = WeeklyTargetEvaluator().evaluate(weekly_curve(NINE_WEEKS, 0.01), charges_known=False)
    assert ev.data_gaps == [] and not ev.weekly["partial"].any()


def test_evaluate_cli_prints_a_gap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    curve = _curve_without([NINE_WEEKS[12]])
    path = tmp_path / "equity.csv"
    pd.DataFrame({"ts": curve.index, "net_equity": curve.to_numpy()}).to_csv(path, index=False)
    assert main(["evaluate", "--equity", str(path)]) == 0
    assert "data gap" in capsys.readouterr().out


needs_real_data = pytest.mark.skipif(
    not reshaped_dir().is_dir(),
    reason="real data folder ../shared/data/nse_bhavcopy_reshaped is absent (see the shared data README)",
)


@needs_real_data
def test_real_daily_run_with_a_removed_day_flags_its_week(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    days = real_days(date(2025, 9, 1), date(2025, 10, 31))
    removed = date(2025, 9, 17)  # a Wednesday, a trading session
    assert removed in days
    build_real_lake(tmp_path / "lake", [d for d in days if d != removed])
    out = tmp_path / "run"
    code = main(["backtest", "--strategy", "sma_cross", "--params", '{"fast": 2, "slow": 5}',
                 "--lake", str(tmp_path / "lake"), "--interval", "1d", "--symbols", "RELIANCE,INFY",
                 "--start", "2025-09-01", "--end", "2025-10-31", "--out", str(out), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "2025-09-17 .. 2025-09-17" in captured.err  # the run says it spans a gap
    summary = json.loads(captured.out)
    assert summary["data_gaps"] == [{"first_missing": "2025-09-17", "last_missing": "2025-09-17",
                                     "sessions": 1}]
    report = json.loads((out / "report.json").read_text())["evaluation"]
    week = next(w for w in report["weekly"] if w["first_session"] <= "2025-09-17" <= w["last_session"])
    assert week["missing_sessions"] == 1 and week["partial"]
    assert week["week"] in report["partial_weeks"]


@needs_real_data
def test_real_collection_gap_is_reported_and_no_week_spans_it(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    # the shared bhavcopies miss 2025-12-03 .. 2026-01-09 (collection gap, not holidays)
    days = real_days(date(2025, 11, 17), date(2026, 1, 23))
    build_real_lake(tmp_path / "lake", days)
    out = tmp_path / "run"
    code = main(["backtest", "--strategy", "sma_cross", "--params", '{"fast": 2, "slow": 5}',
                 "--lake", str(tmp_path / "lake"), "--interval", "1d", "--symbols", "RELIANCE",
                 "--start", "2025-11-17", "--end", "2026-01-23", "--out", str(out), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    gaps = json.loads(captured.out)["data_gaps"]
    assert [(g["first_missing"], g["last_missing"]) for g in gaps] == [("2025-12-03", "2026-01-09")]
    weekly = json.loads((out / "report.json").read_text())["evaluation"]["weekly"]
    first_after = next(w for w in weekly if w["first_session"] >= "2026-01-12")
    assert first_after["after_gap"] and first_after["partial"]
    before = next(w for w in weekly if w["first_session"] <= "2025-12-02" <= w["last_session"])
    assert before["missing_sessions"] > 0 and before["partial"]
