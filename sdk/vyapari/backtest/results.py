"""Backtest results: arrays from either engine path, turned into tables, a summary and files.

Both paths hand :func:`build_result` the same arrays (fills, orders, equity, positions),
so equal runs give byte-identical outputs. Written files (``write``):
``trades.parquet`` (every fill with its itemised charges and realised P&L),
``equity.parquet``, ``orders.parquet``, ``positions.parquet`` (changes only) and
``summary.json``. Times are IST; amounts in ₹.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vyapari.backtest.charge_kernel import ITEMS, netted_charges
from vyapari.backtest.config import BacktestConfig
from vyapari.backtest.order_status import order_counts, order_statuses
from vyapari.backtest.stats import compute_statistics
from vyapari.core.aot import kernel
from vyapari.core.ids import ClientOrderIds
from vyapari.core.time import IST_OFFSET_NS, ist_from_ns
from vyapari.model.enums import Segment
from vyapari.strategy.panel import BarPanel

if TYPE_CHECKING:  # pandas and pyarrow load for the tables and files, not for a summary
    import pandas as pd

ORDER_KINDS = ("strategy", "squareoff")


_FIXED_IST_FROM_NS = -757_400_000_000_000_000  # 1946-01-01 UTC: IST has been UTC+05:30 since 1945


def ts_iso(ns: int) -> str:
    """ISO 8601 text in IST of a UTC-ns bar time (as the event context's ``now``)."""
    return ist_from_ns(ns).isoformat()


def ts_iso_many(ns: np.ndarray) -> list[str]:
    """:func:`ts_iso` of many UTC-ns times at once (whole seconds since 1946 in one numpy pass)."""
    ns = np.asarray(ns, dtype=np.int64)
    if ns.size and ns.min() >= _FIXED_IST_FROM_NS and not (ns % 1_000_000_000).any():
        local = (ns + IST_OFFSET_NS).astype("datetime64[ns]").astype("datetime64[s]")
        return [text + "+05:30" for text in np.datetime_as_string(local, unit="s").tolist()]
    return [ts_iso(int(x)) for x in ns.tolist()]


@dataclass(frozen=True, eq=False)
class FillArrays:
    """One row per fill, in booking order. ``qty`` signed shares, ``price`` ₹, ``charges`` ₹."""

    t: np.ndarray
    n: np.ndarray
    qty: np.ndarray
    price: np.ndarray
    charges: np.ndarray
    order: np.ndarray


@dataclass(frozen=True, eq=False)
class OrderArrays:
    """One row per submitted order: slice, column, signed qty, kind (0 strategy, 1 square-off),
    order type, limit and trigger prices (NaN when absent) and a status reason ('' if none)."""

    t: np.ndarray
    n: np.ndarray
    qty: np.ndarray
    kind: np.ndarray
    order_type: list[str] = field(default_factory=list)
    limit_price: np.ndarray | None = None
    trigger_price: np.ndarray | None = None
    reason: list[str] = field(default_factory=list)


@dataclass(eq=False)
class BacktestResult:
    """Everything a backtest produced (see the module docstring)."""

    strategy: str
    params: Mapping[str, Any]
    config: BacktestConfig
    panel: BarPanel
    segment: Segment
    path: str
    equity: np.ndarray
    positions: np.ndarray
    fills: FillArrays
    orders: OrderArrays
    realised: np.ndarray
    summary: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # what the user should know (engine path, rejections)
    _ids: list[str] | None = field(default=None, init=False, repr=False)

    # ----- tables -----------------------------------------------------------------
    def equity_frame(self) -> pd.DataFrame:
        """``ts`` (IST bar start) and ``equity`` (₹ to the paisa, after the slice, at the last close)."""
        import pandas as pd

        return pd.DataFrame(
            {"ts": self.panel.timestamps(), "equity": np.floor(self.equity * 100 + 0.5) / 100}
        )

    def _order_ids(self) -> list[str]:
        """Each order's ``client_order_id`` (as the event context made it), computed once."""
        if self._ids is None:
            times, where = np.unique(self.orders.t, return_inverse=True)
            stamps = ts_iso_many(self.panel.ts[times])
            syms = self.panel.symbols
            ids = ClientOrderIds(self.config.run_id, self.strategy)
            self._ids = [
                ids(syms[n], stamps[k], i)
                for i, (k, n) in enumerate(zip(where.tolist(), self.orders.n.tolist(), strict=True))
            ]
        return self._ids

    def trades_frame(self) -> pd.DataFrame:
        """Every fill: ids, time, symbol, side, quantity, price, itemised charges (as booked: the
        change the fill made to its scrip-day's netted charges), realised P&L."""
        import pandas as pd

        f = self.fills
        ts = self.panel.timestamps()
        ids = self._order_ids()
        dates = self.panel.session_dates[self.panel.session[f.t]].astype("datetime64[D]")
        netted = netted_charges(
            self.config.fees,
            self.config.exchange,
            self.segment,
            f.n,
            self.panel.session[f.t],
            dates,
            f.order,
            f.qty,
            f.price,
        )
        items = {name: netted[:, i] for i, name in enumerate(ITEMS)} if len(f.qty) else {}
        frame = pd.DataFrame(
            {
                "trade_id": [f"{self.config.run_id}-T{i:08d}" for i in range(len(f.qty))],
                "client_order_id": [ids[o] for o in f.order.tolist()],
                "ts": ts[f.t],
                "session_date": pd.to_datetime(dates).date if len(f.qty) else [],
                "symbol": [self.panel.symbols[n] for n in f.n.tolist()],
                "side": np.where(f.qty > 0, "BUY", "SELL"),
                "quantity": np.abs(f.qty),
                "price": f.price,
                "notional_inr": np.abs(f.qty) * f.price,
            }
        )
        for name, values in items.items():
            frame[f"{name}_inr"] = values
        frame["charges_inr"] = np.floor(f.charges * 100 + 0.5) / 100  # as booked, to the paisa
        frame["realised_pnl_inr"] = self.realised
        return frame

    def orders_frame(self) -> pd.DataFrame:
        """Every order submitted, with how much of it filled and its status."""
        import pandas as pd

        o = self.orders
        filled, status, reasons = order_statuses(self)
        want = np.abs(o.qty)
        return pd.DataFrame(
            {
                "client_order_id": self._order_ids(),
                "ts": self.panel.timestamps()[o.t],
                "symbol": [self.panel.symbols[n] for n in o.n.tolist()],
                "side": np.where(o.qty > 0, "BUY", "SELL"),
                "quantity": want,
                "order_type": o.order_type or ["MARKET"] * len(o.qty),
                "limit_price": o.limit_price if o.limit_price is not None else np.full(len(o.qty), np.nan),
                "trigger_price": o.trigger_price
                if o.trigger_price is not None
                else np.full(len(o.qty), np.nan),
                "kind": [ORDER_KINDS[k] for k in o.kind.tolist()],
                "filled_quantity": filled,
                "status": status,
                "reason": reasons,
            }
        )

    def positions_frame(self) -> pd.DataFrame:
        """Positions over time, one row per (slice, symbol) where the quantity changed."""
        import pandas as pd

        prev = np.vstack([np.zeros((1, self.positions.shape[1]), np.int64), self.positions[:-1]])
        t_idx, n_idx = np.nonzero(self.positions != prev)
        return pd.DataFrame(
            {
                "ts": self.panel.timestamps()[t_idx],
                "symbol": [self.panel.symbols[n] for n in n_idx.tolist()],
                "quantity": self.positions[t_idx, n_idx],
            }
        )

    def write(self, out_dir: Path) -> None:
        """Write the result files into ``out_dir`` (created if needed), deterministically."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        out_dir.mkdir(parents=True, exist_ok=True)
        tables = {
            "trades": self.trades_frame(),
            "equity": self.equity_frame(),
            "orders": self.orders_frame(),
            "positions": self.positions_frame(),
        }
        for name, frame in tables.items():
            table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
            pq.write_table(table, out_dir / f"{name}.parquet", compression="zstd")
        (out_dir / "summary.json").write_text(self.summary_json(), encoding="utf-8")

    def summary_json(self) -> str:
        """``summary.json``'s text (what :meth:`write` writes)."""
        return json.dumps(self.summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def data_gaps(panel: BarPanel, config: BacktestConfig) -> list[dict[str, Any]]:
    """Runs of calendar sessions inside the run with no bar of any symbol (a gap in the data, not a
    holiday): ``[{"first_missing", "last_missing", "sessions"}]``, ISO dates."""
    from vyapari.market.calendar import get_calendar

    held = {d.item() for d in panel.session_dates.astype("datetime64[D]")}
    if not held:
        return []
    gaps: list[dict[str, Any]] = []
    run: list[Any] = []
    for s in [*get_calendar(config.exchange).sessions(min(held), max(held)), None]:
        if s is not None and s.session_date not in held:
            run.append(s.session_date)
            continue
        if run:
            gaps.append({"first_missing": run[0].isoformat(), "last_missing": run[-1].isoformat(),
                         "sessions": len(run)})
            run = []
    return gaps


def rejection_note(orders: OrderArrays, fills: FillArrays, share: float = 0.5) -> str | None:
    """A line for the user when more than ``share`` of the orders were rejected unfilled, with the
    commonest reason; ``None`` otherwise."""
    total = len(orders.qty)
    if not total or not orders.reason:
        return None
    filled = np.zeros(total, dtype=bool)
    filled[fills.order] = True
    reasons = [r for r, f in zip(orders.reason, filled.tolist(), strict=True) if r and not f]
    if len(reasons) <= share * total:
        return None
    top, count = max(((r, reasons.count(r)) for r in set(reasons)), key=lambda x: (x[1], x[0]))
    hint = (
        " — size positions within capital (e.g. notional per symbol × symbols ≤ capital)"
        if "buying power" in top
        else ""
    )
    return (
        f"{len(reasons):,} of {total:,} orders were rejected ({count:,}: {top}){hint}; "
        "see orders.parquet (status, reason)"
    )


def _r2(value: float) -> float:
    return float(np.floor(value * 100 + 0.5) / 100)


def build_result(
    *,
    strategy: str,
    params: Mapping[str, Any],
    config: BacktestConfig,
    panel: BarPanel,
    segment: Segment,
    path: str,
    equity: np.ndarray,
    positions: np.ndarray,
    fills: FillArrays,
    orders: OrderArrays,
    final_equity: float | None = None,
) -> BacktestResult:
    """Assemble a :class:`BacktestResult` and its summary from a run's arrays."""
    realised = kernel("realised_pnl")(fills.t, fills.n, fills.qty, fills.price, panel.ratios)
    capital = config.capital_inr
    final = float(equity[-1]) if final_equity is None else final_equity
    turnover = float((np.abs(fills.qty) * fills.price).sum())
    exposure = int((positions != 0).any(axis=1).sum())
    stats = compute_statistics(equity, panel.session, capital, realised, turnover, exposure)
    summary: dict[str, Any] = {
        "strategy": strategy,
        "params": dict(params),
        "path": path,
        "symbols": len(panel.symbols),
        "start": ts_iso(int(panel.ts[0])),
        "end": ts_iso(int(panel.ts[-1])),
        "bars": panel.bar_count,
        "slices": int(panel.shape[0]),
        "orders": len(orders.qty),
        "fills": len(fills.qty),
        "capital_inr": _r2(capital),
        "final_equity_inr": _r2(final),
        "pnl_inr": _r2(final - capital),
        "charges_inr": _r2(float(fills.charges.sum())),
        "gross_pnl_inr": _r2(final - capital + float(fills.charges.sum())),
        "fees": config.fees.name,
        "exchange": config.exchange.value,
        "segment": segment.value,
        "fill_at": config.fill_at.value,
        "statistics": {k: round(v, 6) for k, v in stats.items()},
    }
    result = BacktestResult(
        strategy, params, config, panel, segment, path, equity, positions, fills, orders, realised, summary
    )
    _, status, reasons = order_statuses(result)
    counts = order_counts(status, reasons)
    summary["data_gaps"] = data_gaps(panel, config)
    summary["orders_by_status"] = counts["by_status"]
    summary["orders_by_reason"] = counts["by_reason"]
    return result
