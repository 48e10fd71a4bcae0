"""The order manager: intents written before submission, idempotent by ``client_order_id``.

* :meth:`OrderManager.place` writes the intent (``PENDING``, fsync'd) **before** calling the
  broker, then records the broker's answer. Answers the broker's books also hold
  (``SUBMITTED``, fills, ``CANCELLED``: :data:`DEFERRED_STATES`) are written by
  :meth:`OrderManager.flush` in one batch at the end of the slice, so a slice pays one durable
  write per order it sends, not three; after a crash before the flush the intent is found
  ``PENDING`` (or short of fills) and resolved from the broker's books as below. Refusals
  (``BLOCKED``, ``REJECTED``, ``EXPIRED``) and ``MISSING`` are written at once. The engine
  stages a slice's new strategy orders (:meth:`~OrderManager.stage`) and
  :meth:`~OrderManager.send_staged` writes them all (``PENDING``, one batch) before sending
  the first, so a slice's decisions cost one durable write, not one per order. A second
  ``place`` of the same id never sends again: a ``PENDING`` intent (the answer was lost:
  crash, time-out) is resent with ``maybe_placed``, so the venue searches its order book by
  tag first (:meth:`~vyapari.brokers.base.BrokerAdapter.submit` owns that search) and only
  places it if the book is readable and lacks it (an accepted order never leaves the day's
  book, so it provably was never accepted).
* While :attr:`OrderManager.replaying` (a restarted engine re-running slices it already
  acted on), nothing is sent or cancelled: decisions are matched to stored intents.
* :meth:`OrderManager.reconcile` compares the store with the broker's book: orders we do
  not know are adopted, ``PENDING`` intents the book shows are confirmed, others resent as
  above (or ``EXPIRED`` when too late), a ``SUBMITTED`` intent the broker lacks becomes ``MISSING``.
  A resent intent goes out with the ``lot_size`` stored in it.

Orders above the freeze quantity are sliced (:mod:`vyapari.live.sliced`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping

from vyapari.brokers.errors import BrokerError
from vyapari.brokers.types import BrokerOrder
from vyapari.brokers.venue import Venue
from vyapari.live.messages import intent_message, submission
from vyapari.live.ports import Metrics, Publisher
from vyapari.live.sliced import SlicedOrders
from vyapari.live.store import OrderStateStore
from vyapari.model.intents import IntentKind, IntentState, OrderIntent, intent_state

log = logging.getLogger(__name__)

DEFERRED_STATES = frozenset(
    {IntentState.SUBMITTED, IntentState.PARTIALLY_FILLED, IntentState.FILLED, IntentState.CANCELLED}
)
"""States whose write waits for :meth:`OrderManager.flush` (see the module docstring)."""

class OrderManager:
    """Intents of one run (``run_id``) against one venue (see the module docstring).

    ``freeze_quantities`` maps ``instrument_id`` to the exchange's freeze quantity in units;
    orders above it are sliced (instruments absent from it are never sliced).
    """

    def __init__(
        self,
        broker: Venue,
        store: OrderStateStore,
        run_id: str,
        metrics: Metrics,
        publisher: Publisher,
        freeze_quantities: Mapping[str, int] | None = None,
    ) -> None:
        self.broker, self.store, self.run_id = broker, store, run_id
        self.metrics, self.publisher = metrics, publisher
        self.freeze_quantities = dict(freeze_quantities or {})
        self.intents: dict[str, OrderIntent] = {}
        self._unsaved: dict[str, OrderIntent] = {}  # changes to write at flush(), by client_order_id
        self._staged: dict[str, OrderIntent] = {}  # new decisions to write and send at send_staged()
        self.replaying = False
        self.sliced = SlicedOrders(self, metrics)
        self._booked: dict[str, int] = {}
        # open decided intents (slices folded into their parent), by instrument, in decision order:
        # the risk gate and the open-phase checks read these instead of scanning the whole day
        self._rank: dict[str, int] = {}
        self._open: dict[str, dict[str, OrderIntent]] = {}
        for stored in store.intents(run_id):
            self._remember(stored)

    def _remember(self, intent: OrderIntent) -> None:
        cid = intent.client_order_id
        self._rank.setdefault(cid, len(self._rank))
        self.intents[cid] = intent
        if intent.parent_id is not None:
            return
        iid = intent.instrument_id
        if intent.state.is_open:
            self._open.setdefault(iid, {})[cid] = intent
            return
        by_instrument = self._open.get(iid)
        if by_instrument is not None and by_instrument.pop(cid, None) is not None and not by_instrument:
            del self._open[iid]  # only instruments with open orders: nothing to scan when none is

    # ----- writes -----------------------------------------------------------------
    def save(self, intent: OrderIntent) -> OrderIntent:
        """Record ``intent``: at once, or at :meth:`flush` when its state is deferred; returns it."""
        cid = intent.client_order_id
        if intent.state in DEFERRED_STATES:  # the broker's books hold it too: written by flush()
            self._unsaved[cid] = intent
        else:
            self._unsaved.pop(cid, None)
            self.store.put(intent)
        self._remember(intent)
        self.publisher.publish("orders", intent_message(intent))
        return intent

    def flush(self) -> int:
        """Write the intents whose last change was deferred, in one batch; returns how many.

        The engine calls it at the end of every slice, before the slice's checkpoint.
        """
        if not self._unsaved:
            return 0
        batch = list(self._unsaved.values())
        self.store.put_many(batch)
        self._unsaved.clear()
        return len(batch)

    def place(self, intent: OrderIntent) -> OrderIntent:
        """Send ``intent`` (sliced when above its freeze quantity) at most once; returns its stored state.

        A stored PENDING intent found again is resent with the incoming intent's ``lot_size``.
        """
        known = self.intents.get(intent.client_order_id)
        if known is not None:
            if self.replaying:
                return known
            if known.is_parent:
                return self.sliced.resume(known, known.opened_step)
            if known.state is IntentState.PENDING:  # resent with the lot it is decided with now
                same_lot = known.lot_size == intent.lot_size
                return self.resolve_pending(known if same_lot else known.evolve(lot_size=intent.lot_size))
            return known
        if self.replaying:
            log.error("order %s was not decided before the restart; not sent", intent.client_order_id)
            return intent.evolve(state=IntentState.EXPIRED, reason="not decided before the restart")
        freeze = self._slice_by(intent)
        if freeze is not None:
            return self.sliced.place(intent, freeze)
        if intent.state is not IntentState.PENDING:
            intent = intent.evolve(state=IntentState.PENDING)
        self.broker_inputs_durable()
        self.save(intent)
        return self.send(intent)

    def stage(self, intent: OrderIntent) -> OrderIntent:
        """Queue a new decision for :meth:`send_staged` (the end of the decision phase), so the
        slice's new intents are written in one durable batch before any is sent; it is open at once
        (risk checks and the strategy's open orders see it). Anything but a new, unsliced order
        outside a replay goes straight to :meth:`place`."""
        cid = intent.client_order_id
        if self.replaying or cid in self.intents or self._slice_by(intent) is not None:
            return self.place(intent)
        if intent.state is not IntentState.PENDING:
            intent = intent.evolve(state=IntentState.PENDING)
        self._staged[cid] = intent
        self._remember(intent)
        return intent

    def _slice_by(self, intent: OrderIntent) -> int | None:
        """The freeze quantity (units) ``intent`` must be sliced by, or None when it fits in one order."""
        freeze = self.freeze_quantities.get(intent.instrument_id)
        return freeze if freeze is not None and intent.quantity > freeze else None

    def send_staged(self) -> int:
        """Write the staged intents (``PENDING``) in one batch, then send each; returns how many."""
        if not self._staged:
            return 0
        batch = list(self._staged.values())
        self._staged.clear()
        self.broker_inputs_durable()
        self.store.put_many(batch)
        for intent in batch:
            self.publisher.publish("orders", intent_message(intent))
            self.send(intent)
        return len(batch)

    def block_staged(self, reason: str) -> int:
        """Refuse the staged decisions (never written or sent) with ``reason``; returns how many."""
        staged = list(self._staged.values())
        self._staged.clear()
        for intent in staged:
            self._refuse(intent, reason)
        return len(staged)

    def broker_inputs_durable(self) -> None:
        """Before an intent is written, and before a slice's checkpoint: the venue catches up with
        what it was given and makes it durable (:meth:`~vyapari.brokers.venue.Venue.sync`; a
        journaled paper broker writes the slice it just matched): a restart resends a PENDING
        intent, and a simulated venue must not match it against the bar it was decided on."""
        self.broker.sync()

    def block(self, intent: OrderIntent, reason: str) -> OrderIntent:
        """Record ``intent`` as refused by a limit (never sent)."""
        known = self.intents.get(intent.client_order_id)
        if known is not None:
            return known
        return self._refuse(intent, reason)

    def _refuse(self, intent: OrderIntent, reason: str) -> OrderIntent:
        self.metrics.count("order_rejects_total", reason=reason.split(":", maxsplit=1)[0])
        return self.save(
            intent.evolve(state=IntentState.BLOCKED, reason=reason, closed_step=intent.opened_step)
        )

    def send(self, intent: OrderIntent, *, maybe_placed: bool = False) -> OrderIntent:
        """Submit a stored ``intent``; returns its new state (``PENDING`` when the outcome is unknown).

        ``maybe_placed``: it may already be at the broker (see the module docstring).
        """
        started = time.perf_counter()
        try:
            order = self.broker.submit(submission(intent), maybe_placed=maybe_placed)
        except BrokerError as exc:
            self.metrics.count("order_rejects_total", reason=type(exc).__name__)
            if exc.outcome_unknown or exc.retryable:
                log.warning(
                    "order %s: outcome unknown (%s); left PENDING for reconciliation",
                    intent.client_order_id,
                    type(exc).__name__,
                )
                return intent.evolve(state=IntentState.PENDING)
            return self.save(
                intent.evolve(state=IntentState.REJECTED, reason=str(exc), closed_step=intent.opened_step)
            )
        self.metrics.observe("order_latency_seconds", time.perf_counter() - started, "Seconds")
        self.metrics.count("orders_total", side=intent.side.value)
        return self.save(intent.evolve(state=IntentState.SUBMITTED, broker_order_id=order.broker_order_id))

    def resolve_pending(self, intent: OrderIntent) -> OrderIntent:
        """Resend a ``PENDING`` intent (its answer was lost): the venue adopts it from its book if
        it was accepted (never placed twice), else places it."""
        return self.send(intent, maybe_placed=True)

    # ----- cancels ------------------------------------------------------------------
    def cancel(self, client_order_id: str, step: int) -> None:
        """Cancel an open order at the broker (no-op when terminal, unknown or replaying).

        A sliced order cancels each of its open children. A ``PENDING`` order the broker's book
        does not show was never accepted: it is recorded ``CANCELLED`` and never sent.
        """
        intent = self.intents.get(client_order_id)
        if intent is None or not intent.state.is_open or self.replaying:
            return
        if not intent.is_parent:
            self._cancel_one(intent, step)
            return
        for child in self.sliced.children(intent):
            if child.state.is_open:
                self._cancel_one(child, step)
        self.sliced.refresh(client_order_id, step)

    def _cancel_one(self, intent: OrderIntent, step: int) -> None:
        cid = intent.client_order_id
        if self._staged.pop(cid, None) is not None:  # decided this slice, not written or sent yet
            never_sent = "cancelled before it was sent"
            self.save(intent.evolve(state=IntentState.CANCELLED, closed_step=step, reason=never_sent))
            return
        if intent.state is IntentState.PENDING:
            found = self.broker.find_order(cid)
            if found is None:
                self.save(
                    intent.evolve(
                        state=IntentState.CANCELLED, closed_step=step, reason="cancelled before it was sent"
                    )
                )
                self.sliced.roll_up(intent, step)
                return
            self.save(intent.evolve(state=IntentState.SUBMITTED, broker_order_id=found.broker_order_id))
        try:
            order = self.broker.cancel(cid)
        except BrokerError as exc:
            log.warning("cancel of %s failed (%s); syncing its status", cid, type(exc).__name__)
            found = self.broker.find_order(cid)
            if found is not None:
                self.apply_status(found, step)
            return
        self.apply_status(order, step)

    # ----- broker state in --------------------------------------------------------
    def apply_status(self, order: BrokerOrder, step: int) -> None:
        """Take the broker's status of one of our orders (fills come from trades)."""
        intent = self.intents.get(order.client_order_id or "")
        if intent is None or not intent.state.is_open or intent.is_parent:
            return
        state = intent_state(order.status)
        if state is IntentState.FILLED and intent.filled_quantity < intent.quantity:
            return  # wait for the trade to be booked
        if state is IntentState.PARTIALLY_FILLED or state is intent.state:
            return
        closed = step if state in (IntentState.CANCELLED, IntentState.REJECTED, IntentState.FILLED) else None
        self.save(
            intent.evolve(
                state=state,
                broker_order_id=order.broker_order_id,
                reason=order.status_message,
                closed_step=closed,
            )
        )
        self.sliced.roll_up(intent, step)

    def apply_trade(self, client_order_id: str | None, quantity: int, step: int) -> str | None:
        """Count a booked fill of ``quantity`` units against its intent (and its parent's).

        Returns the id the strategy knows the order by: the parent's for a slice, else
        ``client_order_id`` itself.

        The filled quantity is the larger of the stored one and the sum of the trades booked
        by this process, so trades re-booked after a restart (already counted in the stored
        intent before the crash) are not counted twice.
        """
        intent = self.intents.get(client_order_id or "")
        if intent is None:
            return client_order_id
        booked = self._booked.get(intent.client_order_id, 0) + quantity
        self._booked[intent.client_order_id] = booked
        if booked <= intent.filled_quantity:
            return intent.parent_id or intent.client_order_id
        filled = booked
        done = filled >= intent.quantity
        self.save(
            intent.evolve(
                filled_quantity=filled,
                state=IntentState.FILLED if done else IntentState.PARTIALLY_FILLED,
                closed_step=step if done else None,
            )
        )
        self.sliced.roll_up(intent, step)
        return intent.parent_id or intent.client_order_id

    def open_intents(self, step: int | None = None) -> list[OrderIntent]:
        """Orders as decided (slices are folded into their parent) open now and opened before ``step``.

        Replaying, they are shown as they were at ``step``. An intent decided at ``step`` itself
        is not shown, so a restarted slice sees what the first run of that slice saw.
        """
        if step is None or not self.replaying:
            limit = step if step is not None else 1 << 62
            live = [i for by in self._open.values() for i in by.values() if i.opened_step < limit]
            live.sort(key=lambda i: self._rank[i.client_order_id])
            return live
        decided = [i for i in self.intents.values() if i.parent_id is None]
        return [
            i
            for i in decided
            if i.state is not IntentState.BLOCKED
            and i.opened_step < step
            and (i.closed_step is None or i.closed_step >= step)
        ]

    def children(self, parent: OrderIntent) -> list[OrderIntent]:
        """The stored children of ``parent`` in slice order (empty for an unsliced intent)."""
        return self.sliced.children(parent)

    def has_open(self) -> bool:
        """True when any decided order is open (cheap: no scan of the day's intents)."""
        return bool(self._open)

    def pending_quantity(self, instrument_id: str) -> int:
        """Signed units still to fill (+ buy, − sell) of the open orders in ``instrument_id``."""
        return sum(
            i.side.sign * (i.quantity - i.filled_quantity) for i in self._open.get(instrument_id, {}).values()
        )

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
                self.save(
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
                        kind=IntentKind.ADOPTED,
                        state=IntentState.SUBMITTED,
                        broker_order_id=order.broker_order_id,
                        opened_step=step,
                    )
                )
        # only open intents can change (a closed one is left as it is): read them from the index of
        # open orders, not the whole day's intents, in decision order
        rank = self._rank

        def decision_order(intent: OrderIntent) -> int:
            return rank[intent.client_order_id]

        decided = [i for by in self._open.values() for i in by.values()]
        parents = sorted((i for i in decided if i.is_parent), key=decision_order)
        for parent in parents:
            self.sliced.ensure_children(parent)
        live = [i for i in decided if not i.is_parent] + [c for p in parents for c in self.sliced.children(p)]
        live.sort(key=decision_order)
        for intent in live:
            if intent.state.is_open:
                self._reconcile_one(intent, book.get(intent.client_order_id), step, may_send, counts)
        for parent in parents:
            self.sliced.refresh(parent.client_order_id, step)
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
                self.save(intent.evolve(state=IntentState.SUBMITTED, broker_order_id=order.broker_order_id))
            elif may_send(intent):
                counts["resent"] += 1
                self.send(intent, maybe_placed=True)
            else:
                counts["expired"] += 1
                self.save(
                    intent.evolve(
                        state=IntentState.EXPIRED,
                        closed_step=step,
                        reason="never accepted by the broker; too late to send",
                    )
                )
        elif intent.state.is_open and order is None:
            counts["missing"] += 1
            log.error("order %s was accepted but is not in the broker's book", intent.client_order_id)
            self.save(
                intent.evolve(
                    state=IntentState.MISSING,
                    closed_step=step,
                    reason="accepted but absent from the broker's order book",
                )
            )
        if order is not None:
            self.apply_status(order, step)
