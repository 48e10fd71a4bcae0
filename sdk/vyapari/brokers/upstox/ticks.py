"""Upstox's v3 market-data feed: JSON subscription requests, protobuf ``FeedResponse`` frames.

Protocol (upstox.com/developer/api-documentation/v3/get-market-data-feed): connect to
``UPSTOX_WS_URL`` with ``Authorization: Bearer <token>``; send, as a *binary* frame,
``{"guid": …, "method": "sub" | "unsub", "data": {"mode": "ltpc" | "full", "instrumentKeys": [...]}}``;
frames are ``FeedResponse`` messages of the SDK's bundled ``MarketDataFeedV3.proto``:
``feeds[instrument_key]`` holds ``ltpc`` (``ltp`` ₹, ``ltt`` ms since epoch, ``ltq``) or
``fullFeed.marketFF.ltpc`` (+ ``vtt``, the day's volume).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from vyapari.brokers.session import SessionProvider
from vyapari.brokers.types import Tick
from vyapari.brokers.upstox.config import UpstoxConfig
from vyapari.brokers.upstox.parsing import InstrumentMap
from vyapari.brokers.wsclient import WebSocketTickStream
from vyapari.core.money import to_decimal
from vyapari.core.time import IST


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


class UpstoxTickStream(WebSocketTickStream):
    """Upstox ticks for instrument ids; ``key_of(instrument_id)`` gives the instrument key."""

    def __init__(self, config: UpstoxConfig, session: SessionProvider,
                 key_of: Callable[[str], str], names: InstrumentMap, mode: str = "full") -> None:
        super().__init__()
        self.config = config
        self.session = session
        self.key_of = key_of
        self.names = names
        self.mode = mode

    def _url(self) -> str:
        return self.config.ws_url

    def _headers(self) -> list[str]:
        return [f"Authorization: Bearer {self.session.current().access_token}"]

    def _request(self, method: str, instrument_ids: Sequence[str]) -> bytes:
        data: dict[str, Any] = {"instrumentKeys": [self.key_of(i) for i in instrument_ids]}
        if method == "sub":
            data["mode"] = self.mode
        return json.dumps({"guid": uuid.uuid4().hex, "method": method, "data": data}).encode()

    def _send_subscribe(self, instrument_ids: Sequence[str]) -> None:
        self._send_binary(self._request("sub", instrument_ids))

    def _send_unsubscribe(self, instrument_ids: Sequence[str]) -> None:
        self._send_binary(self._request("unsub", instrument_ids))

    def _decode(self, payload: bytes | str) -> tuple[list[Tick], int]:
        if isinstance(payload, str):
            return [], 0
        return parse_feed(payload, self.names)
