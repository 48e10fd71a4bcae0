"""Order intents: the live engine's durable record of each order decision.

An :class:`OrderIntent` is written **before** its order is sent, so a crash between the write
and the broker call is found on restart and resolved by ``client_order_id`` against the
broker's order book instead of being re-sent blindly. Its :class:`IntentKind` says who decided
it; its :class:`IntentState` where it stands. :func:`intent_state` and :func:`order_status` are
the one mapping between intent states and the :class:`~vyapari.model.enums.OrderStatus` a
broker reports or a strategy sees. Stores turn intents into text (``vyapari.live.store``).

Intent states
-------------
``PENDING``   written, the broker's answer not yet recorded (maybe sent, maybe not);
``SUBMITTED`` the broker accepted it (``broker_order_id`` known);
``FILLED`` / ``CANCELLED`` / ``REJECTED`` terminal, as reported by the broker;
``BLOCKED``   refused by a risk limit or the kill switch, never sent (``reason`` names why);
``EXPIRED``   a PENDING intent the broker never accepted, too late to send (never sent);
``MISSING``   a SUBMITTED intent the broker's book does not show: needs an operator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum
from types import MappingProxyType
from typing import Any

from vyapari.model.enums import OrderStatus, OrderType, ProductType, Side


class IntentKind(StrEnum):
    """Who decided an order (stored as its lower-case value)."""

    STRATEGY = "strategy"
    """The strategy's own order."""
    SQUAREOFF = "squareoff"
    """A closing order of the engine: MIS square-off at 15:20 IST, daily loss limit or kill switch."""
    MANUAL = "manual"
    """A trader's order through ``POST /orders``."""
    ADOPTED = "adopted"
    """Found in the broker's book, unknown to this run."""


class IntentState(str, Enum):
    """Where an intent stands (see the module docstring)."""

    PENDING = "PENDING"
    SUBMITTED = "SUBMITTED"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"
    BLOCKED = "BLOCKED"
    EXPIRED = "EXPIRED"
    MISSING = "MISSING"

    @property
    def is_open(self) -> bool:
        """True while the order may still fill (or its fate is unknown)."""
        return self in (IntentState.PENDING, IntentState.SUBMITTED, IntentState.PARTIALLY_FILLED)

    @property
    def rank(self) -> int:
        """Progress: PENDING 0 < SUBMITTED 1 < PARTIALLY_FILLED 2 < every closed state 3."""
        return _RANK.get(self, 3)


_RANK = {IntentState.PENDING: 0, IntentState.SUBMITTED: 1, IntentState.PARTIALLY_FILLED: 2}

_STATE_OF_STATUS: Mapping[OrderStatus, IntentState] = MappingProxyType({
    OrderStatus.NEW: IntentState.SUBMITTED,  # in the broker's book, so accepted
    OrderStatus.SUBMITTED: IntentState.SUBMITTED,
    OrderStatus.OPEN: IntentState.SUBMITTED,
    OrderStatus.TRIGGER_PENDING: IntentState.SUBMITTED,
    OrderStatus.PARTIALLY_FILLED: IntentState.PARTIALLY_FILLED,
    OrderStatus.FILLED: IntentState.FILLED,
    OrderStatus.CANCELLED: IntentState.CANCELLED,
    OrderStatus.REJECTED: IntentState.REJECTED,
})

_STATUS_OF_STATE: Mapping[IntentState, OrderStatus] = MappingProxyType({
    IntentState.PENDING: OrderStatus.NEW,  # ours; the broker may not have it yet
    IntentState.SUBMITTED: OrderStatus.OPEN,  # accepted and resting, as a backtest shows it
    IntentState.PARTIALLY_FILLED: OrderStatus.PARTIALLY_FILLED,
    IntentState.FILLED: OrderStatus.FILLED,
    IntentState.CANCELLED: OrderStatus.CANCELLED,
    IntentState.REJECTED: OrderStatus.REJECTED,
    IntentState.BLOCKED: OrderStatus.REJECTED,  # refused by us before sending
    IntentState.EXPIRED: OrderStatus.CANCELLED,  # never sent, and never will be
    IntentState.MISSING: OrderStatus.CANCELLED,  # gone from the broker's book
})


def intent_state(status: OrderStatus) -> IntentState:
    """The intent state of an order the broker reports with ``status`` (it is in the book: at
    least ``SUBMITTED``)."""
    return _STATE_OF_STATUS[status]


def order_status(state: IntentState) -> OrderStatus:
    """The order status an intent in ``state`` shows as (open exactly while the intent is open)."""
    return _STATUS_OF_STATE[state]


@dataclass(frozen=True, slots=True)
class OrderIntent:
    """One order decision; prices in ₹, quantity in units.

    ``decided_at`` is the tz-aware IST instant of the decision (the slice's bar start) and
    ``session_date`` the trading day it belongs to (None only on an adopted order).

    ``lot_size`` is units per lot (1 for cash equities), kept so an intent re-sent after a
    restart goes out with the lot it was decided with. An order above the exchange's freeze
    quantity is a *parent* (``freeze_quantity`` set: the freeze quantity in units it was
    sliced by) that is never sent itself; its *children* (``parent_id`` set) are the orders
    the broker sees, and the parent's state and ``filled_quantity`` are their aggregate
    (:func:`vyapari.live.sliced.aggregate`).

    ``opened_step`` / ``closed_step`` are engine steps (``2 × slice`` for a slice's open phase,
    ``+1`` for its decisions); they let a restarted engine show a strategy exactly the open
    orders it saw before the crash.
    """

    client_order_id: str
    run_id: str
    instrument_id: str
    side: Side
    quantity: int
    order_type: OrderType = OrderType.MARKET
    product: ProductType = ProductType.CNC
    limit_price: Decimal | None = None
    trigger_price: Decimal | None = None
    decided_at: datetime | None = None
    session_date: date | None = None
    kind: IntentKind = IntentKind.STRATEGY
    state: IntentState = IntentState.PENDING
    broker_order_id: str | None = None
    filled_quantity: int = 0
    reason: str | None = None
    opened_step: int = -1
    closed_step: int | None = None
    lot_size: int = 1
    parent_id: str | None = None
    freeze_quantity: int | None = None

    @property
    def is_parent(self) -> bool:
        """True for a sliced order: its children are sent, never the intent itself."""
        return self.freeze_quantity is not None

    def evolve(self, **changes: Any) -> OrderIntent:
        """A copy with ``changes`` applied (intents are immutable values).

        The same as :func:`dataclasses.replace` (unknown names raise ``TypeError``) at about half
        its cost: intents are copied several times per order on the live decision path.
        """
        unknown = changes.keys() - INTENT_FIELDS_SET
        if unknown:
            raise TypeError(f"OrderIntent has no field(s) {sorted(unknown)}")
        new = object.__new__(OrderIntent)
        for name in INTENT_FIELDS:
            _set(new, name, changes[name] if name in changes else getattr(self, name))
        return new


INTENT_FIELDS = tuple(f.name for f in fields(OrderIntent))
"""The field names of :class:`OrderIntent`, in order."""
INTENT_FIELDS_SET = frozenset(INTENT_FIELDS)
_set = object.__setattr__
