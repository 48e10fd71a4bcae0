"""Live engine → API records: the orders, positions and trades ``GET /orders|/positions|/trades`` list.

:class:`LiveRecords` is a :class:`~vyapari.live.ports.Publisher`: the engine hands it every message
it publishes, it writes records from the ``orders`` channel, then forwards the message unchanged to
the next publisher (the WebSocket fan-out). In partition ``mode`` (``paper`` or ``live``) of each
:class:`~vyapari.api.ports.RecordStore`:

* **orders** — key ``client_order_id``: the latest ``orders`` message of the order (state,
  ``filled_quantity``, ``broker_order_id``, ``reason``, ``kind``, ``decided_at``, ``parent_id``) plus
  ``mode`` and ``updated_at`` (ISO 8601 IST, when it was recorded);
* **trades** — key ``trade_id`` = ``<client_order_id>#<filled_quantity after the fill>``: one record
  per increase of an order's ``filled_quantity`` (``quantity`` units of ``side``);
* **positions** — key ``instrument_id``: ``quantity`` (signed units: bought − sold),
  ``bought_quantity``, ``sold_quantity`` and ``updated_at``, summed from those fills.

Fills are what the ``orders`` channel shows: the engine publishes each booked fill (``type``
``fill``: price and charges in ₹) and then the order with its grown filled quantity. A trade record
takes the price (volume-weighted over the fills of that increase), the charges and the broker's trade
ids from the fill messages seen in this process; a position record keeps ``average_price_inr`` of the
open quantity, ``realised_pnl_inr`` (gross, ₹) and ``charges_inr``. An increase whose fills were
published by an earlier process (a restart) is recorded without a price (``priced`` false) and leaves
the average price as it was. An order sliced above the
freeze quantity (its slices carry ``parent_id``) is counted through its slices only, never also
through the parent's aggregate; the parent's record is marked ``sliced``.

Each fill is counted once: the increase is measured against the order record already stored (the
high-water mark of ``filled_quantity``), so a restarted engine that publishes an order again moves
nothing. The trade and the position are written before the order record; a crash between those
writes can leave a position short of that fill. Writing never raises into the trading loop: a failed
write is logged with its error type and counted in :attr:`LiveRecords.errors`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from vyapari.api.ports import Record, RecordStore
from vyapari.api.trading import MODES
from vyapari.core.errors import InvalidInput
from vyapari.live.fills_log import record_to_fill
from vyapari.live.ports import Metrics, Publisher

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordStores:
    """The record stores the API reads (tables ``ORDERS_TABLE``, ``POSITIONS_TABLE``, ``TRADES_TABLE``)."""

    orders: RecordStore
    positions: RecordStore
    trades: RecordStore


class LiveRecords:
    """Writes the API's records from the engine's ``orders`` messages (see the module docstring).

    Parameters
    ----------
    stores : RecordStores
        Where the records go.
    mode : str
        ``paper`` or ``live``: the partition of every record.
    forward : Publisher, optional
        Receives every message after it is recorded (e.g. the WebSocket publisher).
    metrics : Metrics, optional
        Receives ``live_records_errors_total`` for each message that could not be recorded.
    clock : callable
        The current instant (``updated_at``; IST).
    """

    def __init__(self, stores: RecordStores, mode: str, forward: Publisher | None = None, *,
                 metrics: Metrics | None = None, clock: Callable[[], datetime] | None = None) -> None:
        if mode not in MODES:
            raise InvalidInput("mode", f"must be one of {', '.join(MODES)}, got {mode!r}")
        from vyapari.api.registry import now_ist

        self.stores, self.mode, self.forward, self.metrics = stores, mode, forward, metrics
        self._clock = clock or now_ist
        self._orders: dict[str, Record] = {}  # client_order_id -> its stored record (this process)
        self._positions: dict[str, Record] = {}
        self._fills: dict[str, list[Mapping[str, Any]]] = {}  # order id -> its fills not yet recorded
        self.errors = 0

    def publish(self, channel: str, message: Mapping[str, Any]) -> None:
        """Record an ``orders`` message (never raises), then forward ``message`` on ``channel``."""
        if channel == "orders" and message.get("type") == "fill":
            self._fills.setdefault(str(message["client_order_id"]), []).append(dict(message))
        elif channel == "orders" and message.get("client_order_id"):
            try:
                self.record_order(message)
            except Exception as exc:  # a record that cannot be written must not stop trading
                self.errors += 1
                log.warning("recording order %s failed: %s", message.get("client_order_id"),
                            type(exc).__name__)
                if self.metrics is not None:
                    self.metrics.count("live_records_errors_total", channel=channel)
        if self.forward is not None:
            self.forward.publish(channel, message)

    def record_order(self, message: Mapping[str, Any]) -> None:
        """Write the order's record and, for a fill, its trade and position (errors propagate)."""
        cid = str(message["client_order_id"])
        now = self._clock().isoformat()
        parent_id = message.get("parent_id")
        if parent_id:
            self._mark_sliced(str(parent_id), now)
        previous = self._stored_order(cid)
        sliced = bool(previous.get("sliced"))
        filled_before = int(previous.get("filled_quantity") or 0)
        filled = int(message.get("filled_quantity") or 0)
        if filled > filled_before and not sliced:
            self._record_fill(message, filled - filled_before, filled, now)
        record = {**message, "mode": self.mode, "updated_at": now, "sliced": sliced,
                  "filled_quantity": max(filled, filled_before)}
        self._put_order(cid, record)

    def _stored_order(self, cid: str) -> Record:
        if cid not in self._orders:
            self._orders[cid] = self.stores.orders.get(self.mode, cid) or {}
        return self._orders[cid]

    def _put_order(self, cid: str, record: Record) -> None:
        self.stores.orders.put(self.mode, cid, record)
        self._orders[cid] = record

    def _priced(self, cid: str, quantity: int) -> tuple[Decimal | None, Decimal | None, list[str]]:
        """Volume-weighted price, charges and trade ids of this process's ``quantity`` filled of ``cid``."""
        fills = self._fills.pop(cid, [])
        if sum(int(f["quantity"]) for f in fills) != quantity:
            return None, None, [str(f["trade_id"]) for f in fills]
        booked = [record_to_fill(f) for f in fills]
        value = sum((f.price * f.quantity for f in booked), Decimal(0))
        charges = sum((f.charges.total for f in booked), Decimal(0))
        return (value / quantity).quantize(PAISA_4), charges, [str(f["trade_id"]) for f in fills]

    def _mark_sliced(self, parent_id: str, now: str) -> None:
        parent = self._stored_order(parent_id)
        if parent and not parent.get("sliced"):
            self._put_order(parent_id, {**parent, "sliced": True, "updated_at": now})

    def _record_fill(self, message: Mapping[str, Any], quantity: int, filled: int, now: str) -> None:
        side = str(message["side"])
        iid = str(message["instrument_id"])
        cid = str(message["client_order_id"])
        trade_id = f"{cid}#{filled}"
        price, charges, broker_trades = self._priced(cid, quantity)
        self.stores.trades.put(self.mode, trade_id, {
            "trade_id": trade_id, "client_order_id": cid, "broker_order_id": message.get("broker_order_id"),
            "instrument_id": iid, "side": side, "quantity": quantity, "filled_quantity": filled,
            "kind": message.get("kind"), "parent_id": message.get("parent_id"), "mode": self.mode,
            "recorded_at": now, "priced": price is not None,
            "price_inr": None if price is None else str(price),
            "charges_inr": None if charges is None else str(charges), "broker_trade_ids": broker_trades,
        })
        if iid not in self._positions:
            self._positions[iid] = self.stores.positions.get(self.mode, iid) or {}
        held = self._positions[iid]
        bought = int(held.get("bought_quantity") or 0) + (quantity if side == "BUY" else 0)
        sold = int(held.get("sold_quantity") or 0) + (quantity if side == "SELL" else 0)
        position = {"instrument_id": iid, "quantity": bought - sold, "bought_quantity": bought,
                    "sold_quantity": sold, "mode": self.mode, "updated_at": now,
                    **_net(held, 1 if side == "BUY" else -1, quantity, price, charges)}
        self.stores.positions.put(self.mode, iid, position)
        self._positions[iid] = position


