"""Upstox's official ``MarketDataStreamerV3`` (upstox-python-sdk), fitted to a long-lived service.

Kept from the SDK (``upstox_client.feeder``): the streamer's event emitter (``open``, ``close``,
``message``, ``error``, ``reconnecting``, ``autoReconnectStopped``), its subscription bookkeeping
(``subscriptions`` by mode, kept by ``subscribe`` / ``unsubscribe``), its auto-reconnect (a new
feeder after a drop, then one attempt every ``interval`` seconds while fewer than ``retry_count``
have failed) and the feeder's request building (``build_request``: ``{"guid", "method":
"sub" | "unsub", "data": {"mode", "instrumentKeys"}}`` sent as a binary frame).

Replaced (SDK 2.30), each for a reason:

* ``MarketDataFeederV3.connect`` → :meth:`SessionFeederV3.connect`. The SDK's hard-codes
  ``wss://api.upstox.com/v3/feed/market-data-feed``, turns TLS verification off
  (``ssl.CERT_NONE``, no host-name check), takes the token from an ``ApiClient``'s configuration
  (set once by its caller) and runs the socket on a non-daemon thread (the process cannot exit
  while it lives). Ours uses the configured URL, verifies the certificate and host name (system
  trust store, or the file named by websocket-client's ``WEBSOCKET_CLIENT_CA_BUNDLE``), reads
  ``Authorization: Bearer <token>`` from the session at every (re)connect, so a reconnect after
  the daily login sends the new token, and runs on a daemon thread. The streamer's ``connect``
  builds that feeder; its ``api_client`` is a :class:`SessionAuth` (with ``None`` the SDK would
  build an ``ApiClient``, a thread pool and an HTTP pool, for every feeder, i.e. every reconnect).
* ``MarketDataFeederV3.disconnect`` → :meth:`SessionFeederV3.disconnect`: the SDK's
  ``ws.close(status=1000)`` from another thread leaves the socket thread asleep in ``select`` for
  up to 10 s; ours sends the close frame and shuts the socket down, which wakes it at once.
* ``handle_message`` emits ``message`` with the frame's raw bytes instead of decoding it and
  running ``json_format.MessageToDict`` on it: the owner decodes the protobuf straight to ticks
  (see :mod:`vyapari.brokers.upstox.ticks`).
* ``subscribe_to_initial_keys`` does nothing: the owner resubscribes its own set on every open
  (:meth:`~vyapari.brokers.ticks.TickStream.handle_open`); the SDK's replay as well would send
  every key twice and bring back keys unsubscribed while the socket was down.
* Reconnection lasts until :meth:`ServiceStreamerV3.close`:

  - a drop (no close frame, reported as code ``None``) is reconnected by the SDK itself, at once;
  - a clean close (1000) from the server is reconnected too; the SDK takes it as final;
  - a 401 is retried every ``unauthorized_wait_s`` with the session's current token (the daily
    login may have replaced it); the SDK stops for good;
  - ``autoReconnectStopped`` (``retry_count`` attempts failed in a row) re-arms the attempts after
    one more ``interval``; it is left as a periodic warning, not an end;
  - callbacks of a superseded socket are ignored, ``connect`` while an attempt is under way does
    nothing, and attempts start at most once per ``interval`` (a server that accepts and closes at
    once cannot cause a tight loop).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from typing import Any

import websocket
from upstox_client.feeder.market_data_feeder_v3 import MarketDataFeederV3
from upstox_client.feeder.market_data_streamer_v3 import MarketDataStreamerV3

from vyapari.brokers.redact import get_logger
from vyapari.brokers.session import SessionProvider

log = get_logger(__name__)

UNAUTHORIZED = "401 Unauthorized"
"""What the SDK's ``handle_error`` looks for in an error's text to stop reconnecting."""


class SessionAuth:
    """The ``api_client`` the streamer hands each feeder: the current session's bearer header."""

    def __init__(self, session: SessionProvider) -> None:
        self.session = session

    def header(self) -> dict[str, str]:
        """``{"Authorization": "Bearer <token>"}`` of the session now (never log it).

        Raises :class:`~vyapari.brokers.errors.SessionExpired` when no token is usable; called
        inside the connection attempt, so that is an ordinary failed attempt and is retried.
        """
        return {"Authorization": f"Bearer {self.session.current().access_token}"}


