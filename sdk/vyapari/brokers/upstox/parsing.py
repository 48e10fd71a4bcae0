"""Upstox v2/v3 payloads → broker-neutral values.

Instruments: Upstox names them by ``instrument_key`` (``"NSE_EQ|INE009A01021"``); the
:class:`InstrumentMap` built from the instrument master translates to and from our
``"NSE:INFY"``. Rows of the master become ids through the instrument snapshot's own parser
(:func:`vyapari.instruments.parsers.upstox_record`: derivative segments are ``NFO``/``BFO``...),
so the adapter and the snapshot give every instrument the same ``instrument_id`` and key; a
book row is mapped by its ``instrument_token`` (the key), falling back to its exchange and
trading symbol only for a key the master lacks. Times are IST wall times (``"2026-01-05 09:21:00"`` or
``"05-Jan-2026 09:21:00"``). Products: ``I`` intraday (MIS), ``D`` delivery (CNC; also
carry-forward F&O, our NRML).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from vyapari.brokers.types import BrokerOrder, BrokerPosition, BrokerTrade, Candle, Holding, InstrumentInfo
from vyapari.core.money import to_decimal
from vyapari.core.time import assume_ist
from vyapari.instruments.parsers import upstox_instrument_id, upstox_record
from vyapari.instruments.records import InstrumentRecord
from vyapari.model.enums import OrderStatus, OrderType, ProductType, Side

PRODUCT_CODES = {ProductType.MIS: "I", ProductType.CNC: "D", ProductType.NRML: "D"}
_TERMINAL = {
    "complete": OrderStatus.FILLED,
    "rejected": OrderStatus.REJECTED,
    "cancelled": OrderStatus.CANCELLED,
}
_SUBMITTED = {
    "put order req received", "validation pending", "open pending", "after market order req received",
}
_TIME_FORMATS = ("%d-%b-%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S")


@dataclass(slots=True)
class InstrumentMap:
    """Both directions between our ids and Upstox instrument keys."""

    by_id: dict[str, InstrumentInfo] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)

    def add(self, infos: Iterable[InstrumentInfo]) -> None:
        """Remember ``infos``."""
        for info in infos:
            self.by_id[info.instrument_id] = info
            self.by_key[info.broker_token] = info.instrument_id

    def id_of(self, key: str, fallback: str) -> str:
        """Our id of ``key`` (``fallback`` when unknown)."""
        return self.by_key.get(key, fallback)


def order_status(status: str, filled: int) -> OrderStatus:
    """Our status for Upstox's lower-case ``status`` text."""
    text = (status or "").lower()
    if text in _TERMINAL:
        return _TERMINAL[text]
    if filled > 0:
        return OrderStatus.PARTIALLY_FILLED
    if text == "trigger pending":
        return OrderStatus.TRIGGER_PENDING
    return OrderStatus.SUBMITTED if text in _SUBMITTED else OrderStatus.OPEN


def parse_time(value: Any) -> datetime | None:
    """An Upstox timestamp as an IST datetime (None when empty)."""
    if not value:
        return None
    if isinstance(value, datetime):
        return assume_ist(value)
    for fmt in _TIME_FORMATS:
        try:
            return assume_ist(datetime.strptime(str(value), fmt))
        except ValueError:
            continue
    return assume_ist(datetime.fromisoformat(str(value)))


def _product(code: Any) -> ProductType:
    return ProductType.MIS if str(code).upper() == "I" else ProductType.CNC


def _id(d: Mapping[str, Any], names: InstrumentMap) -> str:
    symbol = d.get("trading_symbol") or d.get("tradingsymbol") or ""
    fallback = upstox_instrument_id(None, d.get("exchange") or "NSE", symbol)
    return names.id_of(str(d.get("instrument_token") or "").strip(), fallback)


def _price(value: Any) -> Decimal | None:
    return to_decimal(value) if value not in (None, 0, 0.0) else None


def order_from_upstox(d: Mapping[str, Any], names: InstrumentMap) -> BrokerOrder:
    """One entry of the order book (``GET /v2/order/retrieve-all``)."""
    filled = int(d.get("filled_quantity") or 0)
    return BrokerOrder(
        broker_order_id=str(d["order_id"]), client_order_id=d.get("tag") or None,
        instrument_id=_id(d, names), side=Side(str(d["transaction_type"]).upper()),
        quantity=int(d["quantity"]), status=order_status(str(d.get("status")), filled),
        order_type=OrderType(d.get("order_type") or "MARKET"), product=_product(d.get("product")),
        filled_quantity=filled, average_price=to_decimal(d.get("average_price") or 0),
        limit_price=_price(d.get("price")), trigger_price=_price(d.get("trigger_price")),
        status_message=d.get("status_message"), placed_at=parse_time(d.get("order_timestamp")),
    )


def trade_from_upstox(
    d: Mapping[str, Any], names: InstrumentMap, tags: Mapping[str, str | None]
) -> BrokerTrade:
    """One entry of the day's trades (``GET /v2/order/trades/get-trades-for-day``)."""
    filled_at = parse_time(d.get("exchange_timestamp")) or parse_time(d.get("order_timestamp"))
    if filled_at is None:
        raise ValueError(f"trade {d.get('trade_id')} has no timestamp")
    order_id = str(d["order_id"])
    return BrokerTrade(
        trade_id=str(d["trade_id"]), broker_order_id=order_id, instrument_id=_id(d, names),
        side=Side(str(d["transaction_type"]).upper()), quantity=int(d["quantity"]),
        price=to_decimal(d["average_price"]), filled_at=filled_at, product=_product(d.get("product")),
        client_order_id=tags.get(order_id),
    )


def position_from_upstox(d: Mapping[str, Any], names: InstrumentMap) -> BrokerPosition:
    """One entry of ``GET /v2/portfolio/short-term-positions``."""
    return BrokerPosition(
        _id(d, names), int(d.get("quantity") or 0), to_decimal(d.get("average_price") or 0),
        _product(d.get("product")), to_decimal(d.get("realised") or 0), to_decimal(d.get("unrealised") or 0),
    )


def holding_from_upstox(d: Mapping[str, Any], names: InstrumentMap) -> Holding:
    """One entry of ``GET /v2/portfolio/long-term-holdings``."""
    return Holding(_id(d, names), int(d.get("quantity") or 0), to_decimal(d.get("average_price") or 0),
                   d.get("isin"))


def candle_from_upstox(row: list[Any]) -> Candle:
    """``[timestamp, open, high, low, close, volume, oi]`` of the v3 historical-candle API."""
    start = parse_time(row[0])
    if start is None:
        raise ValueError("candle without a timestamp")
    o, h, low, c = (to_decimal(v) for v in row[1:5])
    return Candle(start, o, h, low, c, int(row[5] or 0))


def info_from_record(record: InstrumentRecord, isin: str | None = None) -> InstrumentInfo:
    """A snapshot record as the adapter's :class:`InstrumentInfo` (same id, key, lot and tick)."""
    return InstrumentInfo(record.instrument_id, record.broker_token, record.lot_size, record.tick_size, isin)


def instrument_from_upstox(d: Mapping[str, Any]) -> InstrumentInfo:
    """One entry of the instrument master JSON (``tick_size`` there is in paise), as the snapshot reads it."""
    return info_from_record(upstox_record(d), d.get("isin"))
