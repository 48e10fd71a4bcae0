"""Reports: ``report.json`` and a self-contained ``report.html``.

The HTML inlines the plotly.js bundle once (no network, no CDN) and shows the badges with their
reasons, the equity curve (net and gross of charges), the drawdown, the weekly gross returns
against the target line, the charges breakdown (sum of the trades' ``*_inr`` charge columns),
the trades table (first :data:`MAX_TRADES` rows) and the robustness section. Chart containers
have ids ``plot-equity``, ``plot-drawdown``, ``plot-weekly`` and ``plot-charges``.
The figures are plain plotly JSON (no validation pass) and the equity and drawdown lines are
downsampled per session, min and max kept (:mod:`vyapari.evaluation.downsample`): the report
costs O(sessions + trades) to draw, not O(bars).
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vyapari.core.time import IST
from vyapari.evaluation.downsample import session_minmax
from vyapari.evaluation.inputs import charges_breakdown, cumulative_charges
from vyapari.evaluation.result import WeeklyEvaluation

COLOURS = {"green": "#1a7f37", "amber": "#b7791f", "red": "#c53030"}
PARTIAL_COLOUR = "#a0aec0"
MAX_TRADES = 500
CHARTS = ("equity", "drawdown", "weekly", "charges")

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px}}
.badge{{color:#fff;padding:2px 8px;border-radius:4px;font-weight:600}}
table{{border-collapse:collapse;margin:1rem 0}}
td,th{{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}}
.note{{color:#555}}</style></head><body><h1>{title}</h1>{body}</body></html>"""


def _badge(value: str, text: str | None = None) -> str:
    return f"<span class='badge' style='background:{COLOURS[value]}'>{html.escape(text or value)}</span>"


def _fmt(value: float, is_fraction: bool) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"{value:.2%}" if is_fraction else f"{value:g}"


def badges_html(ev: WeeklyEvaluation) -> str:
    """The overall verdict and a table of criteria with coloured badges and reasons."""
    rows = "".join(
        f"<tr><td>{html.escape(c.name)}</td><td>{html.escape(c.basis or '-')}</td>"
        f"<td>{_fmt(c.value, c.is_fraction)}</td>"
        f"<td>{_fmt(c.target, c.is_fraction)}</td><td>{_badge(c.badge.value)}</td>"
        f"<td>{html.escape(c.reason)}</td></tr>"
        for c in ev.criteria
    )
    partial = ", ".join(ev.to_dict()["partial_weeks"]) or "none"
    return (
        f"<h2>Verdict: {_badge(ev.badge.value, ev.badge.value.upper())}</h2>"
        f"<p>{len(ev.full_weeks)} full weeks judged; partial weeks left out: {html.escape(partial)}</p>"
        "<table><tr><th>criterion</th><th>basis</th><th>value</th><th>target</th><th>badge</th>"
        f"<th>reason</th></tr>{rows}</table>"
        f"<p>Bases: the weekly return target is judged gross of charges, drawdowns on net equity. "
        f"Mean weekly gross return {_fmt(ev.mean_weekly_return, True)}, "
        f"net {_fmt(ev.mean_weekly_net_return, True)}.</p>"
    )


def _line_points(series: pd.Series, values: np.ndarray) -> tuple[list[str], list[float]]:
    """``values`` (aligned with ``series``'s IST index) downsampled per session: x as IST strings."""
    index = pd.DatetimeIndex(series.index)
    ts_ns = (index.tz_convert("UTC") if index.tz is not None else index.tz_localize(IST)).asi8
    keep = session_minmax(ts_ns, values)
    local = index[keep].tz_convert(IST) if index.tz is not None else index[keep]
    x = np.datetime_as_string(local.tz_localize(None).to_numpy(), unit="s")
    return np.char.replace(x, "T", " ").tolist(), _floats(values[keep])


def _floats(values: Any) -> list[Any]:
    """Floats for the chart JSON; NaN and ±inf become ``None`` (a gap in the line)."""
    array = np.asarray(values, dtype=float)
    return [v if math.isfinite(v) else None for v in array.tolist()]


