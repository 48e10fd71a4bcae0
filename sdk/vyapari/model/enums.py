"""Enumerations of the Indian market domain."""

from __future__ import annotations

from enum import Enum


class Exchange(str, Enum):
    """Exchanges (and their derivative segments, as brokers name them)."""

    NSE = "NSE"
    BSE = "BSE"
    NFO = "NFO"
    BFO = "BFO"

    @property
    def cash_exchange(self) -> Exchange:
        """The exchange whose charge schedule applies (NFO → NSE, BFO → BSE)."""
        return {Exchange.NFO: Exchange.NSE, Exchange.BFO: Exchange.BSE}.get(self, self)


class Segment(str, Enum):
    """The charge segment of a trade, as broker charge pages and contract notes split them."""

    DELIVERY = "delivery"
    INTRADAY = "intraday"
    FUTURES = "futures"
    OPTIONS = "options"


class ProductType(str, Enum):
    """Broker product: CNC (delivery), MIS (intraday, squared off), NRML (carry-forward F&O)."""

    CNC = "CNC"
    MIS = "MIS"
    NRML = "NRML"


class OrderType(str, Enum):
    """Order types: market, limit, stop-loss limit (SL) and stop-loss market (SL-M)."""

    MARKET = "MARKET"
    LIMIT = "LIMIT"
    SL = "SL"
    SL_M = "SL-M"


class Side(str, Enum):
    """Trade direction."""

    BUY = "BUY"
    SELL = "SELL"

    @property
    def sign(self) -> int:
        """+1 for a buy, -1 for a sell."""
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        """The other side."""
        return Side.SELL if self is Side.BUY else Side.BUY


class InstrumentKind(str, Enum):
    """What an instrument is."""

    EQUITY = "equity"
    FUTURE = "future"
    OPTION = "option"


class OptionType(str, Enum):
    """Call (CE) or put (PE)."""

    CE = "CE"
    PE = "PE"


class OrderStatus(str, Enum):
    """The life of an order; legal moves are in :data:`vyapari.model.orders.TRANSITIONS`."""

    NEW = "NEW"
    SUBMITTED = "SUBMITTED"
    OPEN = "OPEN"
    TRIGGER_PENDING = "TRIGGER_PENDING"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"

    @property
    def is_terminal(self) -> bool:
        """True once nothing more can happen to the order."""
        return self in (OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.REJECTED)


def segment_for(kind: InstrumentKind, product: ProductType) -> Segment:
    """The charge segment of a trade in an instrument of ``kind`` under ``product``."""
    if kind is InstrumentKind.FUTURE:
        return Segment.FUTURES
    if kind is InstrumentKind.OPTION:
        return Segment.OPTIONS
    return Segment.INTRADAY if product is ProductType.MIS else Segment.DELIVERY
