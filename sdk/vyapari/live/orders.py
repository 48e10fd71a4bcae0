"""The order manager: intents written before submission, idempotent by ``client_order_id``.

* :meth:`OrderManager.place` writes the intent (``PENDING``, fsync'd) **before** calling the
  broker, then records the broker's answer. A second ``place`` of the same id never sends
  again: a ``PENDING`` intent (the answer was lost: crash, time-out) is first looked up in
  the broker's order book by tag; only if the book is readable and lacks it (an accepted
  order never leaves the day's book, so it provably was never accepted) is it sent.
* While :attr:`OrderManager.replaying` (a restarted engine re-running slices it already
  acted on), nothing is sent or cancelled: decisions are matched to stored intents.
* :meth:`OrderManager.reconcile` compares the store with the broker's book: orders we do
  not know are adopted, ``PENDING`` intents are confirmed or resolved as above (or
  ``EXPIRED`` when too late), a ``SUBMITTED`` intent the broker lacks becomes ``MISSING``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

from vyapari.brokers.base import BrokerAdapter
from vyapari.brokers.errors import BrokerError
from vyapari.brokers.types import BrokerOrder
from vyapari.brokers.types import OrderRequest as BrokerOrderRequest
from vyapari.live.ports import Metrics, Publisher
from vyapari.live.store import IntentState, OrderIntent, OrderStateStore
from vyapari.model.enums import OrderStatus

log = logging.getLogger(__name__)

_FROM_BROKER = {
    OrderStatus.FILLED: IntentState.FILLED,
    OrderStatus.CANCELLED: IntentState.CANCELLED,
    OrderStatus.REJECTED: IntentState.REJECTED,
    OrderStatus.PARTIALLY_FILLED: IntentState.PARTIALLY_FILLED,
}


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
        "kind": intent.kind,
        "decided_at": intent.decided_at,
    }


class OrderManager:
    """Intents of one run (``run_id``) against one broker (see the module docstring)."""

    def __init__(
        self,
        broker: BrokerAdapter,
        store: OrderStateStore,
        run_id: str,
        metrics: Metrics,
        publisher: Publisher,
    ) -> None:
        self.broker, self.store, self.run_id = broker, store, run_id
        self.metrics, self.publisher = metrics, publisher
        self.intents: dict[str, OrderIntent] = {i.client_order_id: i for i in store.intents(run_id)}
        self.replaying = False

    # ----- writes -----------------------------------------------------------------
    def _save(self, intent: OrderIntent) -> OrderIntent:
        self.store.put(intent)
        self.intents[intent.client_order_id] = intent
        self.publisher.publish("orders", intent_message(intent))
        return intent

    def place(self, intent: OrderIntent, lot_size: int = 1) -> OrderIntent:
        """Send ``intent`` at most once; returns its stored state."""
        known = self.intents.get(intent.client_order_id)
        if known is not None:
            if known.state is IntentState.PENDING and not self.replaying:
                return self._resolve_pending(known, lot_size)
            return known
        if self.replaying:
            log.error("order %s was not decided before the restart; not sent", intent.client_order_id)
            return intent.evolve(state=IntentState.EXPIRED, reason="not decided before the restart")
        self._save(intent.evolve(state=IntentState.PENDING))
        return self._send(intent, lot_size)

    def block(self, intent: OrderIntent, reason: str) -> OrderIntent:
        """Record ``intent`` as refused by a limit (never sent)."""
        known = self.intents.get(intent.client_order_id)
        if known is not None:
            return known
        self.metrics.count("order_rejects_total", reason=reason.split(":", maxsplit=1)[0])
        return self._save(
            intent.evolve(state=IntentState.BLOCKED, reason=reason, closed_step=intent.opened_step)
        )

    def _send(self, intent: OrderIntent, lot_size: int) -> OrderIntent:
        request = BrokerOrderRequest(
            intent.client_order_id,
            intent.instrument_id,
            intent.side,
            intent.quantity,
            intent.order_type,
            intent.product,
            intent.limit_price,
            intent.trigger_price,
            lot_size,
        )
        started = time.perf_counter()
        try:
            order = self.broker.submit(request)
        except BrokerError as exc:
            self.metrics.count("order_rejects_total", reason=type(exc).__name__)
            if exc.outcome_unknown or exc.retryable:
                log.warning(
                    "order %s: outcome unknown (%s); left PENDING for reconciliation",
                    intent.client_order_id,
                    type(exc).__name__,
                )
                return intent.evolve(state=IntentState.PENDING)
            return self._save(
                intent.evolve(state=IntentState.REJECTED, reason=str(exc), closed_step=intent.opened_step)
            )
        self.metrics.observe("order_latency_seconds", time.perf_counter() - started, "Seconds")
        self.metrics.count("orders_total", side=intent.side.value)
        return self._save(intent.evolve(state=IntentState.SUBMITTED, broker_order_id=order.broker_order_id))

    def _resolve_pending(self, intent: OrderIntent, lot_size: int) -> OrderIntent:
        found = self.broker.find_order(intent.client_order_id)
        if found is not None:
            log.warning(
                "order %s was accepted as %s before the restart; adopted, not re-sent",
                intent.client_order_id,
                found.broker_order_id,
            )
            return self._save(
                intent.evolve(state=IntentState.SUBMITTED, broker_order_id=found.broker_order_id)
            )
        log.warning(
            "order %s: the broker's book shows it was never accepted; sending it now", intent.client_order_id
        )
        return self._send(intent, lot_size)

    def cancel(self, client_order_id: str, step: int) -> None:
        """Cancel an open order at the broker (no-op when terminal, unknown or replaying)."""
        intent = self.intents.get(client_order_id)
        if intent is None or not intent.state.is_open or self.replaying:
            return
        if intent.state is IntentState.PENDING:
            self._resolve_pending(intent, 1)
            intent = self.intents[client_order_id]
        try:
            order = self.broker.cancel(client_order_id)
        except BrokerError as exc:
            log.warning("cancel of %s failed (%s); syncing its status", client_order_id, type(exc).__name__)
            found = self.broker.find_order(client_order_id)
            if found is not None:
                self.apply_status(found, step)
            return
        self.apply_status(order, step)

    # ----- broker state in --------------------------------------------------------
    def apply_status(self, order: BrokerOrder, step: int) -> None:
        """Take the broker's status of one of our orders (fills come from trades)."""
        intent = self.intents.get(order.client_order_id or "")
        if intent is None or not intent.state.is_open:
            return
        state = _FROM_BROKER.get(order.status, IntentState.SUBMITTED)
        if state is IntentState.FILLED and intent.filled_quantity < intent.quantity:
            return  # wait for the trade to be booked
        if state is IntentState.PARTIALLY_FILLED or state is intent.state:
            return
        closed = step if state in (IntentState.CANCELLED, IntentState.REJECTED, IntentState.FILLED) else None
        self._save(
            intent.evolve(
                state=state,
                broker_order_id=order.broker_order_id,
                reason=order.status_message,
                closed_step=closed,
            )
        )

    def apply_trade(self, client_order_id: str | None, quantity: int, step: int) -> None:
        """Count a booked fill of ``quantity`` units against its intent."""
        intent = self.intents.get(client_order_id or "")
        if intent is None:
            return
        filled = intent.filled_quantity + quantity
        done = filled >= intent.quantity
        self._save(
            intent.evolve(
                filled_quantity=filled,
                state=IntentState.FILLED if done else IntentState.PARTIALLY_FILLED,
                closed_step=step if done else None,
            )
        )

    def open_intents(self, step: int | None = None) -> list[OrderIntent]:
        """Intents open now and opened before engine ``step`` (replaying: as they were at ``step``).

        An intent decided at ``step`` itself is not shown, so a restarted slice sees what the
        first run of that slice saw.
        """
        if step is None or not self.replaying:
            limit = step if step is not None else 1 << 62
            return [i for i in self.intents.values() if i.state.is_open and i.opened_step < limit]
        return [
            i
            for i in self.intents.values()
            if i.state is not IntentState.BLOCKED
            and i.opened_step < step
            and (i.closed_step is None or i.closed_step >= step)
        ]

    def reconcile(
        self, orders: Iterable[BrokerOrder], step: int, may_send: Callable[[OrderIntent], bool]
    ) -> dict[str, int]:
        """Diff the store with the broker's book (see the module docstring); returns counts."""
        book = {o.client_order_id: o for o in orders if o.client_order_id}
        counts = {"adopted": 0, "confirmed": 0, "resent": 0, "expired": 0, "missing": 0}
        for cid, order in book.items():
            if cid not in self.intents:
                counts["adopted"] += 1
                log.warning(
                    "broker order %s (%s) is unknown to this run; adopted", order.broker_order_id, cid
                )
                self._save(
                    OrderIntent(
                        cid,
                        self.run_id,
                        order.instrument_id,
                        order.side,
                        order.quantity,
                        order.order_type,
                        order.product,
                        order.limit_price,
                        order.trigger_price,
                        kind="adopted",
                        state=IntentState.SUBMITTED,
                        broker_order_id=order.broker_order_id,
                        opened_step=step,
                    )
                )
        for intent in list(self.intents.values()):
            self._reconcile_one(intent, book.get(intent.client_order_id), step, may_send, counts)
        for key, value in counts.items():
            if value:
                self.metrics.count("reconcile_total", value, outcome=key)
        return counts

    def _reconcile_one(
        self,
        intent: OrderIntent,
        order: BrokerOrder | None,
        step: int,
        may_send: Callable[[OrderIntent], bool],
        counts: dict[str, int],
    ) -> None:
        if intent.state is IntentState.PENDING:
            if order is not None:
                counts["confirmed"] += 1
                self._save(intent.evolve(state=IntentState.SUBMITTED, broker_order_id=order.broker_order_id))
            elif may_send(intent):
                counts["resent"] += 1
                self._send(intent, 1)
            else:
                counts["expired"] += 1
                self._save(
                    intent.evolve(
                        state=IntentState.EXPIRED,
                        closed_step=step,
                        reason="never accepted by the broker; too late to send",
                    )
                )
        elif intent.state.is_open and order is None:
            counts["missing"] += 1
            log.error("order %s was accepted but is not in the broker's book", intent.client_order_id)
            self._save(
                intent.evolve(
                    state=IntentState.MISSING,
                    closed_step=step,
                    reason="accepted but absent from the broker's order book",
                )
            )
        if order is not None:
            self.apply_status(order, step)
