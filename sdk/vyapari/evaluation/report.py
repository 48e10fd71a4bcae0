"""Reports: ``report.json`` and a self-contained ``report.html`` — the run's tear sheet.

The HTML inlines the plotly.js bundle once (no network, no CDN) and shows, in order: the weekly
verdict with its badges and reasons; the run and its parameters; the statistics (CAGR, volatility,
Sharpe, Sortino, Calmar, drawdown and its duration, win rate, profit factor, average win/loss,
expectancy, holding time, exposure, turnover, and beta/alpha against a benchmark when one is
given); the charts (ids ``plot-<name>`` for :data:`CHARTS`: equity net and gross of charges with
the benchmark, drawdown, weekly gross returns against the target, monthly returns heatmap, P&L per
symbol, charges by component); charges as a share of gross P&L; P&L per symbol; round trips with
their holding time; the robustness checks as readable tables; the fills (first :data:`MAX_TRADES`).

Cost: O(sessions + trades). The figures are plain plotly JSON (no validation pass); the equity
and drawdown lines are downsampled per session, min and max kept
(:mod:`vyapari.evaluation.downsample`), on a trading-time axis; tables are written directly.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vyapari.evaluation import report_tables as tables
from vyapari.evaluation.inputs import cumulative_charges
from vyapari.evaluation.report_figures import COLOURS, report_figures
from vyapari.evaluation.result import WeeklyEvaluation
from vyapari.evaluation.tearsheet import TearSheet, build_tear_sheet

MAX_TRADES = 500
MAX_ROUND_TRIPS = 500
CHARTS = ("equity", "drawdown", "weekly", "monthly", "symbols", "charges")

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:1200px}}
.badge{{color:#fff;padding:2px 8px;border-radius:4px;font-weight:600}}
table{{border-collapse:collapse;margin:0.5rem 0}}
td,th{{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}}
table.data td{{text-align:right;white-space:nowrap}} table.data th{{white-space:nowrap}}
table.kv{{max-width:100%}} table.kv th{{font-weight:500;color:#333}}
table.kv td{{overflow-wrap:anywhere;word-break:break-word}}
.scroll{{max-width:100%;overflow-x:auto}}
.grid{{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:0 2rem}}
.grid>div{{min-width:0}} h1,h2,h3,p{{overflow-wrap:anywhere}}
.note{{color:#555}} h3{{margin-bottom:0.2rem}}</style></head><body><h1>{title}</h1>{body}</body></html>"""


def _badge(value: str, text: str | None = None) -> str:
    return f"<span class='badge' style='background:{COLOURS[value]}'>{html.escape(text or value)}</span>"


def _fmt(value: float, is_fraction: bool) -> str:  # the verdict's figures
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


PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


def plotly_js_bytes() -> bytes:
    """The plotly.js bundle shipped with the plotly package, as UTF-8 bytes."""
    import pkgutil

    data = pkgutil.get_data("plotly", "package_data/plotly.min.js")
    if data is None:  # pragma: no cover - a broken plotly install
        raise RuntimeError("plotly.min.js is missing from the plotly package")
    return data


def plotly_js() -> str:
    """The plotly.js bundle shipped with the plotly package (inlined: the report works offline)."""
    return plotly_js_bytes().decode("utf-8")


PLOTLY_JS_SLOT = "\x00plotly.min.js\x00"
"""Stands for the plotly.js bundle in the report's text until the page is written: the 4.6 MB
bundle goes to the file as the bytes it is, never decoded, joined into the page and encoded again."""


def write_page(path: Path, page: str) -> None:
    """Write ``page`` (UTF-8) to ``path`` atomically, the bundle in place of :data:`PLOTLY_JS_SLOT`."""
    head, slot, tail = page.partition(PLOTLY_JS_SLOT)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as out:
        out.write(head.encode("utf-8"))
        if slot:
            out.write(plotly_js_bytes())
            out.write(tail.encode("utf-8"))
    tmp.replace(path)




