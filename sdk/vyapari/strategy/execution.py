"""Execution models turn target positions into orders.

* :class:`MarketExecution`: a market order for the difference between target and position.
* :class:`LimitExecution`: a limit order ``offset_bps`` better than the last close, on the
  tick grid (buys round down, sells round up); the tick is the exchange's price band for
  the session date unless one is given.
* :class:`StopExecution`: a stop-market (SL-M) order ``offset_bps`` beyond the last close
  (buys above, sells below), for breakout entries.

Each bar, unfilled orders of the model are cancelled and replaced, so orders always aim
at the current target. Quantities are whole lots. Intraday (MIS) positions are squared
off by the engine at 15:20 IST; no new MIS entries are made after that time.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import numpy as np

from vyapari.core.money import round_to_step, to_decimal
from vyapari.model.enums import OrderType, ProductType, Side
from vyapari.strategy.context import StrategyContext
from vyapari.strategy.orders import OrderRequest


def _tick(ctx: StrategyContext, price: Decimal, tick: Decimal | None) -> Decimal:
    """``tick`` if given, else the NSE equity tick band for ``price`` on the current session date."""
    if tick is not None:
        return tick
    from vyapari.market.ticks import tick_size

    return tick_size(price, ctx.session_date)


class ExecutionModel(ABC):
    """Turn a target position vector into orders through the context."""

    order_type: OrderType = OrderType.MARKET

    def apply(self, ctx: StrategyContext, targets: np.ndarray, product: ProductType) -> None:
        """Cancel stale orders and submit orders moving positions to ``targets`` (shares)."""
        for order in ctx.open_orders():
            if ctx.valid[ctx.column(order.instrument_id.partition(":")[2])]:
                ctx.cancel(order.client_order_id)
        if product is ProductType.MIS and ctx.is_squareoff_time():
            return
        delta = targets - ctx.positions
        moving = delta.nonzero()[0]
        if not moving.size:
            return
        valid, lots = ctx.valid, ctx.lot_sizes
        # Python scalars (ndarray.item): no numpy scalar per order on the live decision path, and
        # no array gathers for the few symbols that move in a bar
        for n in moving.tolist():
            if not valid.item(n):
                continue
            change, lot = delta.item(n), lots.item(n)
            qty = (abs(change) // lot) * lot
            if qty:
                side = Side.BUY if change > 0 else Side.SELL
                ctx.submit(self.request(ctx, n, side, qty, product))

    @abstractmethod
    def request(
        self, ctx: StrategyContext, n: int, side: Side, qty: int, product: ProductType
    ) -> OrderRequest:
        """The order for ``qty`` shares of symbol column ``n``."""


class MarketExecution(ExecutionModel):
    """Market orders (filled at the next bar's open by default)."""

    def request(
        self, ctx: StrategyContext, n: int, side: Side, qty: int, product: ProductType
    ) -> OrderRequest:
        return OrderRequest(ctx.symbols[n], side, qty, OrderType.MARKET, product)


@dataclass(frozen=True)
class LimitExecution(ExecutionModel):
    """Limit orders ``offset_bps`` inside the last close, rounded to ``tick`` ₹."""

    offset_bps: float = 5.0
    tick: Decimal | None = None
    order_type: OrderType = OrderType.LIMIT

    def request(
        self, ctx: StrategyContext, n: int, side: Side, qty: int, product: ProductType
    ) -> OrderRequest:
        factor = 1 - side.sign * self.offset_bps / 10_000
        raw = to_decimal(float(ctx.close[n]) * factor)
        mode = ROUND_FLOOR if side is Side.BUY else ROUND_CEILING
        price = round_to_step(raw, _tick(ctx, raw, self.tick), rounding=mode)
        return OrderRequest(ctx.symbols[n], side, qty, OrderType.LIMIT, product, limit_price=price)


@dataclass(frozen=True)
class StopExecution(ExecutionModel):
    """Stop-market (SL-M) orders ``offset_bps`` beyond the last close, on the tick grid."""

    offset_bps: float = 10.0
    tick: Decimal | None = None
    order_type: OrderType = OrderType.SL_M

    def request(
        self, ctx: StrategyContext, n: int, side: Side, qty: int, product: ProductType
    ) -> OrderRequest:
        factor = 1 + side.sign * self.offset_bps / 10_000
        raw = to_decimal(float(ctx.close[n]) * factor)
        mode = ROUND_CEILING if side is Side.BUY else ROUND_FLOOR
        price = round_to_step(raw, _tick(ctx, raw, self.tick), rounding=mode)
        return OrderRequest(ctx.symbols[n], side, qty, OrderType.SL_M, product, trigger_price=price)
