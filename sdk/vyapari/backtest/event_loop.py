"""The Python event loop: drives any Strategy bar by bar with a simulated exchange.

Per time slice, in this order (the array kernel mirrors it exactly):

1. **Open**: for each symbol with a bar (column order): the MIS square-off at the open if
   this is its first bar at/after 15:20 IST; else its open orders, oldest first, are
   matched against the bar (:mod:`vyapari.execution.matching`).
2. **Decide**: ``strategy.on_bar(ctx)``; orders it submits fill from the next bar (or, for
   market orders in same-bar-close mode, at once at this bar's close).
3. **Close**: the MIS square-off at the close for symbols without a bar after 15:20.
4. Equity is recorded: cash + positions at the last close.

Every fill is booked in a :class:`~vyapari.model.portfolio.Portfolio` with exact Decimal
charges from the fee model, netted per scrip-day (:class:`~vyapari.costs.netting.ChargeBook`).
Fills are capped by the slippage model's volume cap (the square-off is not), CNC and NRML
sells never go short (:mod:`vyapari.execution.limits`), and a risk-increasing fill beyond
buying power (gross exposure ≤ leverage × equity) is reduced by whole lots or rejected; a cut
that no longer increases the absolute position is allowed without the check, as an order of
that size would be. Buying power is
checked with marks at the last closes before the slice, moved to the fill price by each fill
of the slice (the paper broker uses the same marks).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from vyapari.backtest.config import BacktestConfig
from vyapari.backtest.context import EventContext
from vyapari.backtest.results import BacktestResult, FillArrays, OrderArrays, build_result
from vyapari.backtest.rules import squareoff_plan
from vyapari.core.errors import StrategyError
from vyapari.core.money import to_decimal
from vyapari.costs.netting import ChargeBook
from vyapari.execution.matching import match_order
from vyapari.execution.pricing import fill_price_one, volume_caps
from vyapari.execution.rules import allowed_quantity, cut_to_buying_power, exposure_fits
from vyapari.model.charges import Charges
from vyapari.model.enums import OrderStatus, OrderType, ProductType, Side
from vyapari.model.events import Fill
from vyapari.model.orders import Order
from vyapari.model.portfolio import Portfolio
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.strategy import Strategy


@dataclass(slots=True)
class SimOrder:
    """An order in the simulated exchange with its column, index and submission slice."""

    order: Order
    column: int
    index: int
    submitted_t: int
    triggered: bool = False


@dataclass
class Ledger:
    """Arrays of orders and fills collected during the run."""

    fill_rows: list[tuple[int, int, int, float, float, int]] = field(default_factory=list)
    order_rows: list[tuple[int, int, int, int]] = field(default_factory=list)
    order_types: list[str] = field(default_factory=list)
    limits: list[float] = field(default_factory=list)
    triggers: list[float] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


class EventLoopEngine:
    """Runs one strategy over one panel (see the module docstring)."""

    def __init__(self, strategy: Strategy, panel: BarPanel, config: BacktestConfig) -> None:
        self.strategy, self.panel, self.config = strategy, panel, config
        self.segment = config.segment_for(strategy.product)
        self.is_mis = strategy.product is ProductType.MIS
        self.plan = squareoff_plan(panel)
        self.caps = volume_caps(config.slippage, panel.volume)
        self.portfolio = Portfolio(initial_cash=to_decimal(config.capital_inr))
        self.charge_book = ChargeBook(config.fees)
        self.cash = float(config.capital_inr)
        n_count = panel.shape[1]
        self.pos = np.zeros(n_count, dtype=np.int64)
        self.mark = np.zeros(n_count)
        self.capleft = np.zeros(n_count, dtype=np.int64)
        self.cap_row = np.full(n_count, -1, dtype=np.int64)
        self.open_by_col: dict[int, list[SimOrder]] = {}
        self.by_id: dict[str, SimOrder] = {}
        self.ledger = Ledger()
        self.leverage = config.leverage_for(strategy.product)
        self.ctx = EventContext(self)

    # ----- the loop ----------------------------------------------------------------
    def run(self, progress: Callable[[int, int], None] | None = None) -> BacktestResult:
        """Run every slice and build the result; ``progress(done, total)`` every 4,096 slices."""
        t_count, n_count = self.panel.shape
        equity = np.empty(t_count)
        positions = np.empty((t_count, n_count), dtype=np.int64)
        self.strategy.prepare(self.panel, self.config.capital_inr)
        self.ctx.set_row(0)
        self._call("on_start")
        for t in range(t_count):
            self.ctx.set_row(t)
            if self.panel.has_actions:
                self._corporate_actions(t)
            self._open_phase(t)
            self._call("on_bar")
            if self.is_mis:
                self._close_squareoff(t)
            valid = self.panel.valid[t]
            self.mark[valid] = self.panel.close[t, valid]
            equity[t] = self.cash + float(self.pos @ self.mark)
            positions[t] = self.pos
            if progress is not None and (t + 1) % 4096 == 0:
                progress(t + 1, t_count)
        if progress is not None:
            progress(t_count, t_count)
        self._call("on_stop")
        return self._result(equity, positions)

    def _call(self, hook: str) -> None:
        try:
            getattr(self.strategy, hook)(self.ctx)
        except Exception as exc:
            where = self.ctx.now.isoformat()
            raise StrategyError(
                f"strategy {self.strategy.name} raised in {hook} at bar {where}: {type(exc).__name__}: {exc}"
            ) from exc

    def _corporate_actions(self, t: int) -> None:
        """Splits, bonuses and cash dividends at the start of slice ``t``, as a broker settles
        them (:mod:`vyapari.strategy.actions`); open orders of a split symbol are cancelled."""
        ratios, dividends = self.panel.share_ratio[t], self.panel.cash_per_share[t]
        for n in np.flatnonzero((ratios != 1.0) | (dividends != 0.0)).tolist():
            instrument = self.ctx.instrument(n)
            if ratios[n] != 1.0:
                self._cancel_column(n)
                ratio = to_decimal(float(ratios[n]))
                self.portfolio.apply_split(instrument, ratio, to_decimal(float(self.mark[n])))
                self.mark[n] = self.mark[n] / ratios[n]
                self.pos[n] = self.portfolio.position(instrument).quantity
            if dividends[n] != 0.0:
                self.portfolio.credit_dividend(instrument, to_decimal(float(dividends[n])))
            self.cash = float(self.portfolio.cash)

    def _open_phase(self, t: int) -> None:
        valid = self.panel.valid[t]
        squares = set(np.flatnonzero(self.plan.at_open[t] & valid).tolist()) if self.is_mis else set()
        for n in sorted(squares | set(self.open_by_col)):
            if not valid[n]:
                continue
            if n in squares:
                self._cancel_column(n)
                self._square_off(t, n, self.panel.open[t, n])
                continue
            for sim in list(self.open_by_col.get(n, ())):
                if sim.submitted_t < t:
                    self._match(t, sim, same_close_ref=False)

    def _close_squareoff(self, t: int) -> None:
        for n in np.flatnonzero(self.plan.at_close[t] & self.panel.valid[t]).tolist():
            self._cancel_column(n)
            self._square_off(t, n, self.panel.close[t, n])

    # ----- orders ------------------------------------------------------------------
    def submit(self, order: Order, column: int, kind: int = 0) -> SimOrder:
        """Accept ``order`` for symbol ``column`` at the current slice; may fill at once."""
        t = self.ctx.bar_index
        sim = SimOrder(order, column, len(self.ledger.order_rows), t)
        self.ledger.order_rows.append((t, column, order.quantity * order.side.sign, kind))
        self.ledger.order_types.append(order.order_type.value)
        self.ledger.limits.append(float(order.limit_price) if order.limit_price is not None else math.nan)
        self.ledger.triggers.append(
            float(order.trigger_price) if order.trigger_price is not None else math.nan
        )
        self.ledger.reasons.append("")
        order.transition(OrderStatus.SUBMITTED)
        self.by_id[order.client_order_id] = sim
        if kind == 0 and self.is_mis and self.plan.after[t]:
            return self._reject(sim, "MIS orders are not accepted after the 15:20 IST square-off")
        order.transition(OrderStatus.OPEN)
        self.open_by_col.setdefault(column, []).append(sim)
        immediate = (
            kind == 0 and self.config.fill_at.value == "same_close" and order.order_type is OrderType.MARKET
        )
        if immediate and self.panel.valid[t, column]:
            self._match(t, sim, same_close_ref=True)
        return sim

    def cancel(self, sim: SimOrder) -> None:
        """Cancel an open order (terminal orders are left alone)."""
        if sim.order.status.is_terminal:
            return
        sim.order.transition(OrderStatus.CANCELLED)
        self._remove(sim)

    def _cancel_column(self, n: int) -> None:
        for sim in list(self.open_by_col.get(n, ())):
            self.cancel(sim)

    def _remove(self, sim: SimOrder) -> None:
        orders = self.open_by_col.get(sim.column)
        if orders is not None:
            orders.remove(sim)
            if not orders:
                del self.open_by_col[sim.column]

    def _reject(self, sim: SimOrder, reason: str) -> SimOrder:
        """Reject the order (or cancel its remainder after a partial fill), saying why."""
        partly = sim.order.status is OrderStatus.PARTIALLY_FILLED
        sim.order.transition(OrderStatus.CANCELLED if partly else OrderStatus.REJECTED, reason)
        self.ledger.reasons[sim.index] = reason
        if sim in self.open_by_col.get(sim.column, ()):
            self._remove(sim)
        return sim

    # ----- fills -------------------------------------------------------------------
    def _match(self, t: int, sim: SimOrder, *, same_close_ref: bool) -> None:
        n, order = sim.column, sim.order
        p = self.panel
        use_close = same_close_ref or self.config.fill_at.value == "same_close"
        ref = p.close[t, n] if use_close else p.open[t, n]
        m = match_order(
            order.order_type,
            order.side.sign,
            _f(order.limit_price),
            _f(order.trigger_price),
            sim.triggered,
            p.open[t, n],
            p.high[t, n],
            p.low[t, n],
            ref,
        )
        sim.triggered = sim.triggered or m.triggered
        if math.isnan(m.price):
            return
        if self.cap_row[n] != t:
            self.cap_row[n], self.capleft[n] = t, self.caps[t, n]
        qty = self._allowed_quantity(sim, n, order.remaining_quantity)
        if qty == 0:
            return
        price = m.price
        if m.slippage:
            price = fill_price_one(self.config.slippage, order.side.sign, price, qty, p.volume[t, n])
        qty, _ = self._within_buying_power(sim, t, n, qty, price)
        if qty:
            self.capleft[n] -= qty
            self._book(t, sim, qty, price)

    def _allowed_quantity(self, sim: SimOrder, n: int, want: int) -> int:
        qty, refused = allowed_quantity(
            want, int(self.capleft[n]), int(self.panel.lot_sizes[n]), sim.order.side, self.strategy.product,
            int(self.pos[n]),
        )
        if refused is not None:
            self._reject(sim, refused)
        return qty

    def _charges(self, t: int, sim: SimOrder, qty: int, price: float, *, book: bool = False) -> Charges:
        """The charges (₹) of a fill of ``qty`` at ``price``, netted per scrip-day
        (:mod:`vyapari.costs.netting`); booked into the day's charges only when ``book``."""
        day = self.ctx.day_of(t)
        how = self.charge_book.book if book else self.charge_book.preview
        return how(
            sim.column,
            self.config.exchange,
            day,
            self.segment,
            sim.index,
            sim.order.side,
            qty,
            to_decimal(price),
        )

    def _within_buying_power(self, sim: SimOrder, t: int, n: int, qty: int, price: float) -> tuple[int, None]:
        """The quantity (whole lots) that keeps gross exposure ≤ leverage × equity
        (:func:`~vyapari.execution.rules.cut_to_buying_power`, as the paper broker cuts it); none
        left rejects the order."""
        sign = sim.order.side.sign

        def fits(q: int, after: int) -> bool:
            cash = self.cash - sign * q * price - float(self._charges(t, sim, q, price).total)
            return exposure_fits(self.pos, self.mark, n, after, price, cash, self.leverage)

        qty = cut_to_buying_power(int(self.pos[n]), sign, qty, int(self.panel.lot_sizes[n]), fits)
        if qty == 0:
            self._reject(sim, "insufficient buying power")
        return qty, None

    def _square_off(self, t: int, n: int, price: float) -> None:
        qty = int(self.pos[n])
        if qty == 0:
            return
        side = Side.SELL if qty > 0 else Side.BUY
        order = Order(
            self.ctx.order_id(n, len(self.ledger.order_rows)),
            self.ctx.instrument(n),
            side,
            abs(qty),
            product=self.strategy.product,
        )
        sim = self.submit(order, n, kind=1)
        self._book(
            t,
            sim,
            abs(qty),
            fill_price_one(self.config.slippage, side.sign, price, abs(qty), self.panel.volume[t, n]),
        )

    def _book(self, t: int, sim: SimOrder, qty: int, price: float) -> None:
        order, n = sim.order, sim.column
        charges = self._charges(t, sim, qty, price, book=True)  # = the buying-power check's preview
        trade_id = f"{self.config.run_id}-T{len(self.ledger.fill_rows):08d}"
        fill = Fill(
            trade_id,
            order.client_order_id,
            order.instrument_id,
            order.side,
            qty,
            to_decimal(price),
            self.ctx.now,
            order.product,
            charges,
        )
        self.portfolio.apply(fill)
        order.record_fill(trade_id, qty, fill.price)
        if order.status is OrderStatus.FILLED:
            self._remove(sim)
        signed = qty * order.side.sign
        self.pos[n] += signed
        self.mark[n] = price
        self.cash = float(self.portfolio.cash)
        self.ledger.fill_rows.append((t, n, signed, price, float(fill.charges.total), sim.index))
        self.strategy.on_fill(self.ctx, fill)

    def _result(self, equity: np.ndarray, positions: np.ndarray) -> BacktestResult:
        rows = self.ledger.fill_rows
        fills = FillArrays(
            t=np.array([r[0] for r in rows], dtype=np.int64),
            n=np.array([r[1] for r in rows], dtype=np.int64),
            qty=np.array([r[2] for r in rows], dtype=np.int64),
            price=np.array([r[3] for r in rows], dtype=float),
            charges=np.array([r[4] for r in rows], dtype=float),
            order=np.array([r[5] for r in rows], dtype=np.int64),
        )
        o = np.array(self.ledger.order_rows, dtype=np.int64).reshape(-1, 4)
        orders = OrderArrays(
            o[:, 0],
            o[:, 1],
            o[:, 2],
            o[:, 3],
            self.ledger.order_types,
            np.array(self.ledger.limits),
            np.array(self.ledger.triggers),
            self.ledger.reasons,
        )
        final = self.portfolio.cash + sum(
            (to_decimal(float(self.mark[n])) * int(q) for n, q in enumerate(self.pos.tolist()) if q),
            Decimal(0),
        )
        return build_result(
            strategy=self.strategy.name,
            params=self.strategy.params,
            config=self.config,
            panel=self.panel,
            segment=self.segment,
            path="event",
            equity=equity,
            positions=positions,
            fills=fills,
            orders=orders,
            final_equity=float(final),
        )


def _f(value: Decimal | None) -> float:
    return math.nan if value is None else float(value)
