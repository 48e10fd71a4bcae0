"""A sweep's ``report.html``: the ranking, a heatmap of two parameters, the deflated Sharpe of the
best and the best run's own tear sheet beside it.

Reads the ranking that :func:`vyapari.workflows.aggregate.aggregate_run` returns (every item, best
first, plus ``trials`` and ``best_deflated_sharpe`` from the sweep) and the items' folders under
``<root>/runs/<run_id>/``. Writes ``report.html`` (self-contained, plotly.js inlined) and, for the
best item, ``best/report.html`` and ``best/report.json`` (its tear sheet, linked from the page).
Cost: O(items) plus one tear sheet. Statistics are fractions shown as percentages; amounts ₹.
"""

from __future__ import annotations

import html
import json
import math
import shutil
from pathlib import Path
from typing import Any

from vyapari.evaluation import report_tables as tables
from vyapari.evaluation.report import PAGE, PLOTLY_CONFIG, plotly_js
from vyapari.evaluation.report_figures import RED_YELLOW_GREEN

# ranking column → (header, format kind)
COLUMNS = {
    "fills": ("fills", "count"),
    "pnl_inr": ("net P&L ₹", "inr"),
    "charges_inr": ("charges ₹", "inr"),
    "sharpe": ("Sharpe", "ratio"),
    "sortino": ("Sortino", "ratio"),
    "total_return": ("total return", "pct"),
    "max_drawdown": ("max drawdown", "pct"),
    "win_rate": ("win rate", "pct"),
    "profit_factor": ("profit factor", "ratio"),
}
PERCENT_METRICS = {k for k, (_, kind) in COLUMNS.items() if kind == "pct"}


def varying_parameters(rows: list[dict[str, Any]]) -> list[str]:
    """The parameters that take more than one value across the rows, in their first row's order."""
    names = list(dict.fromkeys(k for r in rows for k in r.get("params", {})))
    return [n for n in names if len({json.dumps(r.get("params", {}).get(n)) for r in rows}) > 1]


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, float(value)) if isinstance(value, int | float) else (1, str(value))


def heatmap_figure(rows: list[dict[str, Any]], x: str, y: str, metric: str) -> dict[str, Any]:
    """``metric`` over parameters ``x`` and ``y`` (the mean over any other parameter and over
    symbol chunks), as a plotly figure dict."""
    cells: dict[tuple[str, str], list[float]] = {}
    xs, ys = {}, {}
    for r in rows:
        p = r.get("params", {})
        if x not in p or y not in p:
            continue
        kx, ky = json.dumps(p[x]), json.dumps(p[y])
        xs[kx], ys[ky] = p[x], p[y]
        value = r.get(metric)
        if value is not None and math.isfinite(float(value)):
            cells.setdefault((kx, ky), []).append(float(value))
    xk = sorted(xs, key=lambda k: _sort_key(xs[k]))
    yk = sorted(ys, key=lambda k: _sort_key(ys[k]))
    scale = 100 if metric in PERCENT_METRICS else 1
    z = [[(sum(v) / len(v) * scale) if (v := cells.get((kx, ky))) else None for kx in xk] for ky in yk]
    unit = " (%)" if scale == 100 else ""
    return {
        "data": [{"type": "heatmap", "z": z, "x": [str(xs[k]) for k in xk], "y": [str(ys[k]) for k in yk],
                  "colorscale": RED_YELLOW_GREEN, "reversescale": metric == "max_drawdown",
                  "texttemplate": "%{z:.3g}", "colorbar": {"title": {"text": metric + unit}},
                  "hovertemplate": f"{x}=%{{x}}, {y}=%{{y}}: %{{z:.4g}}<extra></extra>"}],
        "layout": {"title": {"text": f"{metric}{unit} by {x} and {y}"},
                   "xaxis": {"title": {"text": x}, "type": "category"},
                   "yaxis": {"title": {"text": y}, "type": "category"}},
    }


def _chart(name: str, fig: dict[str, Any]) -> str:
    spec = json.dumps(fig["data"], ensure_ascii=False) + ", " + json.dumps(fig["layout"], ensure_ascii=False)
    return (f"<div id='chart-{name}' class='chart'><div id=\"plot-{name}\" class=\"plotly-graph-div\" "
            f"style=\"height:520px; width:100%;\"></div><script type=\"text/javascript\">"
            f"Plotly.newPlot(\"plot-{name}\", {spec}, {json.dumps(PLOTLY_CONFIG)});</script></div>")


