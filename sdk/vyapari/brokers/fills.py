"""Book broker executions into a :class:`~vyapari.model.portfolio.Portfolio` exactly once.

Brokers resend trade updates (socket replays, polling overlaps). A trade is identified by
its ``trade_id``; :func:`book_trades` skips any trade the portfolio already holds, so the
same execution delivered twice leaves positions and cash unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from vyapari.brokers.types import BrokerTrade
from vyapari.costs.base import FeeModel, NoFees
from vyapari.costs.executed import trade_leg
from vyapari.model.enums import InstrumentKind
from vyapari.model.events import Fill
from vyapari.model.portfolio import Portfolio


def trade_to_fill(
    trade: BrokerTrade, fees: FeeModel | None = None, kind: InstrumentKind = InstrumentKind.EQUITY
) -> Fill:
    """``trade`` as a :class:`Fill` (keeping the broker's order id), with charges in ₹: the ones the
    broker reported with the trade (the paper broker's), else priced by ``fees`` (none when omitted)."""
    charges = trade.charges
    if charges is None:
        leg = trade_leg(
            trade.instrument_id, trade.side, trade.quantity, trade.price, trade.filled_at, trade.product, kind
        )
        charges = (fees or NoFees()).charges(leg)
    return Fill(
        trade.trade_id,
        trade.client_order_id or trade.broker_order_id,
        trade.instrument_id,
        trade.side,
        trade.quantity,
        trade.price,
        trade.filled_at,
        trade.product,
        charges,
        broker_order_id=trade.broker_order_id,
    )


def book_trades(
    portfolio: Portfolio,
    trades: Iterable[BrokerTrade],
    fees: FeeModel | None = None,
    kinds: Mapping[str, InstrumentKind] | None = None,
) -> list[Fill]:
    """Apply the trades ``portfolio`` has not seen (by ``trade_id``); returns the fills applied."""
    seen = {fill.trade_id for fill in portfolio.fills}
    applied: list[Fill] = []
    for trade in trades:
        if trade.trade_id in seen:
            continue
        kind = (kinds or {}).get(trade.instrument_id, InstrumentKind.EQUITY)
        fill = trade_to_fill(trade, fees, kind)
        portfolio.apply(fill)
        seen.add(trade.trade_id)
        applied.append(fill)
    return applied
