"""The tear sheet against figures worked out by hand on a four-session curve, and the report's sections."""

import json
import re

import numpy as np
import pandas as pd
import pytest

from vyapari.evaluation.report import CHARTS, write_report
from vyapari.evaluation.report_tables import STATISTICS
from vyapari.evaluation.tearsheet import build_tear_sheet
from vyapari.evaluation.weekly import WeeklyTargetEvaluator

SESSIONS = ["2026-01-29", "2026-01-30", "2026-02-02", "2026-02-03"]  # Thu, Fri, (weekend), Mon, Tue
BENCH = [0.05, 0.05, -0.05, 0.05]
RUN = [2 * b + 0.001 for b in BENCH]  # the run = 2 × the benchmark + 0.1 % a session


def curve() -> pd.Series:
    """Capital ₹100; three points a session (09:15 open, a 12:00 dip on 2 Feb, the 15:29 close)."""
    closes = 100 * np.cumprod([1 + r for r in RUN])
    ts, values, prev = [], [], 100.0
    for day, close in zip(SESSIONS, closes, strict=True):
        dip = 100.0 if day == "2026-02-02" else (prev + close) / 2
        for hm, value in (("09:15", prev), ("12:00", dip), ("15:29", close)):
            ts.append(pd.Timestamp(f"{day} {hm}", tz="Asia/Kolkata"))
            values.append(value)
        prev = close
    return pd.Series(values, index=pd.DatetimeIndex(ts))


def fills() -> pd.DataFrame:
    t = pd.Timestamp("2026-01-29 10:00", tz="Asia/Kolkata")
    return pd.DataFrame(
        {
            "ts": [t, t + pd.Timedelta(hours=1), t + pd.Timedelta(hours=2), t + pd.Timedelta(days=1)],
            "symbol": ["A", "B", "A", "B"],
            "side": ["BUY", "BUY", "SELL", "SELL"],
            "quantity": [10, 5, 10, 5],
            "price": [100.0, 200.0, 110.0, 190.0],
            "notional_inr": [1000.0, 1000.0, 1100.0, 950.0],
            "brokerage_inr": [0.5] * 4,
            "stt_inr": [0.5] * 4,
            "charges_inr": [1.0] * 4,
            "realised_pnl_inr": [0.0, 0.0, 100.0, -50.0],
        }
    )


SUMMARY = {"strategy": "hand", "params": {"fast": 5}, "capital_inr": 100.0, "gross_pnl_inr": 50.0}
BENCHMARK = pd.Series(1000 * np.cumprod([1.0] + [1 + b for b in BENCH]),
                      index=pd.to_datetime(["2026-01-28", *SESSIONS]))


def test_tear_sheet_figures_match_hand_computed_values():
    sheet = build_tear_sheet(curve(), fills(), SUMMARY, BENCHMARK)
    s = sheet.statistics
    jan, feb = 1.101 * 1.101 - 1, 0.901 * 1.101 - 1
    assert sheet.monthly.loc[2026, 1] == pytest.approx(jan)
    assert sheet.monthly.loc[2026, 2] == pytest.approx(feb)
    assert sheet.monthly.loc[2026, "year"] == pytest.approx((1 + jan) * (1 + feb) - 1)
    assert np.isnan(sheet.monthly.loc[2026, 3])
    assert s["total_return"] == pytest.approx(1.101**3 * 0.901 - 1)
    # intraday: the 2 Feb dip to ₹100 from the ₹121.22 peak (1.101² × 100), deeper than any close
    assert s["max_drawdown"] == pytest.approx(1 - 100 / (100 * 1.101**2))
    assert s["max_drawdown_sessions"] == 2  # the 30 Jan peak is regained on 3 Feb
    # round trips: A +₹100 − ₹2 charges, B −₹50 − ₹2
    assert s["trades"] == 2 and s["win_rate"] == pytest.approx(0.5)
    assert s["profit_factor"] == pytest.approx(98 / 52) and s["expectancy_inr"] == pytest.approx(23.0)
    assert s["avg_win_inr"] == pytest.approx(98.0) and s["avg_loss_inr"] == pytest.approx(-52.0)
    assert s["turnover"] == pytest.approx(4050 / 100)  # no engine statistics: notional / capital
    assert sheet.charges == {"brokerage": 2.0, "stt": 2.0} and sheet.charges_share == pytest.approx(4 / 50)
    assert sheet.per_symbol is not None
    per = sheet.per_symbol.set_index("symbol")
    assert per.loc["A", "net_pnl_inr"] == pytest.approx(98.0) and per.loc["B", "net_pnl_inr"] == -52.0
    # returns are exactly 2 × the benchmark's + 0.001: beta 2, alpha 0.001 × 252 a year
    assert sheet.benchmark is not None and sheet.benchmark.sessions == 4
    assert s["beta"] == pytest.approx(2.0) and s["alpha"] == pytest.approx(0.252)


