"""Plotly figures of a backtest for notebooks: equity, drawdown, weekly returns, on trading time.

The x axis skips nights (15:30 → 09:15 IST) and weekends with plotly ``rangebreaks``, so a
chart of minute bars is not mostly flat steps. Amounts ₹, drawdown and returns in percent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from vyapari.evaluation.result import WeeklyEvaluation

BADGE_COLOURS = {"green": "#2e7d32", "amber": "#f9a825", "red": "#c62828"}


def _rangebreaks(index: pd.DatetimeIndex) -> list[dict[str, Any]]:
    """Weekends always; nights too when the bars are intraday."""
    breaks: list[dict[str, Any]] = [{"bounds": ["sat", "mon"]}]
    if len(index) > 1 and (index[1:] - index[:-1]).min() < pd.Timedelta(days=1):
        breaks.append({"bounds": [15.5, 9.25], "pattern": "hour"})
    return breaks


def equity_figure(equity: pd.DataFrame, title: str) -> Any:
    """Equity (₹) above drawdown (%) of an ``equity``/``drawdown`` frame indexed by IST time."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3], vertical_spacing=0.05)
    fig.add_trace(go.Scatter(x=equity.index, y=equity["equity"], name="equity (₹)"), row=1, col=1)
    fig.add_trace(
        go.Scatter(x=equity.index, y=equity["drawdown"] * 100, name="drawdown (%)", fill="tozeroy"),
        row=2,
        col=1,
    )
    fig.update_xaxes(rangebreaks=_rangebreaks(pd.DatetimeIndex(equity.index)))
    fig.update_yaxes(title_text="₹", row=1, col=1)
    fig.update_yaxes(title_text="%", row=2, col=1)
    fig.update_layout(title=title, height=520, showlegend=False)
    return fig


def report_figure(equity: pd.DataFrame, evaluation: WeeklyEvaluation, title: str) -> Any:
    """Equity, drawdown and weekly gross returns coloured by the verdict's badge."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=3,
        cols=1,
        row_heights=[0.5, 0.2, 0.3],
        vertical_spacing=0.08,
        subplot_titles=("equity (₹)", "drawdown (%)", "weekly gross return (%) — grey: partial week"),
    )
    fig.add_trace(go.Scatter(x=equity.index, y=equity["equity"], name="equity"), row=1, col=1)
    fig.add_trace(
        go.Scatter(x=equity.index, y=equity["drawdown"] * 100, name="drawdown", fill="tozeroy"), row=2, col=1
    )
    weekly = evaluation.weekly
    colours = [
        "#9e9e9e" if partial else ("#2e7d32" if value >= evaluation.targets.weekly_return else "#c62828")
        for value, partial in zip(weekly["gross_return"], weekly["partial"].astype(bool), strict=True)
    ]
    fig.add_trace(
        go.Bar(x=weekly["week"], y=weekly["gross_return"] * 100, marker_color=colours, name="weekly"),
        row=3,
        col=1,
    )
    breaks = _rangebreaks(pd.DatetimeIndex(equity.index))
    fig.update_xaxes(rangebreaks=breaks, row=1, col=1)
    fig.update_xaxes(rangebreaks=breaks, row=2, col=1)
    badge = evaluation.badge.value
    fig.update_layout(
        title={
            "text": f"{title} — weekly verdict: <b style='color:{BADGE_COLOURS.get(badge, '#000')}'>"
            f"{badge.upper()}</b>"
        },
        height=760,
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
