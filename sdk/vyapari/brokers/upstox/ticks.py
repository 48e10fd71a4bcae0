"""Upstox's v3 market-data feed on the SDK's official ``MarketDataStreamerV3``.

Protocol (upstox.com/developer/api-documentation/v3/get-market-data-feed): connect to
``UPSTOX_WS_URL`` with ``Authorization: Bearer <token>``; send, as a *binary* frame,
``{"guid": …, "method": "sub" | "unsub", "data": {"mode": "ltpc" | "full", "instrumentKeys": [...]}}``;
frames are ``FeedResponse`` messages of the SDK's bundled ``MarketDataFeedV3.proto``:
``feeds[instrument_key]`` holds ``ltpc`` (``ltp`` ₹, ``ltt`` ms since epoch, ``ltq``) or
``fullFeed.marketFF.ltpc`` (+ ``vtt``, the day's volume).

:class:`UpstoxTickStream` runs on :class:`~vyapari.brokers.upstox.streamer.ServiceStreamerV3`, a
``MarketDataStreamerV3`` whose feeder's ``connect`` is replaced (the SDK's hard-codes the URL, turns
TLS verification off, does not read the session's current token and runs a non-daemon thread) and
whose reconnection never gives up until :meth:`~vyapari.brokers.ticks.TickStream.close` (the SDK
stops after 5 attempts, on a 401 and on a clean close by the server); the details are in that
module. The streamer's ``subscribe`` / ``unsubscribe`` build and send the requests; its events
drive :class:`~vyapari.brokers.ticks.TickStream`'s ``handle_open`` (which resubscribes
everything), ``handle_close`` and ``handle_message``.

Frames are decoded here from the raw bytes (:func:`parse_feed`, protobuf straight to
:class:`~vyapari.brokers.types.Tick`), not from the SDK's ``message`` event payload, which is
``json_format.MessageToDict`` of every frame: a dict built by reflection (int64 fields as strings)
that would then be parsed back into numbers. Measured on full-mode frames of 10 feeds, the SDK's
decode plus ``MessageToDict`` costs about 42 µs a feed against about 5 µs for :func:`parse_feed`
to ticks, i.e. some 40 % of a core at 10,000 ticks/s instead of 5 %. And an undecodable frame there
raises inside the SDK's handler (reaching its error handling) instead of being counted in
``malformed`` and skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from vyapari.brokers.redact import get_logger
from vyapari.brokers.session import SessionProvider
from vyapari.brokers.ticks import TickStream
from vyapari.brokers.types import Tick
from vyapari.brokers.upstox.config import UpstoxConfig
from vyapari.brokers.upstox.parsing import InstrumentMap
from vyapari.core.errors import InvalidInput
from vyapari.core.money import to_decimal
from vyapari.core.time import IST

if TYPE_CHECKING:
    from vyapari.brokers.upstox.streamer import ServiceStreamerV3

log = get_logger(__name__)

MODES = ("ltpc", "full", "full_d30")
"""Subscription modes whose feeds :func:`parse_feed` decodes (``ltpc``, or ``fullFeed.marketFF``)."""


def _feed_tick(name: str, feed: Any) -> Tick | None:
    if feed.HasField("ltpc"):
        ltpc, volume = feed.ltpc, 0
    elif feed.HasField("fullFeed") and feed.fullFeed.HasField("marketFF"):
        ltpc, volume = feed.fullFeed.marketFF.ltpc, int(feed.fullFeed.marketFF.vtt)
    else:
        return None
    if not ltpc.ltp > 0 or ltpc.ltt <= 0:
        raise ValueError("feed without a positive price and a trade time")
    at = datetime.fromtimestamp(ltpc.ltt / 1000, tz=IST)
    return Tick(name, to_decimal(float(ltpc.ltp)), at, volume, int(ltpc.ltq))


def parse_feed(payload: bytes, names: InstrumentMap) -> tuple[list[Tick], int]:
    """Ticks in one ``FeedResponse`` frame and the number of malformed feeds skipped."""
    from upstox_client.feeder.proto import MarketDataFeedV3_pb2

    message = MarketDataFeedV3_pb2.FeedResponse.FromString(payload)
    ticks: list[Tick] = []
    bad = 0
    for key, feed in message.feeds.items():
        name = names.by_key.get(key)
        if name is None:
            continue
        try:
            tick = _feed_tick(name, feed)
        except ValueError:
            bad += 1
            continue
        if tick is not None:
            ticks.append(tick)
    return ticks, bad


class UpstoxTickStream(TickStream):
    """Upstox ticks for instrument ids over ``MarketDataStreamerV3`` (see module doc).

    Parameters
    ----------
    config : UpstoxConfig
        ``ws_url`` is the feed socket.
    session : SessionProvider
        Read at every (re)connect for the bearer token.
    key_of : Callable[[str], str]
        ``key_of(instrument_id)`` gives the instrument key (``NSE_EQ|<ISIN>``).
    names : InstrumentMap
        Instrument key → instrument id, for decoding.
    mode : str
        One of :data:`MODES`.

    Attributes
    ----------
    reconnect_s : float
        Seconds between reconnection attempts (the SDK's ``interval``).
    retry_count : int
        Failed attempts in a row after which a warning is logged (the SDK's ``retry_count``; the
        attempts then go on).
    unauthorized_wait_s : float
        Seconds between attempts while the feed answers 401 (until a new login replaces the token).
    """

    reconnect_s: float = 1.0
    retry_count: int = 60
    unauthorized_wait_s: float = 30.0

    def __init__(self, config: UpstoxConfig, session: SessionProvider,
                 key_of: Callable[[str], str], names: InstrumentMap, mode: str = "full") -> None:
        if mode not in MODES:
            raise InvalidInput("mode", f"{mode!r} is not one of {', '.join(MODES)}")
        super().__init__()
        self.config = config
        self.session = session
        self.key_of = key_of
        self.names = names
        self.mode = mode
        self._streamer: ServiceStreamerV3 | None = None

    @property
    def streamer(self) -> ServiceStreamerV3 | None:
        """The SDK streamer under this stream (``None`` before :meth:`connect`); a new one after
        :meth:`close` and :meth:`connect`. Extra listeners may be added with its ``on``."""
        return self._streamer

    def _open(self) -> None:
        if self._streamer is None or self._streamer.closed:
            self._streamer = self._new_streamer()
        self._streamer.connect()

    def _new_streamer(self) -> ServiceStreamerV3:
        from vyapari.brokers.upstox.streamer import ServiceStreamerV3, SessionAuth

        streamer = ServiceStreamerV3(
            self.config.ws_url, SessionAuth(self.session), self.mode, interval_s=self.reconnect_s,
            retry_count=self.retry_count, unauthorized_wait_s=self.unauthorized_wait_s,
        )
        event = streamer.Event
        streamer.on(event["OPEN"], self.handle_open)
        streamer.on(event["CLOSE"], lambda code, _reason: self.handle_close(f"code {code}"))
        streamer.on(event["MESSAGE"], self.handle_message)
        streamer.on(event["ERROR"], lambda error: log.debug("tick socket error: %s", type(error).__name__))
        streamer.on(event["RECONNECTING"], lambda message: log.debug("tick socket: %s", message))
        return streamer

    def _close(self) -> None:
        if self._streamer is not None:
            self._streamer.close()

    def _drop(self) -> None:
        """Cut the socket as a network drop would; the streamer's auto-reconnect opens a new one and
        :meth:`handle_open` resubscribes. Opens a new streamer if there is none or it was closed."""
        if self._streamer is None or self._streamer.closed:
            self._open()
        else:
            self._streamer.drop()

    def _send_subscribe(self, instrument_ids: Sequence[str]) -> None:
        keys = [self.key_of(i) for i in instrument_ids]
        self._send("subscribe", keys, lambda streamer: streamer.subscribe(keys, self.mode))

    def _send_unsubscribe(self, instrument_ids: Sequence[str]) -> None:
        keys = [self.key_of(i) for i in instrument_ids]
        self._send("unsubscribe", keys, lambda streamer: streamer.unsubscribe(keys))

    def _send(self, what: str, keys: list[str], send: Callable[[ServiceStreamerV3], None]) -> None:
        """Send through the streamer; a socket gone meanwhile is logged (the subscription set is
        sent again on the next open)."""
        streamer = self._streamer
        if streamer is None:
            return
        try:
            send(streamer)
        except Exception as exc:  # the SDK raises a bare Exception when the socket is not open
            log.warning("tick %s of %d instruments not sent (%s); the next open sends the set",
                        what, len(keys), type(exc).__name__)

    def _decode(self, payload: bytes | str) -> tuple[list[Tick], int]:
        if isinstance(payload, str):
            return [], 0
        return parse_feed(payload, self.names)
