"""report.json and report.html without a browser (the browser checks are in tests/integration/report)."""

import json

import numpy as np
import pandas as pd
from tests.unit.evaluation.curves import NINE_WEEKS, weekly_curve

from vyapari.evaluation.inputs import charges_breakdown
from vyapari.evaluation.report import MAX_TRADES, write_report
from vyapari.evaluation.weekly import WeeklyTargetEvaluator


def test_write_report_json_is_standard_json_with_nan_as_null(tmp_path):
    equity = weekly_curve(NINE_WEEKS, 0.01)
    ev = WeeklyTargetEvaluator().evaluate(equity)
    robustness = {"deflated_sharpe": float("nan"), "rows": [{"x": np.float64(1.5), "n": np.int64(3)}]}
    html = write_report(tmp_path, ev, equity, summary={"strategy": "s"}, robustness=robustness)
    doc = json.loads((tmp_path / "report.json").read_text(), parse_constant=lambda c: 1 / 0)
    assert doc["robustness"] == {"deflated_sharpe": None, "rows": [{"x": 1.5, "n": 3}]}
    assert doc["evaluation"]["badge"] == "green" and doc["charges_inr"] == {}
    text = html.read_text()
    assert text.count('<script type="text/javascript">/**') <= 1  # plotly.js inlined once
    assert "Verdict:" in text and "#1a7f37" in text and "Robustness" in text


def test_write_report_caps_the_trades_table_and_sums_charge_columns(tmp_path):
    equity = weekly_curve(NINE_WEEKS, 0.01)
    n = MAX_TRADES + 20
    trades = pd.DataFrame(
        {
            "ts": pd.DatetimeIndex([equity.index[0]] * n),
            "stt_inr": 1.0,
            "gst_inr": 0.5,
            "notional_inr": 1000.0,
            "charges_inr": 1.5,
            "realised_pnl_inr": 0.0,
        }
    )
    write_report(tmp_path, WeeklyTargetEvaluator().evaluate(equity), equity, trades)
    text = (tmp_path / "report.html").read_text()
    assert f"Trades (first {MAX_TRADES} of {n})" in text
    assert json.loads((tmp_path / "report.json").read_text())["charges_inr"] == {"stt": 520.0, "gst": 260.0}
    assert charges_breakdown(trades[["ts", "charges_inr"]]) == {"charges": 780.0}
    assert charges_breakdown(None) == {}
