"""The Python event loop: drives any Strategy bar by bar against the simulated exchange.

Per time slice, in this order (the array kernel mirrors it exactly):

1. **Open**: for each symbol with a bar (column order): the MIS square-off at the open if
   this is its first bar at/after 15:20 IST; else its open orders, oldest first, are
   matched against the bar.
2. **Decide**: ``strategy.on_bar(ctx)``; orders it submits fill from the next bar (or, for
   market orders in same-bar-close mode, at once at this bar's close).
3. **Close**: the MIS square-off at the close for symbols without a bar after 15:20.
4. Equity is recorded: cash + positions at the last close.

Matching, the fill rules (volume cap in lots, no delivery short, the buying-power cut), charges
netted per scrip-day and booking belong to :class:`~vyapari.execution.exchange.SimulatedExchange`,
the one the paper broker wraps too; this module keeps the loop, the strategy's context and the
run's records. The square-off ignores the volume cap and buying power, as a broker's does.
"""

from __future__ import annotations

import gc
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
from vyapari.execution.exchange import Bar, Resting, SimulatedExchange
from vyapari.execution.pricing import fill_price_one
from vyapari.model.enums import OrderStatus, OrderType, ProductType, Side
from vyapari.model.events import Fill
from vyapari.model.orders import Order
from vyapari.model.portfolio import Portfolio
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.strategy import Strategy

SimOrder = Resting
"""An order of the run at the simulated exchange (its ``key`` is its index in the run's orders)."""


@dataclass
class Ledger:
    """Arrays of orders and fills collected during the run."""

    fill_rows: list[tuple[int, int, int, float, float, int]] = field(default_factory=list)
    order_rows: list[tuple[int, int, int, int]] = field(default_factory=list)
    order_types: list[OrderType] = field(default_factory=list)
    limits: list[float] = field(default_factory=list)
    triggers: list[float] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


