"""Orders above the freeze quantity are sliced into whole-lot children with deterministic ids."""

from __future__ import annotations

import pytest

from vyapari.brokers.slicing import child_order_id, slice_order
from vyapari.brokers.types import OrderSubmission
from vyapari.core.errors import InvalidInput
from vyapari.model.enums import ProductType, Side


def _order(quantity: int, lot: int = 65) -> OrderSubmission:
    return OrderSubmission("parent0001", "NFO:NIFTY26JANFUT", Side.BUY, quantity,
                        product=ProductType.NRML, lot_size=lot)


def test_slicing_above_freeze_gives_whole_lots_at_most_the_freeze_quantity() -> None:
    children = slice_order(_order(65 * 30), freeze_qty=1800)
    assert [c.quantity for c in children] == [1755, 195]  # 27 lots, then 3 lots
    assert all(c.quantity % 65 == 0 and c.quantity <= 1800 for c in children)
    assert sum(c.quantity for c in children) == 1950
    assert {c.side for c in children} == {Side.BUY} and {c.lot_size for c in children} == {65}


def test_order_exactly_at_the_freeze_quantity_is_not_sliced() -> None:
    order = _order(1800, lot=75)
    assert slice_order(order, freeze_qty=1800) == [order]
    assert [c.quantity for c in slice_order(_order(1875, lot=75), freeze_qty=1800)] == [1800, 75]


def test_child_ids_are_deterministic_distinct_and_fit_the_kite_tag() -> None:
    first = slice_order(_order(65 * 60), freeze_qty=1800)
    again = slice_order(_order(65 * 60), freeze_qty=1800)
    ids = [c.client_order_id for c in first]
    assert ids == [c.client_order_id for c in again]
    assert len(set(ids)) == len(ids) == 3 and "parent0001" not in ids
    assert all(len(i) <= 20 for i in ids)
    assert ids[0] == child_order_id("parent0001", 0, 3)


def test_unknown_freeze_quantity_leaves_the_order_whole() -> None:
    order = _order(65 * 100)
    assert slice_order(order, freeze_qty=None) == [order]


def test_quantity_not_in_whole_lots_or_freeze_below_a_lot_is_refused() -> None:
    with pytest.raises(InvalidInput, match="whole number of lots"):
        slice_order(_order(100), freeze_qty=1800)
    with pytest.raises(InvalidInput, match="smaller than one lot"):
        slice_order(_order(650), freeze_qty=60)
