"""Orders, positions and trades written by the live service, and manual orders placed through the API.

The live service writes one record per order (key ``client_order_id``), position (key
``instrument_id``) and trade (key ``trade_id``) in the partition of its mode (``paper`` or ``live``) of
its table. The API only reads them, a page at a time, in key order.

A manual order is what a trader asks the live service to place (the engine takes it as a
:class:`~vyapari.live.ports.ManualOrder` and records its own intent). It is validated here
(cross-field rules the request schema cannot express) and recorded once per ``client_order_id`` in
partition ``intent#<mode>`` of the orders table (the stored layout keeps that name) with status
``PENDING``; the live service's risk gate decides.
"""

from __future__ import annotations

from typing import Any

from vyapari.api.errors import Conflict
from vyapari.api.ports import Record, RecordStore
from vyapari.core.errors import InvalidInput

MODES = ("paper", "live")
INBOX = "inbox"
"""Partition prefix of the manual orders the live service has not taken yet (key ``<requested_at>#<id>``)."""
MANUAL_ORDER_FIELDS = ("client_order_id", "mode", "instrument_id", "side", "quantity", "order_type",
                       "product", "price", "trigger_price")


def check_manual_order(order: dict[str, Any]) -> None:
    """Cross-field rules of a manual order; :class:`InvalidInput` names the offending field.

    LIMIT needs ``price``; SL needs ``price`` and ``trigger_price``; SL-M needs ``trigger_price``;
    MARKET takes neither.
    """
    kind, price, trigger = order["order_type"], order.get("price"), order.get("trigger_price")
    needs_price, needs_trigger = kind in ("LIMIT", "SL"), kind in ("SL", "SL-M")
    if needs_price and price is None:
        raise InvalidInput("price", f"required for {kind} orders")
    if not needs_price and price is not None:
        raise InvalidInput("price", f"not allowed for {kind} orders")
    if needs_trigger and trigger is None:
        raise InvalidInput("trigger_price", f"required for {kind} orders")
    if not needs_trigger and trigger is not None:
        raise InvalidInput("trigger_price", f"not allowed for {kind} orders")


def record_manual_order(orders: RecordStore, order: dict[str, Any], by: str, at: str) -> tuple[Record, bool]:
    """Record a manual order once per ``client_order_id``; returns ``(record, created)``.

    Repeating an identical order returns the stored record (``created`` False); reusing the id with
    different fields is :class:`Conflict`.
    """
    check_manual_order(order)
    fields = {k: order.get(k) for k in MANUAL_ORDER_FIELDS}
    record = {**fields, "status": "PENDING", "requested_by": by, "requested_at": at}
    partition = f"intent#{order['mode']}"
    if orders.put(partition, order["client_order_id"], record, if_absent=True):
        orders.put(f"{INBOX}#{order['mode']}", f"{at}#{order['client_order_id']}", record)
        return record, True
    stored = orders.get(partition, order["client_order_id"]) or {}
    if {k: stored.get(k) for k in MANUAL_ORDER_FIELDS} != fields:
        raise Conflict(f"client_order_id {order['client_order_id']!r} was used for another order")
    return stored, False


class RecordOrderInbox:
    """The live engine's :class:`~vyapari.live.ports.OrderInbox` over the API's orders table.

    ``pending`` reads partition ``inbox#<mode>`` (oldest first); ``done`` writes the outcome into
    the manual order's record (``status``, ``reason``, ``client_order_id`` the engine placed it under)
    and deletes the inbox entry. A crash between the two leaves the entry: the engine takes it
    again and, knowing its ``client_order_id``, does not place it twice.
    """

    def __init__(self, orders: RecordStore, mode: str, batch: int = 50) -> None:
        if mode not in MODES:
            raise InvalidInput("mode", f"must be one of {', '.join(MODES)}, got {mode!r}")
        self.orders, self.mode, self.batch = orders, mode, batch
        self._keys: dict[str, str] = {}

    def pending(self) -> list[Any]:
        """Manual orders waiting in the inbox."""
        from vyapari.live.ports import ManualOrder

        page = self.orders.query(f"{INBOX}#{self.mode}", limit=self.batch)
        out = []
        for record in page.items:
            cid = str(record["client_order_id"])
            self._keys[cid] = f"{record['requested_at']}#{cid}"
            price, trigger = record.get("price"), record.get("trigger_price")
            out.append(ManualOrder(
                cid, str(record["instrument_id"]), str(record["side"]), int(record["quantity"]),
                str(record["order_type"]), str(record["product"]),
                None if price is None else str(price), None if trigger is None else str(trigger),
            ))
        return out

    def done(self, request_id: str, status: str, reason: str | None, client_order_id: str | None) -> None:
        """Record the outcome on the manual order and take it off the inbox."""
        partition = f"intent#{self.mode}"
        stored = self.orders.get(partition, request_id) or {}
        self.orders.put(partition, request_id, {**stored, "status": status, "reason": reason,
                                                "placed_as": client_order_id})
        key = self._keys.pop(request_id, None)
        if key is not None:
            self.orders.delete(f"{INBOX}#{self.mode}", key)
