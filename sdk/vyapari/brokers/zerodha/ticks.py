"""Kite Connect's market-data socket, on the official ``kiteconnect.KiteTicker``.

Binary frames are decoded by :func:`parse_frame` (prices in paise → ₹ ``Decimal``); the socket
runs on KiteTicker's factory and reconnect logic inside one process-wide Twisted reactor thread,
with certificate-checked TLS and the URL's token re-read from the session at each reconnect.
The protocol's packet layouts and how the stream drives KiteTicker are in ``docs/kite-ticks.md``.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from kiteconnect import KiteTicker

from vyapari.brokers.redact import get_logger, redact
from vyapari.brokers.session import SessionProvider
from vyapari.brokers.ticks import TickStream
from vyapari.brokers.types import Tick
from vyapari.brokers.zerodha.config import KiteConfig
from vyapari.brokers.zerodha.reactor import call_in_reactor, run_in_reactor, start_reactor
from vyapari.core.time import IST

log = get_logger(__name__)

PACKET_LENGTHS = frozenset({8, 28, 32, 44, 184})
_DIVISORS = {3: Decimal(10_000_000), 6: Decimal(10_000)}


def _divisor(token: int) -> Decimal:
    return _DIVISORS.get(token & 0xFF, Decimal(100))


def parse_packet(packet: bytes, names: dict[int, str], now: datetime) -> Tick | None:
    """One packet → a :class:`Tick` (None for an unsubscribed token); ``ValueError`` if malformed."""
    if len(packet) not in PACKET_LENGTHS:
        raise ValueError(f"packet of {len(packet)} bytes")
    token, last = struct.unpack(">ii", packet[:8])
    name = names.get(token)
    if name is None:
        return None
    if last <= 0:
        raise ValueError("non-positive last price")
    volume = last_qty = 0
    if len(packet) in (44, 184):
        last_qty, _avg, volume = struct.unpack(">iii", packet[8:20])
    return Tick(name, Decimal(last) / _divisor(token), now, volume, last_qty)


def parse_frame(payload: bytes, names: dict[int, str], now: datetime) -> tuple[list[Tick], int]:
    """All ticks in a binary frame and the count of malformed packets skipped."""
    if len(payload) < 2:
        return [], 0  # heartbeat
    (count,) = struct.unpack(">h", payload[:2])
    ticks: list[Tick] = []
    bad, offset = 0, 2
    for _ in range(count):
        if offset + 2 > len(payload):
            return ticks, bad + 1
        (length,) = struct.unpack(">h", payload[offset:offset + 2])
        packet = payload[offset + 2:offset + 2 + length]
        offset += 2 + length
        try:
            tick = parse_packet(packet, names, now)
        except (ValueError, struct.error):
            bad += 1
            continue
        if tick is not None:
            ticks.append(tick)
    return ticks, bad


def ticker_url(ws_root: str, api_key: str, access_token: str) -> str:
    """The ticker URL as KiteTicker builds it (carries credentials: never log it)."""
    return f"{ws_root}?api_key={api_key}&access_token={access_token}"


class _StreamTicker(KiteTicker):
    """A ``KiteTicker`` whose socket events feed a :class:`KiteTickStream`.

    Every method runs on the reactor thread. Events of a ticker the stream no longer uses
    (closed, or replaced by a new ``connect()``) are ignored, and a socket it still opens is
    dropped.
    """

    socket_url: str
    """KiteTicker's URL with the token in use (set by ``KiteTicker.__init__``)."""

    def __init__(self, stream: KiteTickStream, access_token: str) -> None:
        config = stream.config
        super().__init__(
            config.api_key, access_token, root=config.ws_root,
            reconnect_max_tries=stream.reconnect_tries, reconnect_max_delay=stream.reconnect_max_s,
            connect_timeout=stream.connect_timeout_s,
        )
        self.stream = stream
        self.first_retry_s = stream.reconnect_s
        self.connector: Any = None

    @property
    def current(self) -> bool:
        return self.stream._ticker is self

    # ----- driven by KiteTickStream (reactor thread) ----------------------------
    def start(self) -> None:
        """Connect: KiteTicker's factory and callbacks, certificate-checked TLS for ``wss``."""
        from autobahn.twisted.websocket import connectWS
        from twisted.internet.ssl import optionsForClientTLS

        self._create_connection(self.socket_url, useragent=self._user_agent(), proxy=None,
                                headers={"X-Kite-Version": "3"})
        self.factory.initialDelay = self.factory.delay = self.first_retry_s
        tls = optionsForClientTLS(self.factory.host) if self.factory.isSecure else None
        self.connector = connectWS(self.factory, contextFactory=tls, timeout=self.connect_timeout)

    def use_token(self, access_token: str) -> None:
        """Point the factory's next connection at ``access_token``."""
        url = ticker_url(self.root, self.stream.config.api_key, access_token)
        factory = self.factory
        if factory is None or url == self.socket_url:
            return
        self.socket_url = url
        factory.setSessionParameters(url, origin=factory.origin, protocols=factory.protocols,
                                     useragent=factory.useragent, headers=factory.headers,
                                     proxy=factory.proxy)

    def cut(self) -> None:
        """Abort the open socket so the factory reconnects; restart a factory that gave up."""
        if self.is_connected():
            self.ws.dropConnection(abort=True)
            return
        factory = self.factory
        gave_up = factory.maxRetries is not None and factory.retries > factory.maxRetries
        if gave_up and factory.continueTrying and self.connector is not None:
            self.stream._refresh_token(self)
            factory.resetDelay()  # back to the first delay (reconnect_s) and a full set of tries
            self.connector.connect()
        # otherwise a connection attempt or a timed retry is already under way

    def shut(self) -> None:
        """Close for good: KiteTicker's close (stop retrying; the close handshake on an open socket,
        whose TCP side autobahn drops if the server has not within about 2 s); a connection
        still being made is abandoned."""
        was_open = self.is_connected()
        self.close()
        if not was_open and self.connector is not None:
            self.connector.disconnect()

    # ----- KiteTicker's callbacks -------------------------------------------------
    def _on_open(self, ws: Any) -> None:
        self._is_first_connect = False  # KiteTicker's resubscribe() stays off: handle_open does it
        if not self.current:
            ws.dropConnection(abort=True)
            return
        self.stream.handle_open()

    def _on_message(self, ws: Any, payload: bytes, is_binary: bool) -> None:
        if not self.current:
            return
        if is_binary:
            self.stream.handle_message(bytes(payload))
        else:
            self._text_message(payload)

    def _on_close(self, ws: Any, code: int | None, reason: object) -> None:
        if self.current:
            self.stream.handle_close(f"code {code}")
            self.stream._refresh_token(self)

    def _on_error(self, ws: Any, code: int | None, reason: object) -> None:
        if self.current:
            log.warning("Kite tick socket error (code %s): %s", code, redact(reason))

    def _on_noreconnect(self) -> None:
        log.error("Kite tick socket: gave up after %s reconnection attempts; reconnect() starts again",
                  self.reconnect_max_tries)

    def _text_message(self, payload: bytes | str) -> None:
        try:
            message = json.loads(payload)
        except (ValueError, UnicodeDecodeError):
            return
        if isinstance(message, dict) and message.get("type") == "error":
            log.warning("Kite tick socket says: %s", redact(message.get("data")))


