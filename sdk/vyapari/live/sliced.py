"""Orders above the freeze quantity, sliced into whole-lot children (the order manager's helper).

An order for more units than the exchange's freeze quantity of its instrument (given per
``instrument_id`` at construction, from the instrument snapshot in force on the session
date) is sliced by :func:`~vyapari.brokers.slicing.slice_order` into whole-lot children,
largest first, with ids derived from the parent's. The parent intent is written first
(``freeze_quantity`` set, never sent), then **every** child intent (``parent_id`` set,
``PENDING``), and only then are the children sent one by one, so a crash at any point
leaves each child either stored-and-unsent or stored-and-maybe-sent, and both are resolved
by tag like any ``PENDING`` intent (a parent whose children were not all written yet gets
them re-derived: unwritten children were never sent). Sending stops at the first child the
broker refuses (the rest are recorded ``REJECTED``, never sent) or whose outcome is unknown
(the rest stay ``PENDING`` for reconciliation). Fills and statuses of children roll up to
the parent (:func:`aggregate`); the strategy and
:meth:`~vyapari.live.orders.OrderManager.open_intents` see only
the parent; cancelling the parent cancels its open children.

Slicing lives with the order manager, not in the broker adapter, because crash safety does:
each child must be a durable intent of its own before it is sent, and only the order
manager writes intents.

:class:`SlicedOrders` holds these steps for :class:`~vyapari.live.orders.OrderManager`, which it
reaches through the typed :class:`IntentWriter`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import numpy as np

from vyapari.brokers.slicing import slice_order
from vyapari.core.errors import InvalidInput
from vyapari.live.messages import submission
from vyapari.live.ports import Metrics
from vyapari.model.intents import IntentState, OrderIntent

log = logging.getLogger("vyapari.live.orders")  # the order manager's log: one place to follow an order


def freeze_by_instrument(
    instrument_ids: Sequence[str], freeze_quantities: np.ndarray | Sequence[int] | None
) -> dict[str, int]:
    """``{instrument_id: freeze quantity in units}`` from an array aligned with ``instrument_ids``.

    A value ``<= 0`` means no freeze quantity is known for that instrument (never sliced).
    """
    if freeze_quantities is None:
        return {}
    values = np.asarray(freeze_quantities, np.int64)
    if values.shape != (len(instrument_ids),):
        raise InvalidInput(
            "freeze_quantities",
            f"expected one value per instrument ({len(instrument_ids)}), got {values.shape}",
        )
    return {iid: int(q) for iid, q in zip(instrument_ids, values.tolist(), strict=True) if q > 0}


def aggregate(parent: OrderIntent, children: Sequence[OrderIntent], step: int) -> OrderIntent:
    """``parent`` with the state and ``filled_quantity`` its ``children`` add up to.

    Open while any child is open: ``PARTIALLY_FILLED`` once anything filled, else ``SUBMITTED``
    when a child is at the broker, else ``PENDING``. Once all are terminal: ``FILLED`` when all
    filled, ``MISSING`` when one is missing (an operator must look), ``CANCELLED`` when part
    filled or any was cancelled, else ``REJECTED`` / ``EXPIRED``; ``closed_step`` is the last
    child's (``step`` when unknown) and ``reason`` counts the children by state.
    """
    filled = sum(c.filled_quantity for c in children)
    states = [c.state for c in children]
    if not children or any(s.is_open for s in states):
        if filled:
            state = IntentState.PARTIALLY_FILLED
        elif all(s is IntentState.PENDING for s in states if s.is_open):
            state = IntentState.PENDING
        else:
            state = IntentState.SUBMITTED
        return parent.evolve(state=state, filled_quantity=filled, closed_step=None, reason=None)
    if all(s is IntentState.FILLED for s in states):
        state = IntentState.FILLED
    elif IntentState.MISSING in states:
        state = IntentState.MISSING
    elif filled or IntentState.CANCELLED in states:
        state = IntentState.CANCELLED
    elif IntentState.REJECTED in states:
        state = IntentState.REJECTED
    else:
        state = IntentState.EXPIRED
    reason = None
    if state is not IntentState.FILLED:
        counts = ", ".join(f"{n} {s.value}" for s, n in sorted(Counter(states).items()))
        first = next((c.reason for c in children if c.reason), None)
        reason = f"slices: {counts}" + (f" ({first})" if first else "")
    closed = max((c.closed_step for c in children if c.closed_step is not None), default=step)
    return parent.evolve(state=state, filled_quantity=filled, closed_step=closed, reason=reason)


class IntentWriter(Protocol):
    """What sliced orders need of the order manager: its intents, and writing and sending one."""

    @property
    def intents(self) -> Mapping[str, OrderIntent]:
        """Every intent of the run, by ``client_order_id``."""
        ...

    def save(self, intent: OrderIntent) -> OrderIntent:
        """Record ``intent`` (durably unless its state is deferred); returns it."""
        ...

    def send(self, intent: OrderIntent) -> OrderIntent:
        """Submit a stored ``intent`` to the venue; returns its new state."""
        ...

    def resolve_pending(self, intent: OrderIntent) -> OrderIntent:
        """Resend a ``PENDING`` intent whose answer was lost (the venue finds it in its book or places it)."""
        ...

    def broker_inputs_durable(self) -> None:
        """Make the venue's inputs durable before an intent is written."""
        ...