PAISA_4 = Decimal("0.0001")


def _net(held: Mapping[str, Any], sign: int, quantity: int, price: Decimal | None,
         charges: Decimal | None) -> dict[str, Any]:
    """Average price of the open quantity, realised P&L (gross) and charges after one fill (₹ as text).

    Adding to a position moves the average; reducing it realises ``(price − average) × closed``
    (signed by the position); going through zero opens the remainder at ``price``. Without a price the
    previous figures are kept.
    """
    held_qty = int(held.get("quantity") or 0)
    average = Decimal(str(held.get("average_price_inr") or 0))
    realised = Decimal(str(held.get("realised_pnl_inr") or 0))
    paid = Decimal(str(held.get("charges_inr") or 0)) + (charges or 0)
    if price is not None:
        if held_qty == 0 or (held_qty > 0) == (sign > 0):
            average = (average * abs(held_qty) + price * quantity) / (abs(held_qty) + quantity)
        else:
            closed = min(abs(held_qty), quantity)
            realised += (price - average) * closed * (1 if held_qty > 0 else -1)
            if quantity > closed:
                average = price
            elif closed == abs(held_qty):
                average = Decimal(0)
    return {"average_price_inr": str(average.quantize(PAISA_4)),
            "realised_pnl_inr": str(realised.quantize(PAISA_4)), "charges_inr": str(paid)}