def _now() -> datetime:
    return datetime.now(IST)


class KiteTickStream(TickStream):
    """Kite ticks for instrument ids; ``token_of(instrument_id)`` gives Kite's instrument token.

    Runs on ``KiteTicker`` (see the module doc). Reconnection timing, in seconds:
    :attr:`reconnect_s` (first retry), :attr:`reconnect_max_s` (cap, at least 5),
    :attr:`reconnect_tries` (at most 300), :attr:`connect_timeout_s`; :attr:`close_timeout_s`
    bounds how long :meth:`close` waits for the reactor thread.
    """

    reconnect_s: float = 1.0
    reconnect_max_s: int = 5
    reconnect_tries: int = 300
    connect_timeout_s: int = 30
    close_timeout_s: float = 5.0

    def __init__(self, config: KiteConfig, session: SessionProvider,
                 token_of: Callable[[str], str], mode: str = "full") -> None:
        super().__init__()
        self.config = config
        self.session = session
        self.token_of = token_of
        self.mode = mode
        self._ticker: _StreamTicker | None = None
        self._token_ids: dict[str, int] = {}
        self._names: dict[int, str] = {}  # replaced on change, never mutated: read on the reactor
        # stamps each tick's received_at (Kite's packets in ltp/quote mode carry no time); wall time
        self.clock: Callable[[], datetime] = _now

    def subscribe(self, instrument_ids: Iterable[str]) -> None:
        """As :meth:`TickStream.subscribe`; tokens are looked up here, so an unknown id raises
        in the caller (not on the reactor thread) and nothing is subscribed."""
        ids = sorted(set(instrument_ids))
        self._tokens(ids)
        super().subscribe(ids)

    def _tokens(self, instrument_ids: Sequence[str]) -> list[int]:
        with self._lock:
            missing = [i for i in instrument_ids if i not in self._token_ids]
        found = {ident: int(self.token_of(ident)) for ident in missing}
        with self._lock:
            if found:
                self._token_ids.update(found)
                self._names = {**self._names, **{token: ident for ident, token in found.items()}}
            return [self._token_ids[ident] for ident in instrument_ids]

    # ----- transport primitives -------------------------------------------------
    def _open(self) -> None:
        access_token = self.session.current().access_token
        start_reactor()
        ticker = _StreamTicker(self, access_token)
        with self._lock:
            old, self._ticker = self._ticker, ticker
        if old is not None:
            call_in_reactor(old.shut)
        call_in_reactor(ticker.start)

    def _close(self) -> None:
        with self._lock:
            ticker, self._ticker = self._ticker, None
        if ticker is not None and not run_in_reactor(ticker.shut, timeout_s=self.close_timeout_s):
            log.warning("Kite tick socket: close not done within %.1f s; it completes in the background",
                        self.close_timeout_s)

    def _drop(self) -> None:
        ticker = self._ticker
        if ticker is None:
            self._open()
        else:
            call_in_reactor(ticker.cut)

    def _send_subscribe(self, instrument_ids: Sequence[str]) -> None:
        call_in_reactor(self._subscribe_now, self._tokens(instrument_ids))

    def _send_unsubscribe(self, instrument_ids: Sequence[str]) -> None:
        call_in_reactor(self._unsubscribe_now, self._tokens(instrument_ids))

    def _decode(self, payload: bytes | str) -> tuple[list[Tick], int]:
        if isinstance(payload, str):
            return [], 0
        return parse_frame(payload, self._names, self.clock())

    # ----- on the reactor thread ------------------------------------------------
    def _subscribe_now(self, tokens: list[int]) -> None:
        ticker = self._ticker
        if ticker is not None and ticker.is_connected():  # else handle_open sends it on open
            ticker.subscribe(tokens)
            ticker.set_mode(self.mode, tokens)

    def _unsubscribe_now(self, tokens: list[int]) -> None:
        ticker = self._ticker
        if ticker is not None and ticker.is_connected():
            ticker.unsubscribe(tokens)

    def _refresh_token(self, ticker: _StreamTicker) -> None:
        try:
            access_token = self.session.current().access_token
        except Exception as exc:  # expired or unreadable: keep retrying with the token we have
            log.warning("Kite tick socket keeps its current token: %s", redact(exc))
            return
        ticker.use_token(access_token)
