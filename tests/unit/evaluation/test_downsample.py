"""The report's line downsampling keeps what a chart shows: each session's first, lowest, highest
and last value, with a bounded number of points; and the report draws the downsampled line."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from tests.unit.evaluation.curves import NINE_WEEKS, weekly_curve

from vyapari.evaluation.downsample import session_minmax
from vyapari.evaluation.report import CHARTS, write_report
from vyapari.evaluation.weekly import WeeklyTargetEvaluator
from vyapari.strategy.synthetic import random_walk_panel


def minute_line(sessions: int, seed: int = 3) -> pd.Series:
    """A random-walk equity line (₹) on real NSE minute timestamps (375 a session)."""
    panel = random_walk_panel(1, sessions, seed=seed)
    index = pd.DatetimeIndex(pd.to_datetime(panel.ts, utc=True)).tz_convert("Asia/Kolkata")
    return pd.Series(panel.close[:, 0] * 100, index=index)


def by_session(line: pd.Series) -> pd.core.groupby.SeriesGroupBy:
    return line.groupby(line.index.date)


@pytest.mark.parametrize("sessions,buckets", [(250, 1000), (40, 1000), (40, 30), (3, 50)])
def test_each_session_keeps_its_first_min_max_and_last_value(sessions, buckets):
    line = minute_line(sessions)
    keep = session_minmax(line.index.asi8, line.to_numpy(), buckets)
    assert np.all(np.diff(keep) > 0)  # sorted positions, no repeats
    kept = line.iloc[keep]
    full, drawn = by_session(line), by_session(kept)
    for stat in ("first", "min", "max", "last"):
        pd.testing.assert_series_equal(drawn.agg(stat), full.agg(stat))
    assert kept.iloc[-1] == line.iloc[-1]
    assert len(kept) <= 4 * max(buckets, sessions)
    if len(line) > 4 * buckets:
        assert len(kept) < len(line)


def test_a_year_of_minutes_is_drawn_with_a_few_thousand_points():
    line = minute_line(250)  # 93,750 points: the standard workload's equity curve
    keep = session_minmax(line.index.asi8, line.to_numpy())
    assert 250 * 4 <= len(keep) <= 4_000
    # buckets inside a session keep their own extremes too (4 buckets a session here)
    bucket_max = line.groupby([line.index.date, np.arange(len(line)) % 375 // 94]).max()
    kept_max = line.iloc[keep].groupby([line.index.date[keep], keep % 375 // 94]).max()
    pd.testing.assert_series_equal(kept_max, bucket_max)


def test_a_short_line_is_kept_whole_and_nan_is_never_an_extreme():
    line = minute_line(2)
    assert session_minmax(line.index.asi8, line.to_numpy()).tolist() == list(range(len(line)))
    values = minute_line(30).to_numpy().copy()
    values[::7] = np.nan
    ts = minute_line(30).index.asi8
    keep = session_minmax(ts, values, 10)
    extremes = values[keep]
    finite = extremes[np.isfinite(extremes)]
    assert np.nanmax(values) in finite and np.nanmin(values) in finite


def test_report_draws_the_downsampled_line_and_says_so(tmp_path):
    equity = minute_line(60)  # 22,500 minute points
    ev = WeeklyTargetEvaluator().evaluate(equity)
    html = write_report(tmp_path, ev, equity).read_text(encoding="utf-8")
    calls = re.findall(r'Plotly\.newPlot\("plot-(\w+)", (.*?), \{"displaylogo"', html)
    assert [name for name, _ in calls] == list(CHARTS)
    data = json.loads("[" + dict(calls)["equity"] + "]")[0]
    net = data[0]
    assert 1000 < len(net["y"]) < len(equity)
    assert max(net["y"]) == equity.max() and min(net["y"]) == equity.min()
    assert net["y"][-1] == equity.iloc[-1]
    assert net["x"][-1] == equity.index[-1].strftime("%Y-%m-%d %H:%M:%S")  # IST wall time
    assert f"{len(equity):,} points drawn as {len(net['y']):,}" in html


def test_report_of_a_short_curve_draws_every_point_without_a_note(tmp_path):
    equity = weekly_curve(NINE_WEEKS, 0.01)
    html = write_report(tmp_path, WeeklyTargetEvaluator().evaluate(equity), equity).read_text()
    assert "points drawn as" not in html
    assert html.count("Plotly.newPlot") == len(CHARTS)


def test_each_bucket_keeps_the_first_of_tied_extremes_as_a_stable_sort_would():
    """Ties (flat stretches, rounded prices) and NaN runs: the position kept for a bucket's minimum
    and maximum is the first one holding it, as a stable sort of (bucket, value) picks."""
    rng = np.random.default_rng(11)
    ts = minute_line(40).index.asi8
    values = np.round(rng.normal(0, 1, ts.size).cumsum(), 0)  # many ties
    values[rng.random(ts.size) < 0.2] = np.nan
    values[375:750] = np.nan  # a session of NaN only
    keep = session_minmax(ts, values, 200)
    day = (ts + 19_800_000_000_000) // 86_400_000_000_000
    per_session = 5  # 200 buckets over 40 sessions
    bucket = np.searchsorted(np.unique(day), day) * per_session + np.arange(ts.size) % 375 // 75
    low = np.where(np.isnan(values), np.inf, values)
    high = np.where(np.isnan(values), -np.inf, values)
    edges = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
    first_min = np.lexsort((low, bucket))[edges]
    first_max = np.lexsort((-high, bucket))[edges]
    assert set(first_min) <= set(keep) and set(first_max) <= set(keep)
    assert set(edges) | set(np.r_[edges[1:], ts.size] - 1) <= set(keep)
    assert len(keep) == len(set(edges) | set(np.r_[edges[1:], ts.size] - 1) | set(first_min) | set(first_max))