class SessionFeederV3(MarketDataFeederV3):
    """``MarketDataFeederV3`` with our ``connect``: configured URL, verified TLS, session token, daemon.

    Parameters
    ----------
    url : str
        The feed socket (``UPSTOX_WS_URL``; ``ws://`` only for local tests).
    **kwargs
        ``MarketDataFeederV3``'s own arguments; ``api_client`` is a :class:`SessionAuth`.
    """

    ws: Any  # websocket.WebSocketApp once connect ran (set to None by the SDK's __init__)

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = url

    def connect(self) -> None:
        """Start the socket on a daemon thread; the header is read at the attempt itself (a callable
        ``header``, websocket-client ≥ 1.6.2), so a missing session is a failed attempt, retried."""
        if self.ws is not None and self.ws.sock is not None:
            return
        self.ws = websocket.WebSocketApp(
            self.url, header=self.api_client.header, on_open=self.on_open, on_message=self.on_message,
            on_error=self.on_error, on_close=self.on_close,
        )
        self.connection_thread = threading.Thread(
            target=self.ws.run_forever,
            kwargs={"sslopt": {"cert_reqs": ssl.CERT_REQUIRED, "check_hostname": True}},
            name="upstox-market-data", daemon=True,
        )
        self.connection_thread.start()

    def disconnect(self) -> None:
        """Send a close (1000) and shut the socket down, which wakes the socket thread at once.

        The SDK's ``ws.close(status=1000)``, called from another thread, closes the descriptor under
        the thread's ``select``, which then sleeps out websocket-client's 10 s dispatcher timeout.
        """
        if self.ws is None:
            return
        self.ws.keep_running = False
        sock = self.ws.sock
        if sock is None:
            return
        with contextlib.suppress(Exception):  # the socket may already be gone
            sock.send_close(websocket.STATUS_NORMAL)
        raw = sock.sock
        if raw is not None:
            with contextlib.suppress(OSError):
                raw.shutdown(socket.SHUT_RDWR)


