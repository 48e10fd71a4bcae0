"""The tick stream: one shape for every broker's market-data socket.

:class:`TickStream` owns what must never differ between brokers:

* the subscription set: :meth:`~TickStream.subscribe` / :meth:`~TickStream.unsubscribe`
  are remembered while disconnected and **everything is resubscribed after every
  (re)connect** (the transport calls :meth:`~TickStream.handle_open`);
* decoding errors: a malformed frame or packet is counted in
  :attr:`~TickStream.malformed` and skipped, never raised into the socket thread;
* callbacks: ``on_tick(tick)`` per decoded tick and ``on_reconnect(count)`` after a
  reconnect; a callback that raises is logged and does not stop the stream.

A broker implements the transport primitives only: ``_open``, ``_close``,
``_send_subscribe``, ``_send_unsubscribe`` and ``_decode``.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence

from vyapari.brokers.redact import get_logger
from vyapari.brokers.types import Tick

log = get_logger(__name__)

TickCallback = Callable[[Tick], None]
ReconnectCallback = Callable[[int], None]


class TickStream(ABC):
    """Subscriptions, callbacks and fault counting over a broker transport (see module doc)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._subscribed: set[str] = set()
        self._tick_callbacks: list[TickCallback] = []
        self._reconnect_callbacks: list[ReconnectCallback] = []
        self.connected = False
        self.opens = 0
        self.malformed = 0
        self.received = 0

    # ----- public API -----------------------------------------------------------
    @property
    def subscriptions(self) -> frozenset[str]:
        """Instrument ids currently subscribed (kept across reconnects)."""
        with self._lock:
            return frozenset(self._subscribed)

    @property
    def reconnects(self) -> int:
        """How many times the socket re-opened after the first connect."""
        return max(self.opens - 1, 0)

    def on_tick(self, callback: TickCallback) -> None:
        """Call ``callback(tick)`` for every decoded tick (keep it quick: enqueue, no I/O)."""
        self._tick_callbacks.append(callback)

    def on_reconnect(self, callback: ReconnectCallback) -> None:
        """Call ``callback(reconnects)`` after each reconnect, once all is resubscribed."""
        self._reconnect_callbacks.append(callback)

    def connect(self) -> None:
        """Open the socket (the transport reconnects by itself after a drop)."""
        self._open()

    def close(self) -> None:
        """Close the socket for good."""
        self._close()
        self.connected = False

    def reconnect(self) -> None:
        """Drop the connection and open it again (a watchdog's remedy for a silent feed).

        Subscriptions are kept; :meth:`handle_open` resubscribes them and counts the reconnect.
        """
        self.connected = False
        self._drop()

    def _drop(self) -> None:
        """Transport hook of :meth:`reconnect`: by default a full close and a new open."""
        self._close()
        self._open()

    def subscribe(self, instrument_ids: Iterable[str]) -> None:
        """Add ``instrument_ids`` to the subscription set and send them if connected."""
        new = sorted(set(instrument_ids))
        with self._lock:
            self._subscribed.update(new)
            live = self.connected
        if live and new:
            self._send_subscribe(new)

    def unsubscribe(self, instrument_ids: Iterable[str]) -> None:
        """Remove ``instrument_ids`` from the subscription set and tell the broker if connected."""
        gone = sorted(set(instrument_ids))
        with self._lock:
            self._subscribed.difference_update(gone)
            live = self.connected
        if live and gone:
            self._send_unsubscribe(gone)

    # ----- called by the transport ---------------------------------------------
    def handle_open(self) -> None:
        """The socket opened: resubscribe everything, then notify ``on_reconnect`` if it re-opened."""
        with self._lock:
            self.connected = True
            self.opens += 1
            everything = sorted(self._subscribed)
        if everything:
            self._send_subscribe(everything)
        if self.opens > 1:
            log.info("tick stream reconnected (%d), resubscribed %d instruments",
                     self.reconnects, len(everything))
            for callback in list(self._reconnect_callbacks):
                self._safely(callback, self.reconnects)

    def handle_close(self, reason: str = "") -> None:
        """The socket closed (the transport decides whether to reconnect)."""
        self.connected = False
        log.warning("tick stream closed: %s", reason or "no reason given")

    def handle_message(self, payload: bytes | str) -> None:
        """Decode ``payload`` and dispatch its ticks; malformed parts are counted and skipped."""
        try:
            ticks, bad = self._decode(payload)
        except Exception as exc:  # the socket thread must survive any undecodable frame
            ticks, bad = [], 1
            log.debug("malformed tick frame skipped: %s", type(exc).__name__)
        self.malformed += bad
        self.received += len(ticks)
        for tick in ticks:
            for callback in list(self._tick_callbacks):
                self._safely(callback, tick)

    @staticmethod
    def _safely(callback: Callable[..., None], *args: object) -> None:
        try:
            callback(*args)
        except Exception:
            log.exception("tick stream callback %r raised; stream continues", callback)

    # ----- transport primitives -------------------------------------------------
    @abstractmethod
    def _open(self) -> None:
        """Start the connection (non-blocking); call :meth:`handle_open` once it is open."""

    @abstractmethod
    def _close(self) -> None:
        """Stop the connection and any reconnection."""

    @abstractmethod
    def _send_subscribe(self, instrument_ids: Sequence[str]) -> None:
        """Ask the broker for ticks of ``instrument_ids``."""

    @abstractmethod
    def _send_unsubscribe(self, instrument_ids: Sequence[str]) -> None:
        """Stop ticks of ``instrument_ids``."""

    @abstractmethod
    def _decode(self, payload: bytes | str) -> tuple[list[Tick], int]:
        """Ticks in ``payload`` and the number of malformed packets skipped in it."""
