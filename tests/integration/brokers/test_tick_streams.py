"""Kite (binary packets) and Upstox (protobuf) tick streams against a fake websocket server:
drop and reconnect resubscribes every instrument; malformed ticks are counted and skipped."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import pytest
from fake_ws import FakeWebSocketServer

from vyapari.brokers.secrets import InMemorySecretsStore
from vyapari.brokers.session import BrokerSession, SessionProvider
from vyapari.brokers.types import InstrumentInfo, Tick
from vyapari.brokers.upstox.config import UpstoxConfig
from vyapari.brokers.upstox.parsing import InstrumentMap
from vyapari.brokers.upstox.ticks import UpstoxTickStream
from vyapari.brokers.zerodha.config import KiteConfig
from vyapari.brokers.zerodha.ticks import KiteTickStream
from vyapari.core.time import IST

TOKENS = {"NSE:INFY": "408065", "NSE:TCS": "2953217"}


def _provider(broker: str) -> SessionProvider:
    now = datetime.now(IST)
    provider = SessionProvider(broker, InMemorySecretsStore())
    provider.save(BrokerSession.issued(broker, f"{broker}-ws-token-0001", now))
    return provider


@pytest.fixture
def ws() -> Iterator[FakeWebSocketServer]:
    server = FakeWebSocketServer()
    yield server
    server.close()


def kite_quote_packet(token: int, ltp_paise: int, last_qty: int, volume: int) -> bytes:
    """A 44-byte quote packet as documented by Kite (big-endian int32 fields)."""
    return struct.pack(
        ">11i",
        token,
        ltp_paise,
        last_qty,
        ltp_paise,
        volume,
        0,
        0,
        ltp_paise,
        ltp_paise,
        ltp_paise,
        ltp_paise,
    )


def kite_frame(*packets: bytes) -> bytes:
    body = b"".join(struct.pack(">h", len(p)) + p for p in packets)
    return struct.pack(">h", len(packets)) + body


def _subscribed(ws: FakeWebSocketServer, connection: int) -> list[object]:
    out: list[object] = []
    for number, payload in ws.received:
        message = json.loads(payload)
        if number == connection and message.get("a", message.get("method")) in ("subscribe", "sub"):
            out.append(message["v"] if "v" in message else message["data"]["instrumentKeys"])
    return out


def test_kite_stream_resubscribes_after_drop_and_skips_malformed(ws: FakeWebSocketServer) -> None:
    config = KiteConfig("kitekey0001", ws_root=ws.url.rstrip("/"))
    stream = KiteTickStream(config, _provider("zerodha"), TOKENS.__getitem__)
    stream.reconnect_s = 0.1
    ticks: list[Tick] = []
    reconnects: list[int] = []
    stream.on_tick(ticks.append)
    stream.on_reconnect(reconnects.append)
    stream.subscribe(["NSE:INFY", "NSE:TCS"])
    stream.connect()
    try:
        ws.wait_for(lambda: len(_subscribed(ws, 1)) == 1)
        assert _subscribed(ws, 1) == [[408065, 2953217]]
        assert "access_token=zerodha-ws-token-0001" in ws.request_lines[0]
        ws.send_binary(kite_frame(kite_quote_packet(408065, 150050, 5, 1000), b"\x00\x01\x02"))
        ws.send_binary(b"\x00")  # heartbeat
        ws.wait_for(lambda: len(ticks) == 1 and stream.malformed == 1)
        ws.drop()
        ws.wait_for(lambda: len(_subscribed(ws, 2)) == 1)
        assert _subscribed(ws, 2) == [[408065, 2953217]]
        ws.wait_for(lambda: reconnects == [1])
        ws.send_binary(kite_frame(kite_quote_packet(2953217, 350000, 1, 10)))
        ws.wait_for(lambda: len(ticks) == 2)
    finally:
        stream.close()
    assert (ticks[0].instrument_id, ticks[0].price, ticks[0].last_quantity) == (
        "NSE:INFY",
        Decimal("1500.5"),
        5,
    )
    assert (ticks[1].instrument_id, ticks[1].price) == ("NSE:TCS", Decimal("3500"))


def _upstox_frame(key: str, ltp: float, ltt_ms: int) -> bytes:
    from upstox_client.feeder.proto import MarketDataFeedV3_pb2 as pb

    message = pb.FeedResponse()
    message.feeds[key].ltpc.ltp = ltp
    message.feeds[key].ltpc.ltt = ltt_ms
    message.feeds[key].ltpc.ltq = 3
    return message.SerializeToString()


def test_upstox_stream_decodes_protobuf_and_resubscribes(ws: FakeWebSocketServer) -> None:
    names = InstrumentMap()
    names.add([InstrumentInfo("NSE:INFY", "NSE_EQ|INE009A01021")])
    config = UpstoxConfig("upstox-client-0001", ws_url=ws.url)
    stream = UpstoxTickStream(config, _provider("upstox"), lambda i: names.by_id[i].broker_token, names)
    stream.reconnect_s = 0.1
    ticks: list[Tick] = []
    stream.on_tick(ticks.append)
    stream.subscribe(["NSE:INFY"])
    stream.connect()
    try:
        ws.wait_for(lambda: len(_subscribed(ws, 1)) == 1)
        assert ws.headers[0]["authorization"] == "Bearer upstox-ws-token-0001"
        ws.send_binary(_upstox_frame("NSE_EQ|INE009A01021", 1500.5, 1767584700000))
        ws.send_binary(b"\xff\xff\xff")  # not a FeedResponse
        ws.send_binary(_upstox_frame("NSE_EQ|INE009A01021", 0.0, 0))  # no price: malformed feed
        ws.wait_for(lambda: len(ticks) == 1 and stream.malformed == 2)
        ws.drop()
        ws.wait_for(lambda: _subscribed(ws, 2) == [["NSE_EQ|INE009A01021"]])
    finally:
        stream.close()
    assert ticks[0].price == Decimal("1500.5")
    assert ticks[0].received_at == datetime(2026, 1, 5, 9, 15, tzinfo=IST)


def test_reconnect_on_request_opens_a_new_socket_and_resubscribes(ws: FakeWebSocketServer) -> None:
    """The service's stale-feed watchdog calls ``reconnect()`` on a socket the server never closed."""
    config = KiteConfig("kitekey0001", ws_root=ws.url.rstrip("/"))
    stream = KiteTickStream(config, _provider("zerodha"), TOKENS.__getitem__)
    stream.reconnect_s = 0.1
    ticks: list[Tick] = []
    reconnects: list[int] = []
    stream.on_tick(ticks.append)
    stream.on_reconnect(reconnects.append)
    stream.subscribe(["NSE:INFY", "NSE:TCS"])
    stream.connect()
    try:
        ws.wait_for(lambda: len(_subscribed(ws, 1)) == 1)
        stream.reconnect()
        ws.wait_for(lambda: len(_subscribed(ws, 2)) == 1)
        assert _subscribed(ws, 2) == [[408065, 2953217]]
        ws.wait_for(lambda: reconnects == [1])
        ws.send_binary(kite_frame(kite_quote_packet(408065, 150100, 2, 10)))
        ws.wait_for(lambda: len(ticks) == 1)
    finally:
        stream.close()
    assert stream.reconnects == 1 and ticks[0].price == Decimal("1501")