def _figures(html: str) -> dict[str, tuple[list, dict]]:
    calls = re.findall(r'Plotly\.newPlot\("plot-(\w+)", (.*?), \{"displaylogo"', html)
    return {name: tuple(json.loads("[" + spec + "]")) for name, spec in calls}


def test_the_report_has_every_section_under_the_verdict(tmp_path):
    equity = curve()
    cost = [{"multiplier": 2.0, "mean_weekly_net_return": 0.006, "dies_at_2x": True}]
    robustness = {"cost_sensitivity": cost, "deflated_sharpe": 0.4321}
    ev = WeeklyTargetEvaluator().evaluate(equity)
    html = write_report(tmp_path, ev, equity, fills(), SUMMARY, robustness, benchmark=BENCHMARK).read_text()
    order = ["Verdict:", "<h2>Run</h2>", "Parameters", "<h2>Statistics</h2>", 'id="plot-equity"',
             "<h2>Charges</h2>", "<h2>P&amp;L per symbol</h2>", "<h2>Round trips (first 2 of 2)</h2>",
             "<h2>Robustness</h2>", "<h2>Trades (first 4 of 4)</h2>"]
    at = [html.index(mark) for mark in order]
    assert at == sorted(at)
    for label, _, _ in STATISTICS:
        assert f"<th>{label}</th>" in html
    assert "<td>2.00</td>" in html  # beta
    assert "₹4.00 paid: 8.00% of the gross P&amp;L of ₹50.00" in html
    robust = html[html.index("<h2>Robustness</h2>"):html.index("<h2>Trades")]
    assert "<td>2×</td>" in robust and "<td>0.60%</td>" in robust and "<td>yes</td>" in robust
    assert "True" not in robust and "0.006" not in robust and "<td>0.432</td>" in robust
    figures = _figures(html)
    assert list(figures) == list(CHARTS)
    data, layout = figures["equity"]
    assert [d["name"].split(" ")[0] for d in data] == ["net", "gross", "NIFTY"]
    breaks = layout["xaxis"]["rangebreaks"]
    # the night from the 15:29 bar's end to 09:15, and the weekend's trading hours (not
    # overlapping the night breaks: plotly.js draws overlapping breaks wrongly)
    assert breaks == [{"bounds": [15.5, 9.25], "pattern": "hour"},
                      {"values": ["2026-01-31 09:15:00", "2026-02-01 09:15:00"], "dvalue": 375 * 60_000}]
    z = figures["monthly"][0][0]["z"]
    assert z[0][:3] == [pytest.approx((1.101**2 - 1) * 100), pytest.approx((0.901 * 1.101 - 1) * 100), None]
    assert figures["symbols"][0][0]["x"] == ["A", "B"]
    doc = json.loads((tmp_path / "report.json").read_text())
    assert doc["benchmark"]["beta"] == pytest.approx(2.0) and doc["statistics"]["trades"] == 2
