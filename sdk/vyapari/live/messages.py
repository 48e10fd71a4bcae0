"""How an order intent and a fill look outside the engine: the broker's submission and the
messages published on the ``orders`` channel (instants as ISO 8601 text)."""

from __future__ import annotations

from vyapari.brokers.types import OrderSubmission
from vyapari.live.fills_log import fill_to_record
from vyapari.model.events import Fill
from vyapari.model.intents import OrderIntent


def intent_message(intent: OrderIntent) -> dict[str, object]:
    """The ``orders`` channel message of an intent."""
    return {
        "client_order_id": intent.client_order_id,
        "instrument_id": intent.instrument_id,
        "side": intent.side.value,
        "quantity": intent.quantity,
        "state": intent.state.value,
        "filled_quantity": intent.filled_quantity,
        "broker_order_id": intent.broker_order_id,
        "reason": intent.reason,
        "kind": intent.kind.value,
        "decided_at": "" if intent.decided_at is None else intent.decided_at.isoformat(),
        "parent_id": intent.parent_id,
    }


def fill_message(fill: Fill) -> dict[str, object]:
    """The ``orders`` channel message of one booked fill: ``type`` ``fill`` and the fills log's
    record of it (:func:`~vyapari.live.fills_log.fill_to_record`: ₹ amounts as text, itemised charges).

    ``client_order_id`` is the order the broker executed (a slice's own id for a sliced order).
    """
    return {"type": "fill", **fill_to_record(fill)}


def submission(intent: OrderIntent) -> OrderSubmission:
    """The broker's order for ``intent`` (its own id, quantity and lot size)."""
    return OrderSubmission(
        intent.client_order_id,
        intent.instrument_id,
        intent.side,
        intent.quantity,
        intent.order_type,
        intent.product,
        intent.limit_price,
        intent.trigger_price,
        intent.lot_size,
    )
