"""Plan a backtest run: expand a parameter grid × a symbol universe into work items.

A request (the backtest workflow's input, also what the API starts it with)::

    {"run_id": "run-1", "strategy": "sma_cross", "params": {"fast": 5},
     "grid": {"slow": [20, 30]}, "symbols": ["INFY", "TCS"], "exchange": "NSE", "interval": "1m",
     "start": "2026-11-02", "end": "2026-11-20", "symbols_per_item": 10, "rank_by": "sharpe",
     "capital_inr": 1000000, "fees": "zerodha"}

Each parameter set (``params`` overlaid with one point of ``grid``) runs on each chunk of
``symbols_per_item`` symbols: one :class:`WorkItem`. Its size is estimated as bars = sessions (weekdays,
an upper bound of the NSE sessions) × bars per session of the interval × symbols; items above
``fargate_min_bars`` run on Fargate instead of Lambda. This module imports neither pandas nor the engine.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from vyapari.core.errors import InvalidInput

MINUTES_PER_SESSION = 375  # 09:15-15:30 IST
RANKABLE = (
    "sharpe",
    "sortino",
    "total_return",
    "annualised_return",
    "pnl_inr",
    "profit_factor",
    "win_rate",
    "max_drawdown",
)


def bars_per_session(interval: str) -> int:
    """Bars in a full NSE session for ``1d``, ``1m``, ``5m``, … (``60m`` → 7)."""
    if interval == "1d":
        return 1
    if not interval.endswith("m") or not interval[:-1].isdigit() or int(interval[:-1]) <= 0:
        raise InvalidInput("interval", f"{interval!r} is not 1d or <N>m")
    return math.ceil(MINUTES_PER_SESSION / int(interval[:-1]))


def weekdays(start: date, end: date) -> int:
    """Monday-to-Friday days in ``[start, end]`` (an upper bound of the sessions)."""
    if end < start:
        raise InvalidInput("end", f"{end} is before start {start}")
    days = (end - start).days + 1
    full, rest = divmod(days, 7)
    return full * 5 + sum((start + timedelta(i)).weekday() < 5 for i in range(rest))


def _date(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(name, f"{value!r} is not YYYY-MM-DD") from None


@dataclass(frozen=True)
class BacktestRequest:
    """A validated backtest workflow input (see the module docstring); amounts in ₹."""

    run_id: str
    strategy: str
    start: date
    end: date
    params: dict[str, Any] = field(default_factory=dict)
    grid: dict[str, list[Any]] = field(default_factory=dict)
    symbols: list[str] | None = None
    exchange: str = "NSE"
    interval: str = "1m"
    symbols_per_item: int = 10
    rank_by: str = "sharpe"
    capital_inr: float = 1_000_000.0
    fees: str = "zerodha"

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, local: bool = False) -> BacktestRequest:
        """Validate a request dict; :class:`InvalidInput` names the first bad field.

        ``strategy`` is a reference name, a ``vyapari.strategies`` entry-point name or
        ``package.module:ClassName``; a ``file.py:ClassName`` only when ``local`` (a local sweep,
        whose processes can read the file; a workflow's workers in AWS cannot).
        """
        for name in ("run_id", "strategy", "start", "end"):
            if not data.get(name):
                raise InvalidInput(name, "is required")
        if not local:
            from vyapari.strategies.loader import check_portable

            check_portable(str(data["strategy"]))
        grid = dict(data.get("grid") or {})
        if any(not isinstance(v, list) or not v for v in grid.values()):
            raise InvalidInput("grid", "every grid entry must be a non-empty list")
        symbols = data.get("symbols")
        request = cls(
            run_id=str(data["run_id"]),
            strategy=str(data["strategy"]),
            start=_date(data["start"], "start"),
            end=_date(data["end"], "end"),
            params=dict(data.get("params") or {}),
            grid=grid,
            symbols=[str(s).upper() for s in symbols] if symbols else None,
            exchange=str(data.get("exchange", "NSE")).upper(),
            interval=str(data.get("interval", "1m")),
            symbols_per_item=int(data.get("symbols_per_item", 10)),
            rank_by=str(data.get("rank_by", "sharpe")),
            capital_inr=float(data.get("capital_inr", 1_000_000.0)),
            fees=str(data.get("fees", "zerodha")),
        )
        request.check()
        return request

    def check(self) -> None:
        """Cross-field checks (range, interval, chunk size, rank metric)."""
        weekdays(self.start, self.end)
        bars_per_session(self.interval)
        if self.symbols_per_item < 1:
            raise InvalidInput("symbols_per_item", "must be at least 1")
        if self.rank_by not in RANKABLE:
            raise InvalidInput("rank_by", f"{self.rank_by!r} is not one of {', '.join(RANKABLE)}")

    def parameter_sets(self) -> list[dict[str, Any]]:
        """``params`` overlaid with each point of the grid (in the grid's key order); one set if no grid."""
        names = list(self.grid)
        return [
            {**self.params, **dict(zip(names, point, strict=True))}
            for point in itertools.product(*(self.grid[n] for n in names))
        ]


@dataclass(frozen=True)
class WorkItem:
    """One backtest to run: a strategy with one parameter set on a chunk of symbols."""

    run_id: str
    item_id: str
    strategy: str
    params: dict[str, Any]
    symbols: list[str]
    exchange: str
    interval: str
    start: str
    end: str
    capital_inr: float
    fees: str
    estimated_bars: int
    fargate_min_bars: int

    @property
    def runner(self) -> str:
        """``fargate`` when the estimate exceeds the threshold, else ``lambda``."""
        return "fargate" if self.estimated_bars > self.fargate_min_bars else "lambda"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the Map state's item), with ``runner``."""
        return {**asdict(self), "runner": self.runner}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorkItem:
        """Parse an item (extra keys such as ``runner`` are ignored)."""
        names = cls.__dataclass_fields__
        missing = [n for n in names if n not in data]
        if missing:
            raise InvalidInput("item", f"missing {', '.join(missing)}")
        return cls(**{n: data[n] for n in names})


def plan_items(request: BacktestRequest, universe: list[str], fargate_min_bars: int) -> list[WorkItem]:
    """The work items of ``request`` over ``universe`` (its symbols, or all the lake has)."""
    symbols = request.symbols or sorted(universe)
    if not symbols:
        raise InvalidInput("symbols", f"no symbols to backtest on {request.exchange}")
    size = request.symbols_per_item
    chunks = [symbols[i : i + size] for i in range(0, len(symbols), size)]
    per_symbol = weekdays(request.start, request.end) * bars_per_session(request.interval)
    items = []
    for n, (params, chunk) in enumerate(itertools.product(request.parameter_sets(), chunks), start=1):
        items.append(
            WorkItem(
                run_id=request.run_id,
                item_id=f"item-{n:04d}",
                strategy=request.strategy,
                params=params,
                symbols=chunk,
                exchange=request.exchange,
                interval=request.interval,
                start=request.start.isoformat(),
                end=request.end.isoformat(),
                capital_inr=request.capital_inr,
                fees=request.fees,
                estimated_bars=per_symbol * len(chunk),
                fargate_min_bars=fargate_min_bars,
            )
        )
    return items


def item_prefix(run_id: str, item_id: str) -> str:
    """Lake prefix of one item's results: ``runs/<run_id>/<item_id>/``."""
    return f"runs/{run_id}/{item_id}/"


def items_key(run_id: str) -> str:
    """Lake key of a run's work-item list (a JSON array, read by a Distributed Map ``ItemReader``)."""
    return f"runs/{run_id}/items.json"


def universe(store: Any, exchange: str, interval: str) -> list[str]:
    """Symbols the lake (an :class:`~vyapari.data.storage.ObjectStore`) has bars of for ``interval``.

    Minute intervals list the minute-bar partitions (no file is read); ``1d`` reads the daily table.
    """
    from vyapari.data import layout

    if interval != "1d":
        prefix = layout.minute_prefix(exchange, "x").rsplit("symbol=", 1)[0] + "symbol="
        return sorted({layout.unpart(k[len(prefix) :].split("/", 1)[0]) for k in store.list(prefix)})
    from vyapari.data.lake import Lake

    keys = store.list(layout.day_prefix("daily_bars", exchange))
    days = sorted(d for d in (layout.date_of_day_key(k) for k in keys) if d is not None)
    if not days:
        return []
    table = Lake(store).read_daily_table(exchange, days[-1], days[-1])
    return sorted(str(s) for s in table["symbol"].unique())
