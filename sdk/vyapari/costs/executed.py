"""Executed orders for charges reconciliation: our fills grouped into the orders a broker's
contract note lists, each as the legs the fee model prices (:mod:`vyapari.costs.reconcile`).

Amounts are ₹ (Decimal); a leg's trade date is the IST date of its fill.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from vyapari.core.ids import split_instrument_id
from vyapari.core.money import ZERO
from vyapari.core.time import IST
from vyapari.costs.base import FeeModel, TradeLeg
from vyapari.costs.reconcile import (
    OrderFill,
    ReconciliationReport,
    aggregate_fills,
    netted_order_charges,
    reconcile_charges,
)
from vyapari.model.enums import Exchange, InstrumentKind, ProductType, Side, segment_for
from vyapari.model.events import Fill


def trade_leg(
    instrument_id: str,
    side: Side,
    quantity: int,
    price: Decimal,
    filled_at: datetime,
    product: ProductType,
    kind: InstrumentKind = InstrumentKind.EQUITY,
) -> TradeLeg:
    """The :class:`TradeLeg` a fee model prices for an execution (trade date = IST date of ``filled_at``)."""
    exchange, _ = split_instrument_id(instrument_id)
    return TradeLeg(
        Exchange(exchange),
        segment_for(kind, product),
        side,
        quantity,
        price,
        filled_at.astimezone(IST).date(),
    )


def fill_leg(fill: Fill, kind: InstrumentKind = InstrumentKind.EQUITY) -> TradeLeg:
    """``fill`` as the :class:`TradeLeg` its charges are computed on (as :func:`trade_to_fill` does)."""
    f = fill
    return trade_leg(f.instrument_id, f.side, f.quantity, f.price, f.filled_at, f.product, kind)


@dataclass(frozen=True)
class ExecutedOrder:
    """One executed order of ours: the broker's order id and its fills (first fill first)."""

    order_id: str
    fills: tuple[Fill, ...]

    @property
    def quantity(self) -> int:
        """Units executed."""
        return sum(f.quantity for f in self.fills)


def group_orders(fills: Sequence[Fill]) -> list[ExecutedOrder]:
    """``fills`` grouped by the broker's order id (our ``client_order_id`` when it has none), in
    order of each order's first fill."""
    groups: dict[str, list[Fill]] = {}
    for fill in sorted(fills, key=lambda f: (f.filled_at, f.trade_id)):
        groups.setdefault(fill.broker_order_id or fill.client_order_id, []).append(fill)
    return [ExecutedOrder(oid, tuple(group)) for oid, group in groups.items()]


def netting_trades(orders: Sequence[ExecutedOrder]) -> list[tuple[str, str, TradeLeg]]:
    """Every fill as ``(order id, instrument, leg)`` in execution order, for netting."""
    rows = [(f.filled_at, f.trade_id, o.order_id, f) for o in orders for f in o.fills]
    rows.sort(key=lambda r: (r[0], r[1]))
    return [(oid, f.instrument_id, fill_leg(f)) for _, _, oid, f in rows]


def order_fill(order: ExecutedOrder) -> OrderFill:
    """``order``'s fills as the one leg its contract note prices."""
    return aggregate_fills(order.order_id, [fill_leg(f) for f in order.fills])


def orders_detail(orders: Sequence[ExecutedOrder]) -> dict[str, dict[str, Any]]:
    """Instrument, side, product, units, average price (₹) and fill count of each order, by id."""
    out = {}
    for o in orders:
        first = o.fills[0]
        turnover = sum((f.notional for f in o.fills), ZERO)
        out[o.order_id] = {
            "instrument_id": first.instrument_id,
            "side": first.side.value,
            "product": first.product.value,
            "quantity": o.quantity,
            "average_price_inr": str(turnover / o.quantity),
            "fills": len(o.fills),
        }
    return out


def reconcile_fills(
    fills: Sequence[Fill], broker: Sequence[Any], model: FeeModel
) -> tuple[list[ExecutedOrder], ReconciliationReport]:
    """Our ``fills`` grouped into orders, and their reconciliation with the ``broker``'s charges per
    order under ``model`` (netted per scrip and session as a contract note is)."""
    orders = group_orders(fills)
    netted = netted_order_charges(netting_trades(orders), model)
    return orders, reconcile_charges([order_fill(o) for o in orders], broker, model, netted=netted)
