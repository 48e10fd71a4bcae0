"""Validation of an :class:`~vyapari.brokers.types.OrderSubmission` before any broker sees it.

Checks: the idempotency key (1–20 of ``A-Z a-z 0-9 _ -``, Kite's tag limit), the instrument
id (``EXCHANGE:SYMBOL``), side, product and order type are members of their enums, the
quantity is a whole number > 0 in whole lots, and the prices the order type needs are
present and positive (₹): LIMIT needs ``limit_price``, SL-M ``trigger_price``, SL both;
a MARKET order carries neither.
"""

from __future__ import annotations

import re
from decimal import Decimal

from vyapari.brokers.errors import InvalidOrder
from vyapari.brokers.types import KITE_TAG_LIMIT, OrderSubmission
from vyapari.core.ids import split_instrument_id
from vyapari.model.enums import OrderType, ProductType, Side

_ID = re.compile(rf"^[A-Za-z0-9_-]{{1,{KITE_TAG_LIMIT}}}$")
_NEEDS_LIMIT = (OrderType.LIMIT, OrderType.SL)
_NEEDS_TRIGGER = (OrderType.SL, OrderType.SL_M)


def _fail(request: OrderSubmission, reason: str) -> InvalidOrder:
    return InvalidOrder(f"order {request.client_order_id!r}: {reason}")


def _check_price(request: OrderSubmission, name: str, value: Decimal | None, needed: bool) -> None:
    if needed and value is None:
        raise _fail(request, f"{name} is required for {request.order_type.value} orders")
    if not needed and value is not None:
        raise _fail(request, f"{name} is not allowed for {request.order_type.value} orders")
    if value is not None and (not isinstance(value, Decimal) or not value.is_finite() or value <= 0):
        raise _fail(request, f"{name} must be a positive Decimal in ₹, got {value!r}")


def _check_enums(request: OrderSubmission) -> None:
    for name, enum in (("side", Side), ("order_type", OrderType), ("product", ProductType)):
        if not isinstance(getattr(request, name), enum):
            raise _fail(request, f"{name} must be a {enum.__name__}, got {getattr(request, name)!r}")


def _check_quantity(request: OrderSubmission) -> None:
    qty, lot = request.quantity, request.lot_size
    if isinstance(lot, bool) or not isinstance(lot, int) or lot < 1:
        raise _fail(request, f"lot_size must be a whole number >= 1, got {lot!r}")
    if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0:
        raise _fail(request, f"quantity must be a whole number > 0, got {qty!r}")
    if qty % lot:
        raise _fail(request, f"quantity {qty} is not a whole number of lots of {lot}")


def validate_request(request: OrderSubmission) -> None:
    """Raise :class:`~vyapari.brokers.errors.InvalidOrder` naming the first problem found."""
    if not isinstance(request.client_order_id, str) or not _ID.match(request.client_order_id):
        raise _fail(request, f"client_order_id must be 1-{KITE_TAG_LIMIT} characters of A-Z a-z 0-9 _ -")
    try:
        split_instrument_id(request.instrument_id)
    except (ValueError, AttributeError):
        raise _fail(request, f"instrument_id {request.instrument_id!r} is not EXCHANGE:SYMBOL") from None
    _check_enums(request)
    _check_quantity(request)
    _check_price(request, "limit_price", request.limit_price, request.order_type in _NEEDS_LIMIT)
    _check_price(request, "trigger_price", request.trigger_price, request.order_type in _NEEDS_TRIGGER)
