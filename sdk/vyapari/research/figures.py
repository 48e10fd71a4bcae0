"""Plotly figures of a backtest for notebooks: equity and drawdown on trading time, and the tear
sheet (the report's charts, statistics and parameters in one figure).

The x axis skips nights, weekends and holidays with plotly ``rangebreaks`` (see
:func:`vyapari.evaluation.report_figures.trading_breaks`), so a chart of minute bars is not mostly
flat steps. Amounts ₹, drawdown and returns in percent.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from vyapari.evaluation.result import WeeklyEvaluation
    from vyapari.evaluation.tearsheet import TearSheet

BADGE_COLOURS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828"}


def _rangebreaks(index: pd.DatetimeIndex) -> list[dict[str, Any]]:
    """Days without a session (weekends, holidays, gaps) and, intraday, the nights."""
    from vyapari.evaluation.report_figures import trading_breaks

    return trading_breaks(index)


def _downsampled(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (by IST time) with each session's first, lowest, highest and last equity and
    drawdown kept (every row of a short run; a few thousand of a year of minutes)."""
    import numpy as np

    from vyapari.evaluation.downsample import session_minmax

    index = pd.DatetimeIndex(frame.index)
    ns = (index.tz_convert("UTC") if index.tz is not None else index.tz_localize("Asia/Kolkata")
          ).as_unit("ns").asi8
    keep = np.union1d(session_minmax(ns, frame["equity"].to_numpy(dtype=float)),
                      session_minmax(ns, frame["drawdown"].to_numpy(dtype=float)))
    return frame.iloc[keep]


def equity_figure(equity: pd.DataFrame, title: str) -> Any:
    """Equity (₹) above drawdown (%) of an ``equity``/``drawdown`` frame indexed by IST time, on
    trading time (downsampled per session, min and max kept, when longer than a screen shows)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    shown = _downsampled(equity)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3], vertical_spacing=0.05)
    fig.add_trace(go.Scatter(x=shown.index, y=shown["equity"], name="equity (₹)"), row=1, col=1)
    fig.add_trace(
        go.Scatter(x=shown.index, y=shown["drawdown"] * 100, name="drawdown (%)", fill="tozeroy"),
        row=2,
        col=1,
    )
    fig.update_xaxes(rangebreaks=_rangebreaks(pd.DatetimeIndex(equity.index)))
    fig.update_yaxes(title_text="₹", row=1, col=1)
    fig.update_yaxes(title_text="%", row=2, col=1)
    fig.update_layout(title=title, height=520, showlegend=False)
    return fig


def _stats_table(sheet: TearSheet) -> dict[str, Any]:
    from vyapari.evaluation.report_tables import STATISTICS, fmt

    rows = [(label, fmt(sheet.statistics.get(key), kind)) for label, key, kind in STATISTICS
            if key in sheet.statistics]
    return {"type": "table", "header": {"values": ["statistic", "value"], "align": "left"},
            "cells": {"values": [[r[0] for r in rows], [r[1] for r in rows]], "align": "left"}}


def _parameters_table(sheet: TearSheet) -> dict[str, Any]:
    import json

    params = dict(sheet.parameters)
    inner = params.pop("params", {}) or {}
    rows = [(str(k), json.dumps(v)) for k, v in inner.items()] + [(k, str(v)) for k, v in params.items()]
    share = sheet.charges_share
    rows.append(("charges / gross P&L", f"{share:.2%}" if math.isfinite(share) else "gross P&L not positive"))
    return {"type": "table", "header": {"values": ["parameter", "value"], "align": "left"},
            "cells": {"values": [[r[0] for r in rows], [r[1] for r in rows]], "align": "left"}}


def report_figure(
    equity: pd.Series,
    evaluation: WeeklyEvaluation,
    title: str,
    trades: pd.DataFrame | None = None,
    summary: dict[str, Any] | None = None,
    benchmark: pd.Series | None = None,
) -> Any:
    """The tear sheet as one figure: equity (net, gross, benchmark) and drawdown on trading time,
    weekly gross returns by badge, the monthly returns heatmap, P&L per symbol, charges by
    component, the statistics and the parameters; the weekly verdict in the title.

    ``equity``: net equity (₹) by IST time; ``trades`` and ``summary`` as ``trades.parquet`` and
    ``summary.json``; ``benchmark`` an index's session closes by date (e.g. NIFTY 50).
    """
    from plotly.subplots import make_subplots

    from vyapari.evaluation.inputs import cumulative_charges
    from vyapari.evaluation.report_figures import report_figures
    from vyapari.evaluation.tearsheet import build_tear_sheet

    sheet = build_tear_sheet(equity, trades, summary, benchmark)
    gross = equity
    if trades is not None and "charges_inr" in trades.columns:
        gross = equity + cumulative_charges(trades, pd.DatetimeIndex(equity.index))
    charts = dict(report_figures(evaluation, equity, gross, sheet))
    fig = make_subplots(
        rows=5, cols=2, row_heights=[0.26, 0.12, 0.17, 0.17, 0.28], vertical_spacing=0.06,
        horizontal_spacing=0.08,
        specs=[[{"colspan": 2}, None], [{"colspan": 2}, None], [{}, {}], [{}, {}],
               [{"type": "table"}, {"type": "table"}]],
        subplot_titles=("equity (₹): net, gross of charges" + (", benchmark" if sheet.benchmark else ""),
                        "drawdown (%)", "weekly gross return (%) — grey: partial week", "monthly returns (%)",
                        "realised net P&L per symbol (₹)", "charges by component (₹)", "", ""),
    )
    places = {"equity": (1, 1), "drawdown": (2, 1), "weekly": (3, 1), "monthly": (3, 2), "symbols": (4, 1),
              "charges": (4, 2)}
    for name, (row, col) in places.items():
        for trace in charts[name]["data"]:
            fig.add_trace(trace, row=row, col=col)
    fig.update_traces(showscale=False, selector={"type": "heatmap"})
    fig.add_trace(_stats_table(sheet), row=5, col=1)
    fig.add_trace(_parameters_table(sheet), row=5, col=2)
    breaks = _rangebreaks(pd.DatetimeIndex(equity.index))
    fig.update_xaxes(rangebreaks=breaks, row=1, col=1)
    fig.update_xaxes(rangebreaks=breaks, row=2, col=1)
    fig.update_xaxes(type="category", row=4, col=1)
    fig.update_yaxes(autorange="reversed", type="category", row=3, col=2)
    badge = evaluation.badge.value
    fig.update_layout(
        title={
            "text": f"{title} — weekly verdict: <b style='color:{BADGE_COLOURS.get(badge, '#000')}'>"
            f"{badge.upper()}</b>"
        },
        height=1500,
        showlegend=False,
    )
    return fig


def heatmap_figure(ranking: pd.DataFrame, x: str, y: str, metric: str, title: str) -> Any:
    """``metric`` over two parameters of a sweep's ranking (mean over the other parameters)."""
    import plotly.graph_objects as go

    table = ranking.pivot_table(index=y, columns=x, values=metric, aggfunc="mean").sort_index()
    fig = go.Figure(
        go.Heatmap(
            z=table.to_numpy(),
            x=[str(c) for c in table.columns],
            y=[str(i) for i in table.index],
            colorscale="RdYlGn",
            colorbar={"title": metric},
        )
    )
    fig.update_layout(title=title, xaxis_title=x, yaxis_title=y)
    return fig
