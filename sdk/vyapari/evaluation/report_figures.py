"""The report's charts as plain plotly figure dicts (no plotly import, no validation pass).

Lines over time are downsampled per session with min/max kept
(:func:`~vyapari.evaluation.downsample.session_minmax`) and drawn on trading time: the x axis skips
every calendar day without a session (weekends, holidays, data gaps) and, for intraday bars, the
hours between the latest close and the earliest open (plotly ``rangebreaks``). Amounts ₹, returns
and drawdowns in percent.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from vyapari.core.time import IST
from vyapari.evaluation.downsample import IST_OFFSET_NS, NS_PER_DAY, session_minmax

if TYPE_CHECKING:
    from vyapari.evaluation.result import WeeklyEvaluation
    from vyapari.evaluation.tearsheet import TearSheet

COLOURS = {"green": "#1a7f37", "amber": "#b7791f", "red": "#c53030"}
PARTIAL_COLOUR = "#a0aec0"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MAX_SYMBOL_BARS = 30
#: plotly.js has no "RdYlGn" by name (that is plotly.py's): losses red, zero yellow, gains green
RED_YELLOW_GREEN = [[0.0, "#c53030"], [0.5, "#f6e05e"], [1.0, "#1a7f37"]]
NS_PER_HOUR = 3_600_000_000_000


def _local_ns(index: pd.DatetimeIndex) -> np.ndarray:
    """Nanoseconds of IST wall-clock time (naive timestamps are IST already)."""
    index = index.as_unit("ns")  # pandas may hold µs or s: asi8 is in the index's own unit
    if index.tz is None:
        return index.asi8
    return index.tz_convert("UTC").asi8 + IST_OFFSET_NS


def trading_breaks(index: pd.DatetimeIndex) -> list[dict[str, Any]]:
    """Plotly ``rangebreaks`` hiding the calendar days with no point and, for intraday data, the
    hours from a minute after the latest last point of a session to the earliest first point
    (O(points), numpy). Points are bar starts, so nothing drawn is hidden."""
    ns = _local_ns(index)
    if ns.size < 2:
        return []
    day = ns // NS_PER_DAY
    present = np.unique(day)
    absent = np.setdiff1d(np.arange(present[0], present[-1] + 1), present)
    dates = np.datetime_as_string(absent.astype("datetime64[D]"), unit="D").tolist()
    if np.any(np.diff(day) == 0):  # intraday: hide the night from a minute after the last point
        first = np.r_[True, day[1:] != day[:-1]]
        last = np.r_[day[1:] != day[:-1], True]
        opens = int((ns[first] % NS_PER_DAY).min())
        closes = int((ns[last] % NS_PER_DAY).max()) + 60 * 10**9
        if 0 < opens < closes < NS_PER_DAY:
            # breaks must not overlap (plotly.js draws overlapping ones wrongly): a day without a
            # session loses only its trading hours here, the night breaks cover the rest
            start = f"{opens // NS_PER_HOUR:02d}:{opens % NS_PER_HOUR // 60_000_000_000:02d}:00"
            breaks: list[dict[str, Any]] = [{"bounds": [round(closes / NS_PER_HOUR, 4),
                                                        round(opens / NS_PER_HOUR, 4)], "pattern": "hour"}]
            if dates:
                breaks.append({"values": [f"{d} {start}" for d in dates],
                               "dvalue": (closes - opens) // 1_000_000})
            return breaks
    return [{"values": dates}] if dates else []


def floats(values: Any) -> list[Any]:
    """Floats for the chart JSON; NaN and ±inf become ``None`` (a gap in the line)."""
    array = np.asarray(values, dtype=float)
    return [v if math.isfinite(v) else None for v in array.tolist()]


def _x(index: pd.DatetimeIndex) -> list[str]:
    local = index.tz_convert(IST).tz_localize(None) if index.tz is not None else index
    x = np.datetime_as_string(local.to_numpy(), unit="s")
    return np.char.replace(x, "T", " ").tolist()


def line_points(series: pd.Series, values: np.ndarray) -> tuple[list[str], list[float]]:
    """``values`` (aligned with ``series``'s IST index) downsampled per session: x as IST strings."""
    index = pd.DatetimeIndex(series.index)
    ts_ns = (index.tz_convert("UTC") if index.tz is not None else index.tz_localize(IST)).as_unit("ns").asi8
    keep = session_minmax(ts_ns, values)
    return _x(index[keep]), floats(values[keep])


def _time_layout(title: str, unit: str, breaks: list[dict[str, Any]]) -> dict[str, Any]:
    return {"title": {"text": title},
            "xaxis": {"title": {"text": "trading time (IST; nights, weekends and holidays skipped)"},
                      "rangebreaks": breaks},
            "yaxis": {"title": {"text": unit}}, "legend": {"orientation": "h"}}


def equity_figure(equity: pd.Series, gross: pd.Series, sheet: TearSheet | None,
                  breaks: list[dict[str, Any]]) -> dict[str, Any]:
    """Net and gross equity (₹) and, when known, the benchmark scaled to the capital."""
    values = equity.to_numpy(dtype=float)
    ex, ey = line_points(equity, values)
    gx, gy = line_points(gross, gross.to_numpy(dtype=float))
    data: list[dict[str, Any]] = [
        {"type": "scatter", "mode": "lines", "x": ex, "y": ey, "name": "net equity (₹)"},
        {"type": "scatter", "mode": "lines", "x": gx, "y": gy, "name": "gross of charges (₹)"},
    ]
    if sheet is not None and sheet.benchmark is not None and not sheet.daily.empty:
        daily = pd.DatetimeIndex(sheet.daily.index)
        dates = (daily.tz_convert(IST).tz_localize(None) if daily.tz is not None else daily).normalize()
        level = sheet.benchmark.closes.reindex(dates).to_numpy(dtype=float)
        base = level[np.isfinite(level)]
        if base.size:
            data.append({"type": "scatter", "mode": "lines", "x": _x(daily),
                         "y": floats(sheet.capital * level / base[0]), "connectgaps": True,
                         "name": f"{sheet.benchmark.name} (scaled to the capital, session closes)",
                         "line": {"dash": "dot"}})
    fig: dict[str, Any] = {"data": data, "layout": _time_layout("Equity", "₹", breaks)}
    fig["points"] = (len(values), len(ex))
    return fig


def drawdown_figure(equity: pd.Series, breaks: list[dict[str, Any]]) -> dict[str, Any]:
    """Drawdown of net equity from its running peak (%)."""
    values = equity.to_numpy(dtype=float)
    dx, dy = line_points(equity, (values / np.maximum.accumulate(values) - 1) * 100)
    return {"data": [{"type": "scatter", "mode": "lines", "x": dx, "y": dy, "fill": "tozeroy",
                      "name": "drawdown (%)"}],
            "layout": _time_layout("Drawdown (net)", "%", breaks)}


def weekly_figure(ev: WeeklyEvaluation) -> dict[str, Any]:
    """Weekly gross returns coloured by badge, partial weeks grey, the target as a dashed line."""
    weeks, target = ev.weekly, ev.targets.weekly_return
    met = [COLOURS[ev.targets.return_badge(float(r)).value] for r in weeks["gross_return"]]
    return {
        "data": [{"type": "bar", "x": [str(w) for w in weeks["week"]],
                  "y": floats(weeks["gross_return"].to_numpy(dtype=float) * 100),
                  "marker": {"color": np.where(weeks["partial"], PARTIAL_COLOUR, met).tolist()}}],
        "layout": {
            "title": {"text": "Weekly gross returns by badge (grey: partial week, not judged)"},
            "yaxis": {"title": {"text": "%"}},
            "shapes": [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y",
                        "y0": target * 100, "y1": target * 100, "line": {"dash": "dash"}}],
            "annotations": [{"xref": "paper", "x": 1, "xanchor": "right", "yref": "y", "y": target * 100,
                             "yanchor": "bottom", "showarrow": False, "text": f"target {target:.2%}"}],
        },
    }