class SlicedOrders:
    """Sliced orders of an order manager (``writer``); ``metrics`` counts them."""

    def __init__(self, writer: IntentWriter, metrics: Metrics) -> None:
        self.writer, self.metrics = writer, metrics

    def place(self, intent: OrderIntent, freeze: int) -> OrderIntent:
        """Write ``intent`` as a parent sliced by ``freeze`` units, then its children; send them."""
        try:
            slice_order(submission(intent), freeze)
        except InvalidInput as exc:
            self.metrics.count("order_rejects_total", reason="InvalidInput")
            log.error("order %s cannot be sliced: %s; not sent", intent.client_order_id, exc)
            return self.writer.save(
                intent.evolve(
                    state=IntentState.REJECTED, reason=f"cannot slice: {exc}", closed_step=intent.opened_step
                )
            )
        self.writer.broker_inputs_durable()
        parent = self.writer.save(intent.evolve(state=IntentState.PENDING, freeze_quantity=freeze))
        children = [self.writer.save(child) for child in self.planned_children(parent)]
        log.info(
            "order %s: %d units exceed the freeze quantity %d of %s; sent as %d orders",
            parent.client_order_id,
            parent.quantity,
            freeze,
            parent.instrument_id,
            len(children),
        )
        self.metrics.count("sliced_orders_total")
        self.send_children(children, self.writer.send)
        return self.refresh(parent.client_order_id, parent.opened_step)

    def planned_children(self, parent: OrderIntent) -> list[OrderIntent]:
        """The child intents ``parent`` is sliced into (deterministic ids and sizes), as PENDING."""
        return [
            parent.evolve(
                client_order_id=request.client_order_id,
                quantity=request.quantity,
                parent_id=parent.client_order_id,
                freeze_quantity=None,
                state=IntentState.PENDING,
                filled_quantity=0,
                broker_order_id=None,
                reason=None,
                closed_step=None,
            )
            for request in slice_order(submission(parent), parent.freeze_quantity)
        ]

    def children(self, parent: OrderIntent) -> list[OrderIntent]:
        """The stored children of ``parent`` in slice order (empty for an unsliced intent)."""
        if not parent.is_parent:
            return []
        planned = (c.client_order_id for c in self.planned_children(parent))
        return [self.writer.intents[cid] for cid in planned if cid in self.writer.intents]

    def send_children(
        self, children: Sequence[OrderIntent], send: Callable[[OrderIntent], OrderIntent]
    ) -> None:
        """Send ``children`` in order; stop at the first one not accepted (see the module docstring)."""
        for n, child in enumerate(children):
            result = send(child)
            if result.state is IntentState.SUBMITTED:
                continue
            rest = children[n + 1 :]
            if result.state is IntentState.REJECTED:
                for other in rest:
                    self.writer.save(
                        other.evolve(
                            state=IntentState.REJECTED,
                            reason=f"not sent: slice {child.client_order_id} was rejected",
                            closed_step=other.opened_step,
                        )
                    )
            elif rest:
                log.warning(
                    "order %s: %d further slices left PENDING until %s is resolved",
                    child.parent_id,
                    len(rest),
                    child.client_order_id,
                )
            return

    def ensure_children(self, parent: OrderIntent) -> None:
        """Write the children of an open ``parent`` a crash left unwritten (they were never sent)."""
        if not parent.state.is_open:
            return
        for child in self.planned_children(parent):
            if child.client_order_id not in self.writer.intents:
                log.warning(
                    "order %s: slice %s was never written; written now",
                    parent.client_order_id,
                    child.client_order_id,
                )
                self.writer.save(child)

    def resume(self, parent: OrderIntent, step: int) -> OrderIntent:
        """Finish a sliced order after a restart or an unknown outcome (never sends a child twice)."""
        self.ensure_children(parent)
        pending = [c for c in self.children(parent) if c.state is IntentState.PENDING]
        self.send_children(pending, self.writer.resolve_pending)
        return self.refresh(parent.client_order_id, step)

    def refresh(self, parent_id: str, step: int) -> OrderIntent:
        """Roll the children's states up into the parent (saved only when it changed)."""
        parent = self.writer.intents[parent_id]
        updated = aggregate(parent, self.children(parent), step)
        return parent if updated == parent else self.writer.save(updated)

    def roll_up(self, intent: OrderIntent, step: int) -> None:
        if intent.parent_id is not None and intent.parent_id in self.writer.intents:
            self.refresh(intent.parent_id, step)