def _figures(
    ev: WeeklyEvaluation, equity: pd.Series, gross: pd.Series, charges: dict[str, float]
) -> list[dict[str, Any]]:
    """The four charts as plotly figure dicts (data and layout), built without plotly's validation.

    Equity and drawdown are O(bars): they are drawn per session with the first, lowest, highest and
    last point of each bucket kept (:func:`~vyapari.evaluation.downsample.session_minmax`).
    """
    values = equity.to_numpy(dtype=float)
    ex, ey = _line_points(equity, values)
    gx, gy = _line_points(gross, gross.to_numpy(dtype=float))
    eq: dict[str, Any] = {
        "data": [
            {"type": "scatter", "mode": "lines", "x": ex, "y": ey, "name": "net equity (₹)"},
            {"type": "scatter", "mode": "lines", "x": gx, "y": gy, "name": "gross of charges (₹)"},
        ],
        "layout": {"title": {"text": "Equity"}, "xaxis": {"title": {"text": "time (IST)"}},
                   "yaxis": {"title": {"text": "₹"}}},
    }
    dx, dy = _line_points(equity, (values / np.maximum.accumulate(values) - 1) * 100)
    dd = {
        "data": [{"type": "scatter", "mode": "lines", "x": dx, "y": dy, "fill": "tozeroy"}],
        "layout": {"title": {"text": "Drawdown"}, "xaxis": {"title": {"text": "time (IST)"}},
                   "yaxis": {"title": {"text": "%"}}},
    }
    weeks, target = ev.weekly, ev.targets.weekly_return
    met = [COLOURS[ev.targets.return_badge(float(r)).value] for r in weeks["gross_return"]]
    wk = {
        "data": [
            {
                "type": "bar",
                "x": [str(w) for w in weeks["week"]],
                "y": _floats(weeks["gross_return"].to_numpy(dtype=float) * 100),
                "marker": {"color": np.where(weeks["partial"], PARTIAL_COLOUR, met).tolist()},
            }
        ],
        "layout": {
            "title": {"text": "Weekly gross returns by badge (grey: partial week, not judged)"},
            "yaxis": {"title": {"text": "%"}},
            "shapes": [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y",
                        "y0": target * 100, "y1": target * 100, "line": {"dash": "dash"}}],
            "annotations": [{"xref": "paper", "x": 1, "xanchor": "right", "yref": "y", "y": target * 100,
                             "yanchor": "bottom", "showarrow": False, "text": f"target {target:.2%}"}],
        },
    }
    ch = {
        "data": [{"type": "bar", "x": list(charges), "y": _floats(list(charges.values()))}],
        "layout": {"title": {"text": "Charges paid (₹)" if charges else "Charges paid (₹): no trades given"}},
    }
    eq["points"] = (len(values), len(ex))
    return [eq, dd, wk, ch]


def finite_json(value: Any) -> Any:
    """``value`` with non-finite floats (NaN, ±inf) replaced by None, so the JSON is standard."""
    if isinstance(value, dict):
        return {str(k): finite_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(v) for v in value]
    if isinstance(value, float | np.floating) and not math.isfinite(float(value)):
        return None
    return value


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    return str(obj)


def _table_html(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, border=0, classes="data", float_format=lambda x: f"{x:,.2f}")


def _value_html(value: Any) -> str:
    """Robustness values as nested tables: dicts as key/value rows, lists of dicts as tables."""
    if isinstance(value, dict):
        rows = "".join(
            f"<tr><th>{html.escape(str(k))}</th><td>{_value_html(v)}</td></tr>" for k, v in value.items()
        )
        return f"<table>{rows}</table>"
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return _table_html(pd.DataFrame(value))
    if isinstance(value, float):
        return f"{value:.6g}"
    return html.escape(json.dumps(value, default=str, ensure_ascii=False))


PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


def _plotly_js() -> str:
    """The plotly.js bundle shipped with the plotly package (inlined: the report works offline)."""
    import pkgutil

    data = pkgutil.get_data("plotly", "package_data/plotly.min.js")
    if data is None:  # pragma: no cover - a broken plotly install
        raise RuntimeError("plotly.min.js is missing from the plotly package")
    return data.decode("utf-8")