class EventLoopEngine:
    """Runs one strategy over one panel (see the module docstring)."""

    def __init__(self, strategy: Strategy, panel: BarPanel, config: BacktestConfig) -> None:
        self.strategy, self.panel, self.config = strategy, panel, config
        product = strategy.product
        self.is_mis = product is ProductType.MIS
        self.plan = squareoff_plan(panel)
        self.ledger = Ledger()
        self.by_id: dict[str, SimOrder] = {}
        self.ctx = EventContext(self)
        n_count = panel.shape[1]
        self.exchange = SimulatedExchange(
            capital=to_decimal(config.capital_inr),
            fees=config.fees,
            slippage=config.slippage,
            leverage=dict.fromkeys(ProductType, config.leverage_for(product)),
            segments=dict.fromkeys(ProductType, config.segment_for(product)),
            events=self,
            trade_id=self._trade_id,
            capacity=n_count,
        )
        self.exchange.columns(tuple(self.ctx.instrument(n) for n in range(n_count)))
        self.segment = config.segment_for(product)
        self.pos = self.exchange.pos  # [N] int64 and float ₹: the book never grows in a backtest
        self.mark = self.exchange.mark
        self._held = self.pos.astype(float)  # pos as floats (kept on every fill and split), for equity
        self.same_close = config.fill_at.value == "same_close"
        self._lots: list[int] = panel.lot_sizes.tolist()
        self._product = product

    @property
    def cash(self) -> float:
        """Cash in ₹ after charges."""
        return self.exchange.cash

    @property
    def portfolio(self) -> Portfolio:
        """The run's Decimal ledger (:class:`~vyapari.model.portfolio.Portfolio`)."""
        return self.exchange.portfolio

    # ----- the loop ----------------------------------------------------------------
    def run(self, progress: Callable[[int, int], None] | None = None) -> BacktestResult:
        """Run every slice and build the result; ``progress(done, total)`` every 4,096 slices."""
        panel, ctx, exchange = self.panel, self.ctx, self.exchange
        t_count, n_count = panel.shape
        equity = np.empty(t_count)
        positions = np.empty((t_count, n_count), dtype=np.int64)
        self.strategy.prepare(panel, self.config.capital_inr)
        ctx.set_row(0)
        self._call("on_start")
        on_bar, set_row = self.strategy.on_bar, ctx.set_row
        close, valid, pos, mark, held = panel.close, panel.valid, self.pos, self.mark, self._held
        actions = panel.has_actions
        at_open = _by_slice(self.plan.at_open & valid) if self.is_mis else {}
        at_close = _by_slice(self.plan.at_close & valid) if self.is_mis else {}
        records = _RunRecords()  # the run's orders and fills live to its end: the GC need not rescan them
        try:
            for t in range(t_count):
                set_row(t)
                if actions:
                    self._corporate_actions(t)
                squares = at_open.get(t)
                if squares is not None or exchange.has_resting:
                    self._open_phase(t, squares)
                try:
                    on_bar(ctx)
                except Exception as exc:
                    raise self._hook_error("on_bar", exc) from exc
                if t in at_close:
                    self._close_squareoff(t, at_close[t])
                np.copyto(mark, close[t], where=valid[t])  # the last close of each symbol with a bar
                equity[t] = exchange.cash + held.dot(mark)  # (= pos @ mark, without casting pos each slice)
                positions[t] = pos
                if (t + 1) % 4096 == 0:
                    records.settle()
                    if progress is not None:
                        progress(t + 1, t_count)
        finally:
            records.release()
        if progress is not None:
            progress(t_count, t_count)
        self._call("on_stop")
        return self._result(equity, positions)

    def _call(self, hook: str) -> None:
        try:
            getattr(self.strategy, hook)(self.ctx)
        except Exception as exc:
            raise self._hook_error(hook, exc) from exc

    def _hook_error(self, hook: str, exc: Exception) -> StrategyError:
        where = self.ctx.now.isoformat()
        return StrategyError(
            f"strategy {self.strategy.name} raised in {hook} at bar {where}: {type(exc).__name__}: {exc}"
        )

    def _corporate_actions(self, t: int) -> None:
        """Splits, bonuses and cash dividends at the start of slice ``t``, as a broker settles
        them (:mod:`vyapari.strategy.actions`); open orders of a split symbol are cancelled."""
        ratios, dividends = self.panel.share_ratio[t], self.panel.cash_per_share[t]
        for n in np.flatnonzero((ratios != 1.0) | (dividends != 0.0)).tolist():
            if ratios[n] != 1.0:
                self.exchange.cancel_column(n)
                ratio, mark = to_decimal(float(ratios[n])), to_decimal(float(self.mark[n]))
                self.exchange.split(self.ctx.instrument(n), ratio, mark)
                self._held[n] = self.pos[n]
                self.mark[n] = self.mark[n] / ratios[n]
            if dividends[n] != 0.0:
                self.exchange.dividend(self.ctx.instrument(n), to_decimal(float(dividends[n])))

    def _bar(self, t: int, n: int, ref: float) -> Bar:
        p = self.panel
        return Bar(t, self.ctx.day_of(t), self.ctx.now, p.open.item(t, n), p.high.item(t, n),
                   p.low.item(t, n), p.volume.item(t, n), ref)

    def _open_phase(self, t: int, squares: list[int] | None) -> None:
        """Square-offs at the open (``squares``: columns with a bar, ascending) and matching of the
        open orders, columns in ascending order."""
        valid = self.panel.valid
        exchange = self.exchange
        columns = exchange.resting_columns()
        if squares is not None:
            columns = sorted(set(columns).union(squares))
        elif len(columns) > 1:
            columns.sort()
        ref = self.panel.close if self.same_close else self.panel.open
        for n in columns:
            if not valid.item(t, n):
                continue
            if squares is not None and n in squares:
                exchange.cancel_column(n)
                self._square_off(t, n, self.panel.open.item(t, n))
                continue
            exchange.match(n, self._bar(t, n, ref.item(t, n)), placed_before=t)

    def _close_squareoff(self, t: int, columns: list[int]) -> None:
        for n in columns:
            self.exchange.cancel_column(n)
            self._square_off(t, n, self.panel.close.item(t, n))

    # ----- orders ------------------------------------------------------------------
    def submit(self, order: Order, column: int, kind: int = 0) -> SimOrder:
        """Accept ``order`` for symbol ``column`` at the current slice; may fill at once."""
        t = self.ctx.bar_index
        ledger = self.ledger
        sim = SimOrder(order, column, len(ledger.order_rows), self._lots[column], t, product=self._product)
        ledger.order_rows.append((t, column, order.quantity * sim.sign, kind))
        ledger.order_types.append(order.order_type)
        limit, trigger = order.limit_price, order.trigger_price
        ledger.limits.append(math.nan if limit is None else float(limit))
        ledger.triggers.append(math.nan if trigger is None else float(trigger))
        ledger.reasons.append("")
        order.transition(OrderStatus.SUBMITTED)
        self.by_id[order.client_order_id] = sim
        if kind == 0 and self.is_mis and self.plan.after[t]:
            self.exchange.reject(sim, "MIS orders are not accepted after the 15:20 IST square-off")
            return sim
        order.transition(OrderStatus.OPEN)
        self.exchange.rest(sim)
        immediate = kind == 0 and self.same_close and order.order_type is OrderType.MARKET
        if immediate and self.panel.valid.item(t, column):
            self.exchange.match_one(sim, self._bar(t, column, self.panel.close.item(t, column)))
        return sim

    def cancel(self, sim: SimOrder) -> None:
        """Cancel an open order (terminal orders are left alone)."""
        if not sim.order.status.is_terminal:
            self.exchange.cancel(sim)

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
        fill = fill_price_one(self.config.slippage, side.sign, price, abs(qty), self.panel.volume[t, n])
        self.exchange.fill(sim, abs(qty), fill, self.ctx.day_of(t), self.ctx.now)

    # ----- what the exchange tells the run ---------------------------------------------------
    def _trade_id(self) -> str:
        return f"{self.config.run_id}-T{len(self.ledger.fill_rows):08d}"

    def filled(self, resting: SimOrder, fill: Fill, price: float) -> None:
        """Record a fill booked by the exchange and tell the strategy."""
        index = resting.key
        assert isinstance(index, int)
        signed = fill.quantity * resting.sign
        self._held[resting.column] = self.pos[resting.column]
        self.ledger.fill_rows.append(
            (self.ctx.bar_index, resting.column, signed, price, float(fill.charges.total), index)
        )
        self.strategy.on_fill(self.ctx, fill)

    def rejected(self, resting: SimOrder, reason: str) -> None:
        """Record why the exchange rejected an order."""
        index = resting.key
        assert isinstance(index, int)
        self.ledger.reasons[index] = reason

    def _result(self, equity: np.ndarray, positions: np.ndarray) -> BacktestResult:
        # one float array of the rows: slices, columns, quantities and order indices are integers
        # far below 2**53, so they come back exact
        f = np.array(self.ledger.fill_rows, dtype=float).reshape(-1, 6).T
        t, n, qty, price, charges, order = f
        fills = FillArrays(
            t=t.astype(np.int64),
            n=n.astype(np.int64),
            qty=qty.astype(np.int64),
            price=price.copy(),
            charges=charges.copy(),
            order=order.astype(np.int64),
        )
        o = np.array(self.ledger.order_rows, dtype=np.int64).reshape(-1, 4)
        orders = OrderArrays(
            o[:, 0],
            o[:, 1],
            o[:, 2],
            o[:, 3],
            [kind.value for kind in self.ledger.order_types],
            np.array(self.ledger.limits),
            np.array(self.ledger.triggers),
            self.ledger.reasons,
        )
        final = self.exchange.portfolio.cash + sum(
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



def _by_slice(mask: np.ndarray) -> dict[int, list[int]]:
    """``{t: columns where mask[t] (ascending)}`` for the slices with any."""
    rows, cols = np.nonzero(mask)
    out: dict[int, list[int]] = {}
    for t, n in zip(rows.tolist(), cols.tolist(), strict=True):
        out.setdefault(t, []).append(n)
    return out


class _RunRecords:
    """Keeps the cyclic garbage collector from rescanning a run's records again and again.

    A run keeps every order, fill and position it makes until it ends, so each full collection of
    the oldest generation walks all of them again (a third of the time of a 100-session run on 50
    symbols). Every 4,096 slices :meth:`settle` collects the young generations and freezes what
    survived (:func:`gc.freeze`: left out of later collections); :meth:`release` unfreezes them
    when the run ends, so anything that became garbage meanwhile is collected as usual, only later.
    Nothing is done when the garbage collector is off or the process froze objects itself.
    """

    def __init__(self) -> None:
        self.active = gc.isenabled() and gc.get_freeze_count() == 0

    def settle(self) -> None:
        """Collect the young generations and freeze the survivors."""
        if self.active:
            gc.collect(1)
            gc.freeze()

    def release(self) -> None:
        """Unfreeze what :meth:`settle` froze."""
        if self.active:
            gc.unfreeze()
