"""Slice an order larger than the exchange's freeze quantity into child orders.

NSE rejects an F&O order whose quantity exceeds the contract's freeze quantity; the order must be
split. :func:`slice_order` returns children that are each a whole number of lots and at most the
freeze quantity, largest first, with deterministic ``client_order_id``\\ s derived from the parent's
(``client_order_id(parent, "slice", i, n)``), so re-slicing after a restart yields the same ids and
the broker's idempotency on ``client_order_id`` still holds.
"""

from __future__ import annotations

from dataclasses import replace

from vyapari.brokers.types import OrderSubmission
from vyapari.core.errors import InvalidInput
from vyapari.core.ids import client_order_id


def child_order_id(parent_id: str, index: int, count: int) -> str:
    """The id of child ``index`` (0-based) of ``count`` children of ``parent_id`` (≤ 20 characters)."""
    return client_order_id(parent_id, "slice", index, count)


def slice_order(
    request: OrderSubmission, freeze_qty: int | None, lot_size: int | None = None
) -> list[OrderSubmission]:
    """Split ``request`` into children of at most ``freeze_qty`` units, each a whole number of lots.

    Parameters
    ----------
    request : OrderSubmission
        The parent order; its quantity (units) must be a whole number of lots.
    freeze_qty : int or None
        The exchange's freeze quantity in units (None: no limit known).
    lot_size : int, optional
        Units per lot; ``request.lot_size`` by default.

    Returns
    -------
    list of OrderSubmission
        ``[request]`` when it fits; else full-size children, then the remainder.

    Raises
    ------
    InvalidInput
        For a quantity that is not a whole number of lots, or a freeze quantity below one lot.
    """
    lot = request.lot_size if lot_size is None else lot_size
    if lot <= 0 or request.quantity <= 0 or request.quantity % lot:
        raise InvalidInput("quantity", f"{request.quantity} is not a whole number of lots of {lot}")
    if freeze_qty is None or request.quantity <= freeze_qty:
        return [request]
    max_lots = freeze_qty // lot
    if max_lots < 1:
        raise InvalidInput("freeze_qty", f"{freeze_qty} is smaller than one lot of {lot}")
    chunk = max_lots * lot
    sizes = [chunk] * (request.quantity // chunk)
    if request.quantity % chunk:
        sizes.append(request.quantity % chunk)
    return [
        replace(request, client_order_id=child_order_id(request.client_order_id, i, len(sizes)),
                quantity=size, lot_size=lot)
        for i, size in enumerate(sizes)
    ]
