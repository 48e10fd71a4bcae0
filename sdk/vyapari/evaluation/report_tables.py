"""HTML tables of the report, written directly (no pandas ``to_html``: 0.4 s for 500 rows).

Every value is escaped; numbers are formatted for a reader (₹ amounts with separators, fractions as
percentages, ``yes``/``no`` for booleans, ``n/a`` for missing), never raw ``True`` or a fraction
beside a percentage. Wide tables sit in a horizontally scrolling box, so nothing runs off the page.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

Format = Callable[[Any], str]

# label, key, kind; kinds: pct (fraction shown as %), ratio, inr, count, hours, times
STATISTICS = (
    ("Total return (net)", "total_return", "pct"),
    ("CAGR", "cagr", "pct"),
    ("Volatility (annualised)", "volatility", "pct"),
    ("Sharpe", "sharpe", "ratio"),
    ("Sortino", "sortino", "ratio"),
    ("Calmar", "calmar", "ratio"),
    ("Max drawdown (net, intraday)", "max_drawdown", "pct"),
    ("Max drawdown duration (sessions, peak to recovery)", "max_drawdown_sessions", "count"),
    ("Sessions", "sessions", "count"),
    ("Round trips", "trades", "count"),
    ("Win rate", "win_rate", "pct"),
    ("Profit factor", "profit_factor", "ratio"),
    ("Average win (net)", "avg_win_inr", "inr"),
    ("Average loss (net)", "avg_loss_inr", "inr"),
    ("Expectancy per round trip (net)", "expectancy_inr", "inr"),
    ("Average holding", "avg_holding_hours", "hours"),
    ("Median holding", "median_holding_hours", "hours"),
    ("Exposure (share of bars holding a position)", "exposure", "pct"),
    ("Turnover (traded notional / capital)", "turnover", "times"),
    ("Beta vs the benchmark", "beta", "ratio"),
    ("Alpha vs the benchmark (annualised)", "alpha", "pct"),
)


def missing(value: Any) -> bool:
    """None, pandas' NA, NaN or ±inf."""
    if value is None or value is pd.NA:
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def fmt(value: Any, kind: str) -> str:
    """``value`` formatted as ``kind`` (see :data:`STATISTICS`); ``n/a`` when missing."""
    if missing(value):
        return "n/a"
    v = float(value)
    if kind == "pct":
        return f"{v:.2%}"
    if kind == "inr":
        return f"-₹{-v:,.2f}" if v < 0 else f"₹{v:,.2f}"
    if kind == "count":
        return f"{v:,.0f}"
    if kind == "hours":
        return f"{v * 60:.0f} min" if v < 1 else (f"{v:.1f} h" if v < 48 else f"{v / 24:.1f} days")
    if kind == "times":
        return f"{v:,.2f}×"
    return f"{v:,.2f}"