def _charts_html(figures: list[tuple[str, dict[str, Any]]]) -> str:
    """The charts' divs and ``Plotly.newPlot`` calls, plotly.js inlined once before the first.

    The equity figure's ``points`` entry (points in the line, points drawn) adds a note saying the
    lines are downsampled.
    """
    parts = [
        "<script type=\"text/javascript\">window.PlotlyConfig = {MathJaxConfig: 'local'};</script>",
        f"<script type=\"text/javascript\">{PLOTLY_JS_SLOT}</script>",
    ]
    points = figures[0][1].get("points")
    if points is not None and points[1] < points[0]:
        parts.append(
            f"<p class='note'>Equity and drawdown: {points[0]:,} points drawn as {points[1]:,} "
            "(each session's first, lowest, highest and last value kept, in buckets of at most a "
            "session), nothing a screen could show is lost.</p>"
        )
    config = json.dumps(PLOTLY_CONFIG)
    for name, fig in figures:
        div = f"plot-{name}"
        spec = json.dumps(fig["data"], ensure_ascii=False, allow_nan=False) + ", " + json.dumps(
            fig["layout"], ensure_ascii=False, allow_nan=False
        )
        height = int(fig["layout"].get("height", 450))
        parts.append(
            f"<div id='chart-{name}' class='chart'><div id=\"{div}\" class=\"plotly-graph-div\" "
            f"style=\"height:{height}px; width:100%;\"></div><script type=\"text/javascript\">"
            f"Plotly.newPlot(\"{div}\", {spec}, {config});</script></div>"
        )
    return "\n".join(parts)


def _run_html(summary: dict[str, Any], sheet: TearSheet) -> str:
    """The run's identity and parameters as label/value rows (they wrap, never run off the page)."""
    flat = {**sheet.parameters, **{k: v for k, v in summary.items()
                                   if k not in sheet.parameters and not isinstance(v, dict | list)}}
    params = flat.pop("params", None)
    rows = [(tables.humanise(k), _run_value(k, v)) for k, v in flat.items()]
    left = tables.key_values(rows)
    if isinstance(params, dict):
        right = tables.key_values((str(k), tables.escape(json.dumps(v))) for k, v in params.items()) \
            if params else "<p>none</p>"
        return f"<h2>Run</h2><div class='grid'><div>{left}</div><div><h3>Parameters</h3>{right}</div></div>"
    return f"<h2>Run</h2>{left}"


def _run_value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key.endswith("_inr") and isinstance(value, int | float):
        return tables.fmt(value, "inr")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return tables.fmt(value, "count") if float(value) == int(value) else f"{value:,.4g}"
    return tables.escape(value)


def _statistics_html(sheet: TearSheet) -> str:
    stats = sheet.statistics
    rows = [(label, tables.fmt(stats.get(key), kind)) for label, key, kind in tables.STATISTICS
            if key in stats]
    half = (len(rows) + 1) // 2
    body = f"<div class='grid'><div>{tables.key_values(rows[:half])}</div>" \
           f"<div>{tables.key_values(rows[half:])}</div></div>"
    bench = sheet.benchmark
    if bench is not None:
        body += (f"<p>Benchmark: {tables.escape(bench.name)} ({bench.sessions} common sessions; "
                 f"its return over the run {tables.fmt(bench.total_return, 'pct')}, correlation "
                 f"{tables.fmt(bench.correlation, 'ratio')}).</p>")
    else:
        body += "<p class='note'>No benchmark: the data source had no NIFTY 50 index bars.</p>"
    notes = "".join(f"<p class='note'>{tables.escape(n)}</p>" for n in sheet.notes)
    return ("<h2>Statistics</h2>" + body + notes +
            "<p class='note'>Daily figures on session closing equity, net of charges; annualised over "
            "252 sessions; risk-free rate 0. Trade figures on round trips, net of their share of "
            "charges.</p>")


def _charges_html(sheet: TearSheet) -> str:
    if not sheet.charges:
        return "<h2>Charges</h2><p>No trades given.</p>"
    total = sheet.charges_inr
    rows = [(k.replace("_", " "), tables.fmt(v, "inr"),
             tables.fmt(v / total if total else float("nan"), "pct")) for k, v in sheet.charges.items()]
    share = sheet.charges_share
    gross = tables.fmt(sheet.gross_pnl_inr, "inr")
    what = (f"{tables.fmt(share, 'pct')} of the gross P&amp;L of {gross}" if math.isfinite(share)
            else f"the gross P&amp;L ({gross}) is not positive, so charges only deepen the loss")
    return (f"<h2>Charges</h2><p>{tables.fmt(total, 'inr')} paid: {what}.</p>" +
            tables.table(["component", "₹", "share of charges"], rows))


def _symbols_html(sheet: TearSheet) -> str:
    table = sheet.per_symbol
    if table is None or table.empty:
        return ""
    inr = {c: (lambda v: tables.fmt(v, "inr")) for c in ("gross_pnl_inr", "charges_inr", "net_pnl_inr")}
    shown = table.rename(columns={"gross_pnl_inr": "realised gross ₹", "charges_inr": "charges ₹",
                                  "net_pnl_inr": "net ₹", "round_trips": "round trips",
                                  "win_rate": "win rate"})
    fmts = {"realised gross ₹": inr["gross_pnl_inr"], "charges ₹": inr["charges_inr"],
            "net ₹": inr["net_pnl_inr"], "win rate": lambda v: tables.fmt(v, "pct")}
    return ("<h2>P&amp;L per symbol</h2><p class='note'>Realised on closing fills; a position still "
            "open at the end is not counted.</p>" + tables.frame_table(shown, fmts))