def monthly_figure(sheet: TearSheet) -> dict[str, Any]:
    """Calendar-month net returns (%) as a heatmap, years down, months across, the year's total last."""
    grid = sheet.monthly
    z = [floats(row * 100) for row in grid.to_numpy(dtype=float)]
    text = [["" if v is None else f"{v:.2f}%" for v in row] for row in z]
    return {
        "data": [{"type": "heatmap", "z": z, "text": text, "texttemplate": "%{text}",
                  "x": [*MONTHS, "Year"], "y": [str(y) for y in grid.index],
                  "colorscale": RED_YELLOW_GREEN, "zmid": 0,
                  "hovertemplate": "%{y} %{x}: %{text}<extra></extra>",
                  "colorbar": {"title": {"text": "%"}}}],
        "layout": {"title": {"text": "Monthly returns (net, %; the year compounded)"},
                   "yaxis": {"type": "category", "autorange": "reversed"},
                   "height": 220 + 40 * max(len(grid), 1)},
    }


def symbols_figure(sheet: TearSheet) -> dict[str, Any]:
    """Realised net P&L (₹) per symbol, best first (the best and worst 15 of many)."""
    table = sheet.per_symbol
    title = "Realised net P&L per symbol (₹)"
    if table is None or table.empty:
        return {"data": [], "layout": {"title": {"text": title + ": no trades given"}}}
    if len(table) > MAX_SYMBOL_BARS:
        half = MAX_SYMBOL_BARS // 2
        title += f": the best and worst {half} of {len(table)}"
        table = pd.concat([table.head(half), table.tail(half)])
    net = table["net_pnl_inr"].to_numpy(dtype=float)
    return {
        "data": [{"type": "bar", "x": table["symbol"].astype(str).tolist(), "y": floats(net),
                  "marker": {"color": np.where(net >= 0, COLOURS["green"], COLOURS["red"]).tolist()}}],
        "layout": {"title": {"text": title}, "xaxis": {"type": "category"},
                   "yaxis": {"title": {"text": "₹"}}},
    }


def charges_figure(sheet: TearSheet) -> dict[str, Any]:
    """Charges paid by component (₹), with their share of gross P&L in the title."""
    charges = sheet.charges
    if not charges:
        return {"data": [{"type": "bar", "x": [], "y": []}],
                "layout": {"title": {"text": "Charges paid (₹): no trades given"}}}
    share = sheet.charges_share
    what = f"{share:.1%} of gross P&L" if math.isfinite(share) else "gross P&L not positive"
    return {"data": [{"type": "bar", "x": list(charges), "y": floats(list(charges.values()))}],
            "layout": {"title": {"text": f"Charges paid by component (₹): ₹{sheet.charges_inr:,.2f}, {what}"},
                       "yaxis": {"title": {"text": "₹"}}}}


def report_figures(ev: WeeklyEvaluation, equity: pd.Series, gross: pd.Series, sheet: TearSheet
                   ) -> list[tuple[str, dict[str, Any]]]:
    """The report's charts, by name (their div ids are ``plot-<name>``), in page order."""
    breaks = trading_breaks(pd.DatetimeIndex(equity.index))
    return [
        ("equity", equity_figure(equity, gross, sheet, breaks)),
        ("drawdown", drawdown_figure(equity, breaks)),
        ("weekly", weekly_figure(ev)),
        ("monthly", monthly_figure(sheet)),
        ("symbols", symbols_figure(sheet)),
        ("charges", charges_figure(sheet)),
    ]
