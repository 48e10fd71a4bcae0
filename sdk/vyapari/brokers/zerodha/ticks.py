"""Kite Connect's market-data socket: subscription messages and the binary tick layout.

Protocol (kite.trade/docs/connect/v3/websocket/): connect to
``<ws_root>?api_key=…&access_token=…``; send ``{"a": "subscribe", "v": [tokens]}`` and
``{"a": "mode", "v": ["full", [tokens]]}``. Binary frames: a 2-byte packet count, then for
each packet a 2-byte length and the packet; all integers big-endian signed 32-bit.
A 1-byte frame is a heartbeat. Packet layouts by length:

* 8 (LTP): token, last price;
* 28 / 32 (index quote / full): token, last price, high, low, open, close, change
  [, exchange timestamp];
* 44 / 184 (quote / full): token, last price, last traded quantity, average price,
  volume, total buy qty, total sell qty, open, high, low, close [, last trade time,
  OI, OI high, OI low, exchange timestamp, depth].

Prices are paise (÷ 100), except currency derivatives (segment 3: ÷ 10⁷) and BSE
currency (segment 6: ÷ 10⁴); the segment is ``token & 0xFF``. Text frames (order
updates, errors) carry no ticks and are ignored.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

from vyapari.brokers.session import SessionProvider
from vyapari.brokers.types import Tick
from vyapari.brokers.wsclient import WebSocketTickStream
from vyapari.brokers.zerodha.config import KiteConfig
from vyapari.core.time import IST

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


class KiteTickStream(WebSocketTickStream):
    """Kite ticks for instrument ids; ``token_of(instrument_id)`` gives Kite's instrument token."""

    def __init__(self, config: KiteConfig, session: SessionProvider,
                 token_of: Callable[[str], str], mode: str = "full") -> None:
        super().__init__()
        self.config = config
        self.session = session
        self.token_of = token_of
        self.mode = mode
        self._names: dict[int, str] = {}

    def _url(self) -> str:
        token = self.session.current().access_token
        return f"{self.config.ws_root}?api_key={self.config.api_key}&access_token={token}"

    def _tokens(self, instrument_ids: Sequence[str]) -> list[int]:
        tokens = []
        for ident in instrument_ids:
            token = int(self.token_of(ident))
            self._names[token] = ident
            tokens.append(token)
        return tokens

    def _send_subscribe(self, instrument_ids: Sequence[str]) -> None:
        tokens = self._tokens(instrument_ids)
        self._send_text(json.dumps({"a": "subscribe", "v": tokens}))
        self._send_text(json.dumps({"a": "mode", "v": [self.mode, tokens]}))

    def _send_unsubscribe(self, instrument_ids: Sequence[str]) -> None:
        self._send_text(json.dumps({"a": "unsubscribe", "v": self._tokens(instrument_ids)}))

    def _decode(self, payload: bytes | str) -> tuple[list[Tick], int]:
        if isinstance(payload, str):
            return [], 0
        return parse_frame(payload, dict(self._names), datetime.now(IST))
