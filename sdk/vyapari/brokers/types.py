"""Broker-neutral value objects: what we ask a broker to do and what it reports back.

Prices in ₹ (``Decimal``), quantities in units (shares; for F&O, lots × lot size),
instants tz-aware (IST from Indian brokers). Instruments are named ``"NSE:RELIANCE"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from vyapari.core.money import ZERO
from vyapari.model.charges import Charges
from vyapari.model.enums import OrderStatus, OrderType, ProductType, Side

if TYPE_CHECKING:  # annotations only: the light Lambdas import this module without numpy
    import numpy as np

KITE_TAG_LIMIT = 20
"""Kite accepts an order ``tag`` of at most 20 characters (kite.trade/docs/connect/v3/orders/)."""


@dataclass(frozen=True, slots=True)
class OrderSubmission:
    """An order as sent to a broker; ``client_order_id`` is the idempotency key sent as its tag.

    Built from a stored :class:`~vyapari.model.intents.OrderIntent` by the live order manager
    (:func:`vyapari.live.messages.submission`), or directly by a caller of a broker adapter.

    Attributes
    ----------
    client_order_id : str
        Ours, deterministic (:func:`vyapari.core.ids.client_order_id`), ≤ 20 characters.
    instrument_id : str
        ``"NSE:RELIANCE"``.
    side : Side
    quantity : int
        Units (> 0), a whole multiple of ``lot_size``.
    order_type : OrderType
        MARKET, LIMIT, SL (stop-limit) or SL-M (stop-market).
    product : ProductType
        CNC (delivery), MIS (intraday) or NRML (carry-forward F&O).
    limit_price, trigger_price : Decimal or None
        ₹; ``limit_price`` for LIMIT and SL, ``trigger_price`` for SL and SL-M.
    lot_size : int
        Units per lot (1 for cash equities).
    """

    client_order_id: str
    instrument_id: str
    side: Side
    quantity: int
    order_type: OrderType = OrderType.MARKET
    product: ProductType = ProductType.CNC
    limit_price: Decimal | None = None
    trigger_price: Decimal | None = None
    lot_size: int = 1


@dataclass(frozen=True, slots=True)
class OrderChange:
    """A modification of an open order; ``None`` fields are left as they are (prices in ₹)."""

    quantity: int | None = None
    order_type: OrderType | None = None
    limit_price: Decimal | None = None
    trigger_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class BrokerOrder:
    """An order as the broker reports it (``client_order_id`` read back from the tag)."""

    broker_order_id: str
    client_order_id: str | None
    instrument_id: str
    side: Side
    quantity: int
    status: OrderStatus
    order_type: OrderType = OrderType.MARKET
    product: ProductType = ProductType.CNC
    filled_quantity: int = 0
    average_price: Decimal = ZERO
    limit_price: Decimal | None = None
    trigger_price: Decimal | None = None
    status_message: str | None = None
    placed_at: datetime | None = None

    @property
    def pending_quantity(self) -> int:
        """Units neither filled nor cancelled yet (0 once terminal)."""
        return 0 if self.status.is_terminal else self.quantity - self.filled_quantity


@dataclass(frozen=True, slots=True)
class BrokerTrade:
    """One execution reported by the broker; ``trade_id`` is its identity.

    ``charges`` are the broker's own charges for it in ₹ when it reports them with the trade
    (the paper broker does, from its fee model); None when a fee model must price it.
    """

    trade_id: str
    broker_order_id: str
    instrument_id: str
    side: Side
    quantity: int
    price: Decimal
    filled_at: datetime
    product: ProductType = ProductType.CNC
    client_order_id: str | None = None
    charges: Charges | None = None


@dataclass(frozen=True, slots=True)
class BrokerPosition:
    """A net position: signed ``quantity`` (short < 0), ``average_price`` ₹, P&L in ₹."""

    instrument_id: str
    quantity: int
    average_price: Decimal
    product: ProductType = ProductType.MIS
    realised_pnl: Decimal = ZERO
    unrealised_pnl: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Holding:
    """A delivery holding in the demat account: ``quantity`` units at ``average_price`` ₹."""

    instrument_id: str
    quantity: int
    average_price: Decimal
    isin: str | None = None


@dataclass(frozen=True, slots=True)
class Candle:
    """An OHLCV bar labelled by its start ``start_at`` (IST); prices ₹, volume in units."""

    start_at: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: int


@dataclass(frozen=True, slots=True, eq=False)
class MinuteBars:
    """One minute's bars across ``instruments``, starting at ``start_at`` (tz-aware).

    Arrays ``[N]`` follow ``instruments``: prices in ₹ (floats whose shortest repr is the
    price, e.g. on the paisa), volume in units (truncated to whole units, as a candle's),
    ``valid`` False where an instrument had no bar.
    """

    instruments: Sequence[str]
    start_at: datetime
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    valid: np.ndarray


@dataclass(frozen=True, slots=True)
class InstrumentInfo:
    """An entry of a broker's instrument master: our id, the broker's token, lot and tick."""

    instrument_id: str
    broker_token: str
    lot_size: int = 1
    tick_size: Decimal = Decimal("0.05")
    isin: str | None = None


@dataclass(frozen=True, slots=True)
class Tick:
    """A market-data update: last traded ``price`` ₹ at ``received_at``; ``volume`` traded today."""

    instrument_id: str
    price: Decimal
    received_at: datetime
    volume: int = 0
    last_quantity: int = 0
