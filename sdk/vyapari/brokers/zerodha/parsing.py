"""Kite Connect v3 payloads → broker-neutral values (kite.trade/docs/connect/v3/).

Kite times are IST wall times without a zone (``"2026-01-05 09:15:02"``; the SDK turns
them into naive datetimes): they are read as IST. Prices are rupees as JSON numbers,
converted through their shortest repr to ``Decimal``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from vyapari.brokers.types import BrokerOrder, BrokerPosition, BrokerTrade, Candle, Holding, InstrumentInfo
from vyapari.core.ids import instrument_id
from vyapari.core.money import to_decimal
from vyapari.core.time import assume_ist
from vyapari.model.enums import OrderStatus, OrderType, ProductType, Side

_TERMINAL = {
    "COMPLETE": OrderStatus.FILLED,
    "REJECTED": OrderStatus.REJECTED,
    "CANCELLED": OrderStatus.CANCELLED,
}
_PENDING_SUBMIT = {"PUT ORDER REQ RECEIVED", "VALIDATION PENDING", "OPEN PENDING", "AMO REQ RECEIVED"}


def order_status(status: str, filled: int) -> OrderStatus:
    """Our status for Kite's ``status`` text (intermediate states collapse to SUBMITTED or OPEN)."""
    text = (status or "").upper()
    if text in _TERMINAL:
        return _TERMINAL[text]
    if filled > 0:
        return OrderStatus.PARTIALLY_FILLED
    if text == "TRIGGER PENDING":
        return OrderStatus.TRIGGER_PENDING
    return OrderStatus.SUBMITTED if text in _PENDING_SUBMIT else OrderStatus.OPEN


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return assume_ist(value)
    if isinstance(value, str) and value:
        return assume_ist(datetime.fromisoformat(value))
    return None


def _price(value: Any) -> Decimal | None:
    return to_decimal(value) if value not in (None, "", 0, 0.0) else None


def _product(value: Any) -> ProductType:
    try:
        return ProductType(str(value).upper())
    except ValueError:
        return ProductType.MIS


def order_from_kite(d: Mapping[str, Any]) -> BrokerOrder:
    """One entry of ``GET /orders``."""
    filled = int(d.get("filled_quantity") or 0)
    return BrokerOrder(
        broker_order_id=str(d["order_id"]),
        client_order_id=d.get("tag") or None,
        instrument_id=instrument_id(d["exchange"], d["tradingsymbol"]),
        side=Side(d["transaction_type"]),
        quantity=int(d["quantity"]),
        status=order_status(d.get("status", ""), filled),
        order_type=OrderType(d.get("order_type") or "MARKET"),
        product=_product(d.get("product")),
        filled_quantity=filled,
        average_price=to_decimal(d.get("average_price") or 0),
        limit_price=_price(d.get("price")),
        trigger_price=_price(d.get("trigger_price")),
        status_message=d.get("status_message"),
        placed_at=_time(d.get("order_timestamp")),
    )


def trade_from_kite(d: Mapping[str, Any], tags: Mapping[str, str | None]) -> BrokerTrade:
    """One entry of ``GET /trades``; ``tags`` maps order ids to our client order ids."""
    order_id = str(d["order_id"])
    filled_at = _time(d.get("fill_timestamp")) or _time(d.get("exchange_timestamp"))
    if filled_at is None:
        raise ValueError(f"trade {d.get('trade_id')} has no timestamp")
    return BrokerTrade(
        trade_id=str(d["trade_id"]),
        broker_order_id=order_id,
        instrument_id=instrument_id(d["exchange"], d["tradingsymbol"]),
        side=Side(d["transaction_type"]),
        quantity=int(d["quantity"]),
        price=to_decimal(d["average_price"]),
        filled_at=filled_at,
        product=_product(d.get("product")),
        client_order_id=tags.get(order_id),
    )


def position_from_kite(d: Mapping[str, Any]) -> BrokerPosition:
    """One entry of ``positions()["net"]``."""
    return BrokerPosition(
        instrument_id=instrument_id(d["exchange"], d["tradingsymbol"]),
        quantity=int(d["quantity"]),
        average_price=to_decimal(d.get("average_price") or 0),
        product=_product(d.get("product")),
        realised_pnl=to_decimal(d.get("realised") or 0),
        unrealised_pnl=to_decimal(d.get("unrealised") or 0),
    )


def holding_from_kite(d: Mapping[str, Any]) -> Holding:
    """One entry of ``holdings()``."""
    return Holding(instrument_id(d["exchange"], d["tradingsymbol"]), int(d["quantity"]),
                   to_decimal(d.get("average_price") or 0), d.get("isin"))


def candle_from_kite(d: Mapping[str, Any]) -> Candle:
    """One record of ``historical_data()`` (the SDK has already parsed ``date``)."""
    start = _time(d["date"])
    if start is None:
        raise ValueError("candle without a date")
    return Candle(start, to_decimal(d["open"]), to_decimal(d["high"]), to_decimal(d["low"]),
                  to_decimal(d["close"]), int(d.get("volume") or 0))


def instrument_from_kite(d: Mapping[str, Any]) -> InstrumentInfo:
    """One row of the instruments CSV (as the SDK parses it)."""
    return InstrumentInfo(
        instrument_id=instrument_id(d["exchange"], d["tradingsymbol"]),
        broker_token=str(d["instrument_token"]),
        lot_size=int(d.get("lot_size") or 1),
        tick_size=to_decimal(d.get("tick_size") or "0.05"),
    )

