"""A websocket transport for :class:`~vyapari.brokers.ticks.TickStream`, on ``websocket-client``.

One transport for both brokers' market-data sockets: a daemon thread runs
``WebSocketApp.run_forever`` with automatic reconnection (every ``reconnect_s`` seconds
after a drop); each (re)open calls :meth:`TickStream.handle_open`, which resubscribes
everything. TLS certificates are verified (the Upstox SDK's own streamer disables that).
``websocket-client`` is imported lazily. Why not ``KiteTicker`` / ``MarketDataStreamerV3``:
KiteTicker runs on the process-global Twisted reactor (which cannot be restarted) and the
Upstox streamer hard-codes its URL; both protocols are documented and small, so they are
spoken here and the SDKs' decoders (Upstox protobuf) reused.
"""

from __future__ import annotations

import contextlib
import threading
from abc import abstractmethod
from typing import Any

from vyapari.brokers.redact import get_logger
from vyapari.brokers.ticks import TickStream

log = get_logger(__name__)


class WebSocketTickStream(TickStream):
    """A :class:`TickStream` over ``websocket-client``; subclasses give the URL, headers and codec."""

    reconnect_s: float = 1.0

    def __init__(self) -> None:
        super().__init__()
        self._app: Any = None
        self._thread: threading.Thread | None = None
        self._stopping = False

    @abstractmethod
    def _url(self) -> str:
        """The socket URL (may carry credentials: never log it)."""

    def _headers(self) -> list[str]:
        """Extra HTTP headers of the upgrade request."""
        return []

    def _open(self) -> None:
        import websocket

        self._stopping = False
        self._app = websocket.WebSocketApp(
            self._url(),
            header=self._headers(),
            on_open=lambda _ws: self.handle_open(),
            on_reconnect=lambda _ws: self.handle_open(),
            on_message=lambda _ws, message: self.handle_message(message),
            on_close=lambda _ws, code, reason: self.handle_close(f"code {code}"),
            on_error=lambda _ws, error: log.warning("tick socket error: %s", type(error).__name__),
        )
        self._thread = threading.Thread(target=self._run, name=f"{type(self).__name__}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping:
            self._app.run_forever(reconnect=self.reconnect_s, ping_interval=0)
            if not self._stopping:
                threading.Event().wait(self.reconnect_s)

    def _close(self) -> None:
        self._stopping = True
        if self._app is not None:
            self._app.close(timeout=1.0)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _drop(self) -> None:
        """Cut the current socket as a network drop would: the transport's own reconnection
        (after ``reconnect_s``) reopens it and :meth:`handle_open` resubscribes. No join, no wait."""
        raw = getattr(getattr(self._app, "sock", None), "sock", None)
        if raw is None:  # not connected: the run loop is already retrying, or never started
            if self._thread is None or not self._thread.is_alive():
                self._open()
            return
        import socket

        with contextlib.suppress(OSError):
            raw.shutdown(socket.SHUT_RDWR)

    def _send_text(self, text: str) -> None:
        if self._app is not None:
            self._app.send(text)

    def _send_binary(self, data: bytes) -> None:
        if self._app is not None:
            import websocket

            self._app.send(data, opcode=websocket.ABNF.OPCODE_BINARY)
