"""The idempotency store: which ``client_order_id`` became which broker order.

:class:`OrderStore` is a port; the default :class:`InMemoryOrderStore` lives as long as the
adapter. A durable implementation (the live engine's intent ledger) makes idempotency
survive restarts; without one, the adapter still reconciles by tag against the broker's
order book after any error whose outcome is unknown.
"""

from __future__ import annotations

import threading
from typing import Protocol

from vyapari.brokers.types import BrokerOrder


class OrderStore(Protocol):
    """Orders we placed, keyed by ``client_order_id``."""

    def get(self, client_order_id: str) -> BrokerOrder | None:
        """The order placed for ``client_order_id``, or None."""
        ...

    def put(self, order: BrokerOrder) -> None:
        """Remember ``order`` under its ``client_order_id``."""
        ...


class InMemoryOrderStore:
    """A thread-safe dict of orders by ``client_order_id``."""

    def __init__(self) -> None:
        self._orders: dict[str, BrokerOrder] = {}
        self._lock = threading.Lock()

    def get(self, client_order_id: str) -> BrokerOrder | None:
        """The order for ``client_order_id`` or None."""
        with self._lock:
            return self._orders.get(client_order_id)

    def put(self, order: BrokerOrder) -> None:
        """Store ``order`` (it must carry a ``client_order_id``)."""
        if not order.client_order_id:
            raise ValueError(f"order {order.broker_order_id} has no client_order_id")
        with self._lock:
            self._orders[order.client_order_id] = order

    def __len__(self) -> int:
        with self._lock:
            return len(self._orders)
