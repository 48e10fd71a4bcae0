"""Reports: ``report.json`` and a self-contained ``report.html`` (Plotly, inlined, no network).

The HTML shows the badges, the equity curve (net and gross of charges), the drawdown,
weekly returns against the target line, the charges breakdown, the trades table (first
500 rows) and the robustness section.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vyapari.evaluation.weekly import WeeklyEvaluation

COLOURS = {"green": "#1a7f37", "amber": "#b7791f", "red": "#c53030"}
MAX_TRADES = 500


def _figures(
    ev: WeeklyEvaluation, equity: pd.Series, gross: pd.Series, target: float, charges: dict[str, float]
) -> list[tuple[str, Any]]:
    import plotly.graph_objects as go

    eq = go.Figure(
        [
            go.Scatter(x=equity.index, y=equity.to_numpy(), name="net equity (₹)"),
            go.Scatter(x=gross.index, y=gross.to_numpy(), name="gross of charges (₹)"),
        ]
    )
    eq.update_layout(title="Equity", xaxis_title="time (IST)", yaxis_title="₹")
    peaks = np.maximum.accumulate(equity.to_numpy(dtype=float))
    dd = go.Figure(
        [
            go.Scatter(
                x=equity.index, y=(equity.to_numpy() / peaks - 1) * 100, fill="tozeroy", name="drawdown %"
            )
        ]
    )
    dd.update_layout(title="Drawdown", yaxis_title="%")
    weeks = ev.weekly
    colours = np.where(
        weeks["partial"],
        "#a0aec0",
        np.where(weeks["gross_return"] >= target, COLOURS["green"], COLOURS["red"]),
    )
    wk = go.Figure(
        [
            go.Bar(
                x=weeks["week"],
                y=weeks["gross_return"] * 100,
                marker_color=colours,
                name="weekly gross return %",
            )
        ]
    )
    wk.add_hline(y=target * 100, line_dash="dash", annotation_text=f"target {target:.2%}")
    wk.update_layout(title="Weekly gross returns (grey: partial week)", yaxis_title="%")
    ch = go.Figure([go.Bar(x=list(charges), y=list(charges.values()), name="₹")])
    ch.update_layout(title="Charges paid (₹)")
    return [("equity", eq), ("drawdown", dd), ("weekly", wk), ("charges", ch)]


def _badges_html(ev: WeeklyEvaluation) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(c.name)}</td><td>{c.value * 100:.2f}%</td><td>{c.target * 100:.2f}%</td>"
        f"<td><span class='badge' style='background:{COLOURS[c.badge.value]}'>{c.badge.value}</span></td>"
        f"<td>{html.escape(c.reason)}</td></tr>"
        for c in ev.criteria
    )
    overall = (
        f"<span class='badge' style='background:{COLOURS[ev.badge.value]}'>{ev.badge.value.upper()}</span>"
    )
    return (
        f"<h2>Verdict: {overall}</h2><table><tr><th>criterion</th><th>value</th><th>target</th><th>badge</th>"
        f"<th>reason</th></tr>{rows}</table>"
    )


def _table_html(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, border=0, classes="data", float_format=lambda x: f"{x:,.2f}")


PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px}}
.badge{{color:#fff;padding:2px 8px;border-radius:4px;font-weight:600}}
table{{border-collapse:collapse;margin:1rem 0}}
td,th{{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}}
.note{{color:#555}}</style></head><body><h1>{title}</h1>{body}</body></html>"""


def write_report(
    out_dir: Path,
    evaluation: WeeklyEvaluation,
    equity: pd.Series,
    *,
    gross: pd.Series | None = None,
    trades: pd.DataFrame | None = None,
    summary: dict[str, Any] | None = None,
    robustness: dict[str, Any] | None = None,
    target: float = 0.01,
    title: str = "vyapari report",
) -> Path:
    """Write ``report.json`` and ``report.html`` into ``out_dir``; returns the HTML path."""
    import plotly.io as pio

    out_dir.mkdir(parents=True, exist_ok=True)
    charges = {}
    if trades is not None and len(trades):
        charges = {
            c.removesuffix("_inr"): round(float(trades[c].sum()), 2)
            for c in trades.columns
            if c.endswith("_inr") and c not in ("notional_inr", "charges_inr", "realised_pnl_inr")
        }
    payload = {
        "evaluation": evaluation.to_dict(),
        "summary": summary or {},
        "charges_inr": charges,
        "robustness": robustness or {},
    }
    (out_dir / "report.json").write_text(
        json.dumps(payload, indent=2, default=str, ensure_ascii=False) + "\n"
    )
    parts = [_badges_html(evaluation)]
    if summary:
        parts.append(
            "<h2>Run</h2>"
            + _table_html(pd.DataFrame([{k: v for k, v in summary.items() if not isinstance(v, dict)}]))
        )
    for i, (name, fig) in enumerate(
        _figures(evaluation, equity, gross if gross is not None else equity, target, charges)
    ):
        parts.append(
            f"<div id='chart-{name}' class='chart'>"
            + pio.to_html(fig, include_plotlyjs=(i == 0), full_html=False, div_id=f"plot-{name}")
            + "</div>"
        )
    if robustness:
        parts.append(
            "<h2>Robustness</h2><pre>" + html.escape(json.dumps(robustness, indent=2, default=str)) + "</pre>"
        )
    if trades is not None:
        parts.append(f"<h2>Trades (first {MAX_TRADES})</h2>" + _table_html(trades.head(MAX_TRADES)))
    parts.append("<p class='note'>Times IST; amounts ₹. Badges judge the full weeks only.</p>")
    path = out_dir / "report.html"
    path.write_text(PAGE.format(title=html.escape(title), body="\n".join(parts)), encoding="utf-8")
    return path