def _charts_html(figures: list[dict[str, Any]]) -> str:
    """The charts' divs and ``Plotly.newPlot`` calls, plotly.js inlined once before the first.

    A figure's ``points`` entry (points in the line, points drawn) adds a note saying the lines
    are downsampled.
    """
    parts = [
        "<script type=\"text/javascript\">window.PlotlyConfig = {MathJaxConfig: 'local'};</script>",
        f"<script type=\"text/javascript\">{_plotly_js()}</script>",
    ]
    points = figures[0].get("points")
    if points is not None and points[1] < points[0]:
        parts.append(
            f"<p class='note'>Equity and drawdown: {points[0]:,} points drawn as {points[1]:,} "
            "(each session's first, lowest, highest and last value kept, in buckets of at most a "
            "session), nothing a screen could show is lost.</p>"
        )
    config = json.dumps(PLOTLY_CONFIG)
    for name, fig in zip(CHARTS, figures, strict=True):
        div = f"plot-{name}"
        spec = json.dumps(fig["data"], ensure_ascii=False, allow_nan=False) + ", " + json.dumps(
            fig["layout"], ensure_ascii=False, allow_nan=False
        )
        parts.append(
            f"<div id='chart-{name}' class='chart'><div id=\"{div}\" class=\"plotly-graph-div\" "
            f"style=\"height:450px; width:100%;\"></div><script type=\"text/javascript\">"
            f"Plotly.newPlot(\"{div}\", {spec}, {config});</script></div>"
        )
    return "\n".join(parts)


def _html_body(
    evaluation: WeeklyEvaluation,
    figures: list,
    trades: pd.DataFrame | None,
    summary: dict[str, Any],
    robustness: dict[str, Any],
) -> str:
    parts = [badges_html(evaluation)]
    flat = {k: v for k, v in summary.items() if not isinstance(v, dict | list)}
    if flat:
        parts.append("<h2>Run</h2>" + _table_html(pd.DataFrame([flat])))
    parts.append(_charts_html(figures))
    parts.append("<h2>Robustness</h2>" + (_value_html(robustness) if robustness else "<p>none computed</p>"))
    if trades is not None:
        shown = trades.head(MAX_TRADES)
        parts.append(f"<h2>Trades (first {len(shown)} of {len(trades)})</h2>" + _table_html(shown))
    parts.append("<p class='note'>Times IST; amounts ₹. Badges judge the full weeks only.</p>")
    return "\n".join(parts)


def write_report(
    out_dir: Path,
    evaluation: WeeklyEvaluation,
    equity: pd.Series,
    trades: pd.DataFrame | None = None,
    summary: dict[str, Any] | None = None,
    robustness: dict[str, Any] | None = None,
    *,
    title: str = "vyapari report",
) -> Path:
    """Write ``report.json`` and a self-contained ``report.html`` into ``out_dir``.

    Parameters
    ----------
    out_dir : Path
        Folder to write into (created if missing).
    evaluation : WeeklyEvaluation
        The verdict (its targets give the weekly target line).
    equity : pandas.Series
        Net equity (₹) by IST timestamp.
    trades : pandas.DataFrame, optional
        Trades with ``ts`` and ``*_inr`` columns: gross equity adds back ``charges_inr``; the
        charge columns are summed for the breakdown; the first 500 rows are tabulated.
    summary, robustness : dict, optional
        The run's summary and robustness results (JSON-serialisable), shown as tables.

    Returns
    -------
    Path
        The path of ``report.html``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    charges = charges_breakdown(trades)
    gross = equity
    if trades is not None and "charges_inr" in trades.columns:
        gross = equity + cumulative_charges(trades, pd.DatetimeIndex(equity.index))
    payload = {
        "evaluation": evaluation.to_dict(),
        "summary": summary or {},
        "charges_inr": charges,
        "robustness": robustness or {},
    }
    text = json.dumps(
        finite_json(payload), indent=2, default=_json_default, ensure_ascii=False, allow_nan=False
    )
    (out_dir / "report.json").write_text(text + "\n", encoding="utf-8")
    body = _html_body(
        evaluation, _figures(evaluation, equity, gross, charges), trades, summary or {}, robustness or {}
    )
    path = out_dir / "report.html"
    path.write_text(PAGE.format(title=html.escape(title), body=body), encoding="utf-8")
    return path