class ServiceStreamerV3(MarketDataStreamerV3):
    """``MarketDataStreamerV3`` that reconnects until closed and emits raw frames (see module doc).

    Parameters
    ----------
    url : str
        The feed socket.
    auth : SessionAuth
        Where each attempt reads its token.
    mode : str
        The SDK's subscription mode (``"ltpc"``, ``"full"``, …).
    interval_s : float
        Seconds between reconnection attempts (the SDK's ``interval``).
    retry_count : int
        Failed attempts in a row before ``autoReconnectStopped`` is logged and the count re-armed.
    unauthorized_wait_s : float
        Seconds to wait after a 401 before trying again with the session's current token.
    """

    def __init__(self, url: str, auth: SessionAuth, mode: str, *, interval_s: float = 1.0,
                 retry_count: int = 60, unauthorized_wait_s: float = 30.0) -> None:
        super().__init__(api_client=auth, instrumentKeys=[], mode=mode)
        self.url = url
        self.unauthorized_wait_s = unauthorized_wait_s
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._last_attempt = float("-inf")
        self.auto_reconnect(True, interval_s, retry_count)
        self.on(self.Event["AUTO_RECONNECT_STOPPED"], self._rearm_after_stop)

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed.is_set()

    # ----- connection -----------------------------------------------------------------------------
    def connect(self) -> None:
        """Open a socket through a new :class:`SessionFeederV3`, at most once per ``interval``;
        nothing once closed or while another thread's attempt is under way."""
        wait_s = self._last_attempt + self.interval - time.monotonic()
        if wait_s > 0 and self._closed.wait(wait_s):
            return
        with self._lock:
            if self._closed.is_set() or self._under_way():
                return
            self._last_attempt = time.monotonic()
            self.feeder = SessionFeederV3(
                self.url, api_client=self.api_client, instrumentKeys=self.instrumentKeys, mode=self.mode,
                on_open=self.handle_open, on_message=self.handle_message, on_error=self.handle_error,
                on_close=self.handle_close,
            )
            self.feeder.connect()

    def drop(self) -> None:
        """Cut the open socket as a network failure would; the auto-reconnect opens a new one.

        With no socket open, :meth:`connect` (which does nothing while an attempt is under way).
        """
        ws = self.feeder.ws if self.feeder is not None else None
        raw = getattr(getattr(ws, "sock", None), "sock", None)
        if raw is None:
            self.connect()
            return
        with contextlib.suppress(OSError):
            raw.shutdown(socket.SHUT_RDWR)

    def close(self, timeout_s: float = 5.0) -> None:
        """Close for good: no attempt starts after this; waits for the socket thread to end."""
        self._closed.set()
        self.auto_reconnect(False, self.interval, self.retry_count)
        with self._lock:
            feeder = self.feeder
        if feeder is None:
            return
        with contextlib.suppress(Exception):  # the socket may be half-gone; closing must not fail
            self.disconnect()
        thread = feeder.connection_thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s + self.interval)

    # ----- the SDK's socket callbacks -------------------------------------------------------------
    def handle_open(self, ws: Any) -> None:
        """The SDK's open handling, unless closed meanwhile (then the new socket is closed)."""
        if self._closed.is_set():
            ws.close()
            return
        super().handle_open(ws)

    def handle_message(self, ws: Any, message: bytes | str) -> None:
        """Emit ``message`` with the frame as received (bytes of a ``FeedResponse``)."""
        self.emit(self.Event["MESSAGE"], message)

    def subscribe_to_initial_keys(self) -> None:
        """Nothing: the owner resubscribes on ``open`` (see module doc)."""

    def handle_error(self, ws: Any, error: Exception) -> None:
        """The SDK's error handling, but a 401 is retried after ``unauthorized_wait_s``."""
        if self._closed.is_set() or not self._is_current(ws):
            return
        super().handle_error(ws, error)
        if UNAUTHORIZED in str(error) and not self._closed.is_set():
            self.disconnect_valid = False
            log.warning("market-data feed refused the session (401): retrying in %.0f s with the "
                        "current token", self.unauthorized_wait_s)
            if self.reconnect_in_progress:
                self._rearm(self.unauthorized_wait_s)
            # else the close that follows starts the reconnection

    def handle_close(self, ws: Any, close_status_code: int | None, close_msg: str | None) -> None:
        """The SDK's close handling; a clean close (1000) we did not ask for is reconnected too."""
        if not self._is_current(ws):
            return
        super().handle_close(ws, close_status_code, close_msg)
        if close_status_code == 1000 and not (
            self._closed.is_set() or self.disconnect_valid or self.reconnect_in_progress
        ):
            self.launch_auto_reconnect()

    # ----- helpers ------------------------------------------------------------------------------
    def _is_current(self, ws: Any) -> bool:
        return self.feeder is not None and self.feeder.ws is ws

    def _under_way(self) -> bool:
        thread = self.feeder.connection_thread if self.feeder is not None else None
        return thread is not None and thread.is_alive() and thread is not threading.current_thread()

    def _rearm_after_stop(self, reason: str) -> None:
        if self._closed.is_set():
            return
        log.warning("market-data feed still down (%s): trying on every %.1f s", reason, self.interval)
        self._rearm(self.interval)

    def _rearm(self, wait_s: float) -> None:
        """After ``wait_s`` (cut short by :meth:`close`), start a fresh round of attempts."""
        if self._closed.wait(wait_s):
            return
        self.reconnect_attempts = 0
        self.launch_auto_reconnect()