def _round_trips_html(sheet: TearSheet) -> str:
    trips = sheet.round_trips
    if trips is None:
        return ""
    shown = trips.head(MAX_ROUND_TRIPS)
    fmts = {"return_pct": lambda v: tables.fmt(v / 100, "pct")}
    return (f"<h2>Round trips (first {len(shown)} of {len(trips)})</h2><p class='note'>Fills paired "
            "first-in-first-out per symbol; holding in wall-clock d h:mm; P&amp;L in ₹, net after both "
            "legs' share of charges.</p>" + tables.frame_table(shown, fmts))


def _html_body(
    evaluation: WeeklyEvaluation,
    sheet: TearSheet,
    figures: list[tuple[str, dict[str, Any]]],
    trades: pd.DataFrame | None,
    summary: dict[str, Any],
    robustness: dict[str, Any],
) -> str:
    parts = [badges_html(evaluation), _run_html(summary, sheet), _statistics_html(sheet),
             _charts_html(figures), _charges_html(sheet), _symbols_html(sheet), _round_trips_html(sheet)]
    parts.append("<h2>Robustness</h2>" + tables.robustness_html(robustness))
    if trades is not None:
        shown = trades.head(MAX_TRADES)
        parts.append(f"<h2>Trades (first {len(shown)} of {len(trades)})</h2>" + tables.frame_table(shown))
    parts.append("<p class='note'>Times IST; amounts ₹. Badges judge the full weeks only.</p>")
    return "\n".join(parts)


def _monthly_json(monthly: pd.DataFrame) -> dict[str, list[float | None]]:
    """Year → the 12 months' and the year's returns in percent (None: no session)."""
    return {str(year): [round(float(v) * 100, 4) if math.isfinite(v) else None for v in row]
            for year, row in zip(monthly.index, monthly.to_numpy(dtype=float), strict=True)}


def write_report(
    out_dir: Path,
    evaluation: WeeklyEvaluation,
    equity: pd.Series,
    trades: pd.DataFrame | None = None,
    summary: dict[str, Any] | None = None,
    robustness: dict[str, Any] | None = None,
    *,
    title: str = "vyapari report",
    benchmark: pd.Series | None = None,
    charges_paid: pd.Series | None = None,
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
        charge columns are summed for the breakdown; with ``symbol``, ``side``, ``quantity`` and
        ``price`` they are paired into round trips; the first 500 rows are tabulated.
    summary, robustness : dict, optional
        The run's summary and robustness results (JSON-serialisable), shown as tables.
    benchmark : pandas.Series, optional
        A benchmark index's session closes by date (e.g. NIFTY 50 from the lake).
    charges_paid : pandas.Series, optional
        The trades' cumulative charges (₹) at each equity timestamp when already computed (see
        :func:`~vyapari.evaluation.inputs.cumulative_charges`); computed from ``trades`` otherwise.

    Returns
    -------
    Path
        The path of ``report.html``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = summary or {}
    sheet = build_tear_sheet(equity, trades, summary, benchmark)
    gross = equity
    if trades is not None and "charges_inr" in trades.columns:
        paid = charges_paid
        if paid is None:
            paid = cumulative_charges(trades, pd.DatetimeIndex(equity.index))
        gross = equity + paid
    payload = {
        "evaluation": evaluation.to_dict(),
        "summary": summary,
        "statistics": sheet.statistics,
        "charges_inr": sheet.charges,
        "charges_share_of_gross_pnl": sheet.charges_share,
        "monthly_returns_pct": _monthly_json(sheet.monthly),
        "benchmark": None if sheet.benchmark is None else {
            "name": sheet.benchmark.name, "beta": sheet.benchmark.beta, "alpha": sheet.benchmark.alpha,
            "correlation": sheet.benchmark.correlation, "sessions": sheet.benchmark.sessions},
        "robustness": robustness or {},
    }
    text = json.dumps(
        finite_json(payload), indent=2, default=_json_default, ensure_ascii=False, allow_nan=False
    )
    (out_dir / "report.json").write_text(text + "\n", encoding="utf-8")
    figures = report_figures(evaluation, equity, gross, sheet)
    body = _html_body(evaluation, sheet, figures, trades, summary, robustness or {})
    path = out_dir / "report.html"
    write_page(path, PAGE.format(title=html.escape(title), body=body))
    return path