def escape(value: Any) -> str:
    return html.escape(str(value))


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], *, cls: str = "data") -> str:
    """A table of already formatted (escaped) cells in a scrolling box."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<div class='scroll'><table class='{cls}'><tr>{head}</tr>{body}</table></div>"


def key_values(pairs: Iterable[tuple[str, str]], *, cls: str = "kv") -> str:
    """A two-column table (label, formatted value) that wraps instead of growing sideways."""
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in pairs)
    return f"<div class='scroll'><table class='{cls}'>{rows}</table></div>"


def _duration(minutes: int) -> str:
    """``d h:mm`` (days only when there are any)."""
    days, rest = divmod(minutes, 1440)
    return (f"{days}d " if days else "") + f"{rest // 60}:{rest % 60:02d}"


def _cell(value: Any) -> str:
    """A frame cell: timestamps to the minute, timedeltas as h:mm, floats 2 decimals, bools yes/no."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, pd.Timestamp):
        return escape(value.strftime("%Y-%m-%d %H:%M"))
    if isinstance(value, pd.Timedelta):
        return _duration(int(value.total_seconds() // 60))
    if isinstance(value, float | np.floating):
        return "n/a" if missing(value) else f"{float(value):,.2f}"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    return escape(value)


def _column(values: pd.Series) -> list[str]:
    """A frame column's cells, formatted by its dtype once (not per cell): timestamps to the minute,
    timedeltas as ``d h:mm``, floats with 2 decimals, integers with separators, booleans yes/no."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return ["yes" if v else "no" for v in values.tolist()]
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return values.dt.strftime("%Y-%m-%d %H:%M").fillna("n/a").tolist()
    if pd.api.types.is_timedelta64_dtype(dtype):
        minutes = values.dt.total_seconds().fillna(-60).to_numpy() // 60
        return [_duration(int(m)) if m >= 0 else "n/a" for m in minutes.tolist()]
    if pd.api.types.is_string_dtype(dtype):
        return [html.escape(v) if isinstance(v, str) else _cell(v) for v in values.tolist()]
    if pd.api.types.is_integer_dtype(dtype):
        return [f"{v:,}" for v in values.tolist()]
    if pd.api.types.is_float_dtype(dtype):
        return [f"{v:,.2f}" if math.isfinite(v) else "n/a" for v in values.tolist()]
    return [_cell(v) for v in values.tolist()]


def frame_table(frame: pd.DataFrame, formats: dict[str, Format] | None = None) -> str:
    """``frame`` (its columns as headers) with per-column formatters (default: by dtype)."""
    formats = formats or {}
    columns = [str(c) for c in frame.columns]
    cells = [
        [formats[name](v) for v in frame[c].tolist()] if name in formats else _column(frame[c])
        for name, c in zip(columns, frame.columns, strict=True)
    ]
    return table(columns, zip(*cells, strict=True))


def humanise(key: str) -> str:
    """``mean_weekly_net_return`` → ``Mean weekly net return``; ``low_pct`` → ``Low (%)``;
    ``capital_inr`` → ``Capital (₹)``."""
    words = key.removesuffix("_pct").removesuffix("_inr").replace("_", " ").replace("pnl", "P&L").strip()
    text = (words[:1].upper() + words[1:]) if words else key
    return text + (" (%)" if key.endswith("_pct") else " (₹)" if key.endswith("_inr") else "")


_FRACTION_WORDS = ("return", "drawdown", "rate", "prob")


def robust_value(key: str, value: Any) -> str:
    """One robustness value for a reader: booleans yes/no, ``*_pct`` with %, fractions (returns,
    drawdowns, rates, probabilities, the confidence level) as %, multipliers as ×, nesting as tables."""
    if isinstance(value, dict):
        return key_values((humanise(str(k)), robust_value(str(k), v)) for k, v in value.items())
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            keys = list(dict.fromkeys(k for v in value for k in v))
            rows = ([robust_value(str(k), v.get(k)) for k in keys] for v in value)
            return table([humanise(str(k)) for k in keys], rows)
        return escape(", ".join(robust_value(key, v) for v in value)) if value else "none"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if missing(value) and (value is None or isinstance(value, float | int | np.number)):
        return "n/a"
    if isinstance(value, float | int | np.number):
        return _robust_number(key, float(value))
    return escape(value)


def _robust_number(key: str, v: float) -> str:
    """A robustness number: see :func:`robust_value`."""
    if key.endswith("_pct"):
        return f"{v:.2f}%"
    if key == "multiplier":
        return f"{v:g}×"
    if key == "level" or any(w in key.split("_") for w in _FRACTION_WORDS):
        return f"{v:.2%}"
    if "sharpe" in key:
        return f"{v:.3f}"
    return f"{v:,.0f}" if v == int(v) else f"{v:,.4g}"


def robustness_html(robustness: dict[str, Any]) -> str:
    """One sub-section per check (``id`` = its key), each a readable table."""
    if not robustness:
        return "<p>none computed</p>"
    parts = []
    for key, value in robustness.items():
        body = robust_value(key, value)
        if not body.startswith("<"):
            body = key_values([(humanise(key), body)])
        parts.append(f"<div class='robust' id='robustness-{escape(key)}'><h3>{escape(humanise(key))}</h3>"
                     f"{body}</div>")
    return "".join(parts)