def _ranking_table(rows: list[dict[str, Any]], names: list[str], best_link: str | None) -> str:
    headers = ["rank", *names, *(h for h, _ in COLUMNS.values())]
    body = []
    for r in rows:
        params = r.get("params", {})
        rank = tables.escape(r["rank"])
        if r["rank"] == 1 and best_link:
            rank = f"<a href='{html.escape(best_link)}'>{rank} (tear sheet)</a>"
        body.append([rank, *(tables.escape(json.dumps(params.get(n))) for n in names),
                     *(tables.fmt(r.get(k), kind) for k, (_, kind) in COLUMNS.items())])
    return tables.table(headers, body)


def _dsr_html(ranking: dict[str, Any]) -> str:
    dsr, trials = ranking.get("best_deflated_sharpe"), ranking.get("trials", ranking.get("items"))
    if dsr is None:
        return (f"<p>Deflated Sharpe of the best: n/a ({trials} trials; it needs at least two ranked "
                "trials and three sessions of returns).</p>")
    verdict = "likely more than luck" if dsr >= 0.95 else "could well be luck"
    return (f"<p><b>Deflated Sharpe of the best: {dsr:.3f}</b>, accounting for {trials} trials "
            f"(parameter sets tried): the probability that its true Sharpe beats the best of {trials} "
            f"unskilled tries — {verdict} (0.95 is the usual bar; Bailey &amp; López de Prado 2014).</p>")


def write_sweep_report(out_dir: Path, ranking: dict[str, Any], root: Path) -> Path:
    """Write ``out_dir/report.html`` for a sweep whose items live under ``root/runs/<run_id>/``,
    and the best item's tear sheet as ``out_dir/best/report.html`` (``best/`` removed when the best
    item kept no results). Returns the page's path."""
    from vyapari.evaluation.run import evaluate_run_dir

    out_dir.mkdir(parents=True, exist_ok=True)
    rows = list(ranking.get("top") or [])
    best = rows[0] if rows else None
    link = None
    if best is not None and best.get("fills") is not None:
        item_dir = root / "runs" / ranking["run_id"] / best["item_id"]
        if (item_dir / "equity.parquet").is_file():
            evaluate_run_dir(item_dir, out_dir / "best")
            link = "best/report.html"
    if link is None:  # no tear sheet this time: an earlier sweep's must not pass for this one's
        shutil.rmtree(out_dir / "best", ignore_errors=True)
    names = varying_parameters(rows)
    metric = ranking.get("rank_by", "sharpe")
    parts = [
        f"<p>{len(rows)} runs of <b>{tables.escape(ranking.get('strategy'))}</b> ranked by "
        f"<b>{tables.escape(metric)}</b> (run {tables.escape(ranking['run_id'])}).</p>",
        _dsr_html(ranking),
    ]
    if best is not None:
        shown = tables.escape(json.dumps(best.get("params", {})))
        target = f"<a href='{link}'>the best run's tear sheet</a>" if link else "no tear sheet (no results)"
        parts.append(f"<p>Best: {shown} — {target}.</p>")
    parts.append("<script type=\"text/javascript\">window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
                 f"<script type=\"text/javascript\">{plotly_js()}</script>")
    if len(names) >= 2:
        parts.append("<h2>Heatmap</h2>" + _chart("heatmap", heatmap_figure(rows, names[0], names[1], metric)))
        if len(names) > 2:
            parts.append(f"<p class='note'>Other parameters ({', '.join(map(html.escape, names[2:]))}) "
                         "are averaged over in each cell.</p>")
    else:
        parts.append("<p class='note'>No heatmap: fewer than two parameters vary in the grid.</p>")
    parts.append("<h2>Ranking</h2>" + _ranking_table(rows, names, link))
    parts.append("<p class='note'>Statistics per run as in its summary.json: net of charges, daily "
                 "returns annualised over 252 sessions.</p>")
    title = f"vyapari sweep: {ranking.get('strategy')} ({ranking['run_id']})"
    path = out_dir / "report.html"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(PAGE.format(title=html.escape(title), body="\n".join(parts)), encoding="utf-8")
    tmp.replace(path)
    return path
