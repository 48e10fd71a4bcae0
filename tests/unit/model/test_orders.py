from decimal import Decimal
from typing import Any

import pytest

from vyapari.core.errors import IllegalTransition, InvalidInput
from vyapari.model.enums import OrderStatus, OrderType, Side
from vyapari.model.orders import TRANSITIONS, Order


def make(**kw: Any) -> Order:
    base: dict[str, Any] = dict(client_order_id="c1", instrument_id="NSE:TCS", side=Side.BUY, quantity=10)
    base.update(kw)
    return Order(**base)


def test_order_rejects_non_positive_quantity():
    with pytest.raises(InvalidInput, match="quantity"):
        make(quantity=0)


def test_limit_order_requires_limit_price_and_stop_requires_trigger():
    with pytest.raises(InvalidInput, match="limit_price"):
        make(order_type=OrderType.LIMIT)
    with pytest.raises(InvalidInput, match="trigger_price"):
        make(order_type=OrderType.SL_M)
    make(order_type=OrderType.SL, limit_price=Decimal("101"), trigger_price=Decimal("100"))


def test_order_moves_only_along_legal_transitions():
    order = make()
    order.transition(OrderStatus.SUBMITTED)
    order.transition(OrderStatus.OPEN)
    order.transition(OrderStatus.CANCELLED)
    with pytest.raises(IllegalTransition, match="CANCELLED -> OPEN"):
        order.transition(OrderStatus.OPEN)


def test_terminal_statuses_allow_no_transition():
    for status, allowed in TRANSITIONS.items():
        assert (not allowed) == status.is_terminal


def test_record_fill_tracks_partial_and_average_price_and_ignores_repeat_trade():
    order = make()
    order.transition(OrderStatus.SUBMITTED)
    order.record_fill("t1", 4, Decimal("100"))
    assert order.status is OrderStatus.PARTIALLY_FILLED
    order.record_fill("t1", 4, Decimal("100"))
    assert order.filled_quantity == 4
    order.record_fill("t2", 6, Decimal("105"))
    assert order.status is OrderStatus.FILLED
    assert order.average_price == Decimal("103")
    with pytest.raises(InvalidInput):
        order.record_fill("t3", 1, Decimal("100"))
