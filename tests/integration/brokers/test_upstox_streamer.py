"""UpstoxTickStream on the SDK's real MarketDataStreamerV3 against a local fake feed socket:
bearer header, binary JSON subscriptions, protobuf frames to ticks, malformed frames counted, and
reconnection that outlasts drops, clean closes, outages, 401s and watchdog cuts until close()."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fake_ws import FakeWebSocketServer, _frame

from vyapari.brokers.secrets import InMemorySecretsStore
from vyapari.brokers.session import BrokerSession, SessionProvider
from vyapari.brokers.types import InstrumentInfo, Tick
from vyapari.brokers.upstox.config import UpstoxConfig
from vyapari.brokers.upstox.parsing import InstrumentMap
from vyapari.brokers.upstox.ticks import UpstoxTickStream
from vyapari.core.time import IST

INFY, TCS = "NSE_EQ|INE009A01021", "NSE_EQ|INE467B01029"
TOKEN = "upstox-feed-token-7f3a9c2e"
AT_0915 = dt.datetime(2026, 1, 5, 9, 15, tzinfo=IST)  # ltt 1767584700000 ms


class FeedServer(FakeWebSocketServer):
    """The fake socket, plus a clean close by the server and an outage of the listener itself."""

    sock: socket.socket
    url: str

    def close_normally(self, code: int = 1000) -> None:
        """Send a close frame with ``code``, as a server ending the session cleanly does."""
        assert self._conn is not None
        self._conn.sendall(_frame(8, code.to_bytes(2, "big")))

    def go_down(self) -> None:
        """Stop listening and drop the client: connection attempts are refused."""
        self.port = self.sock.getsockname()[1]
        self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close() alone would not
        self.sock.close()
        self.drop()

    def come_back(self) -> None:
        """Listen again on the same port."""
        self.sock = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    fake = FeedServer()
    yield fake
    fake.close()


def _provider(token: str = TOKEN) -> SessionProvider:
    provider = SessionProvider("upstox", InMemorySecretsStore())
    provider.save(BrokerSession.issued("upstox", token, dt.datetime.now(IST)))
    return provider


def _stream(url: str, provider: SessionProvider | None = None) -> UpstoxTickStream:
    names = InstrumentMap()
    names.add([InstrumentInfo("NSE:INFY", INFY), InstrumentInfo("NSE:TCS", TCS)])
    config = UpstoxConfig("upstox-client-0001", ws_url=url)
    stream = UpstoxTickStream(config, provider or _provider(), lambda i: names.by_id[i].broker_token, names)
    stream.reconnect_s = 0.05
    return stream


def _requests(server: FakeWebSocketServer, connection: int) -> list[dict[str, Any]]:
    return [json.loads(payload) for number, payload in server.received if number == connection]


def _subscribed(server: FakeWebSocketServer, connection: int) -> list[list[str]]:
    return [r["data"]["instrumentKeys"] for r in _requests(server, connection) if r["method"] == "sub"]


def _ltpc_frame(key: str, ltp: float, ltt_ms: int, ltq: int = 3) -> bytes:
    from upstox_client.feeder.proto import MarketDataFeedV3_pb2 as pb

    message = pb.FeedResponse()
    ltpc = message.feeds[key].ltpc
    ltpc.ltp, ltpc.ltt, ltpc.ltq = ltp, ltt_ms, ltq
    return message.SerializeToString()


def _full_frame(key: str, ltp: float, ltt_ms: int, ltq: int, day_volume: int) -> bytes:
    from upstox_client.feeder.proto import MarketDataFeedV3_pb2 as pb

    message = pb.FeedResponse()
    market = message.feeds[key].fullFeed.marketFF
    market.ltpc.ltp, market.ltpc.ltt, market.ltpc.ltq = ltp, ltt_ms, ltq
    market.vtt = day_volume
    return message.SerializeToString()


def _connected(server: FeedServer, stream: UpstoxTickStream, ids: list[str]) -> None:
    stream.subscribe(ids)
    stream.connect()
    server.wait_for(lambda: len(_subscribed(server, 1)) == 1)


def test_connect_sends_bearer_header_and_binary_json_subscriptions(server: FeedServer) -> None:
    stream = _stream(server.url)
    _connected(server, stream, ["NSE:TCS", "NSE:INFY"])
    try:
        stream.unsubscribe(["NSE:TCS"])
        server.wait_for(lambda: len(_requests(server, 1)) == 2)
        subscriptions = stream.streamer.subscriptions if stream.streamer else {}
    finally:
        stream.close()
    assert server.headers[0]["authorization"] == f"Bearer {TOKEN}"
    sub, unsub = _requests(server, 1)
    assert server.opcodes[:2] == [2, 2]  # binary frames, as Upstox requires
    assert sub["method"] == "sub" and sub["data"] == {"instrumentKeys": [INFY, TCS], "mode": "full"}
    assert unsub["method"] == "unsub" and unsub["data"] == {"instrumentKeys": [TCS]}
    assert sub["guid"] != unsub["guid"]
    assert subscriptions["full"] == {INFY}  # the SDK's own bookkeeping follows ours
    assert stream.subscriptions == frozenset({"NSE:INFY"})


def test_feed_frames_decode_to_ticks_with_prices_times_and_volumes(server: FeedServer) -> None:
    stream = _stream(server.url)
    ticks: list[Tick] = []
    stream.on_tick(ticks.append)
    _connected(server, stream, ["NSE:INFY", "NSE:TCS"])
    try:
        server.send_binary(_ltpc_frame(INFY, 1500.5, 1767584700000, ltq=3))
        server.send_binary(_full_frame(TCS, 3500.25, 1767584701500, ltq=7, day_volume=123456))
        server.send_binary(_ltpc_frame("NSE_EQ|UNKNOWN", 10.0, 1767584700000))  # not ours: ignored
        server.wait_for(lambda: len(ticks) == 2)
    finally:
        stream.close()
    assert ticks[0] == Tick("NSE:INFY", Decimal("1500.5"), AT_0915, 0, 3)
    assert ticks[1] == Tick("NSE:TCS", Decimal("3500.25"), AT_0915 + dt.timedelta(seconds=1.5), 123456, 7)
    assert stream.malformed == 0 and stream.received == 2


def test_malformed_frames_and_feeds_are_counted_and_skipped(server: FeedServer) -> None:
    stream = _stream(server.url)
    ticks: list[Tick] = []
    stream.on_tick(ticks.append)
    _connected(server, stream, ["NSE:INFY"])
    try:
        server.send_binary(b"\xff\xff\xff")  # not a FeedResponse
        server.send_binary(_ltpc_frame(INFY, 0.0, 0))  # a feed without price or time
        server.send_binary(_ltpc_frame(INFY, 1501.0, 1767584700000))
        server.wait_for(lambda: len(ticks) == 1)
    finally:
        stream.close()
    assert stream.malformed == 2
    assert ticks[0].price == Decimal("1501")
    assert server.connections == 1  # a bad frame does not cost the connection


def test_server_drop_reconnects_and_resubscribes(server: FeedServer) -> None:
    stream = _stream(server.url)
    ticks: list[Tick] = []
    reconnects: list[int] = []
    stream.on_tick(ticks.append)
    stream.on_reconnect(reconnects.append)
    _connected(server, stream, ["NSE:INFY", "NSE:TCS"])
    try:
        server.drop()
        server.wait_for(lambda: _subscribed(server, 2) == [[INFY, TCS]])
        server.wait_for(lambda: reconnects == [1])
        server.send_binary(_ltpc_frame(TCS, 3500.0, 1767584700000))
        server.wait_for(lambda: len(ticks) == 1)
    finally:
        stream.close()
    assert stream.reconnects == 1 and ticks[0].instrument_id == "NSE:TCS"


def test_clean_close_by_the_server_reconnects_too(server: FeedServer) -> None:
    """The SDK alone takes a 1000 close from the server as the end and never reconnects."""
    stream = _stream(server.url)
    _connected(server, stream, ["NSE:INFY"])
    try:
        server.close_normally(1000)
        server.wait_for(lambda: _subscribed(server, 2) == [[INFY]])
    finally:
        stream.close()
    assert stream.reconnects == 1


def test_watchdog_reconnect_opens_a_new_socket_and_resubscribes(server: FeedServer) -> None:
    stream = _stream(server.url)
    ticks: list[Tick] = []
    stream.on_tick(ticks.append)
    _connected(server, stream, ["NSE:INFY", "NSE:TCS"])
    try:
        stream.reconnect()  # the server never closed this socket
        server.wait_for(lambda: _subscribed(server, 2) == [[INFY, TCS]])
        server.send_binary(_ltpc_frame(INFY, 1502.0, 1767584700000))
        server.wait_for(lambda: len(ticks) == 1)
    finally:
        stream.close()
    assert stream.reconnects == 1 and server.connections == 2


def test_reconnection_outlasts_many_refused_handshakes(
    server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """12 refusals in a row: more than the SDK's default 5 attempts and 3 rounds of ``retry_count``."""
    stream = _stream(server.url)
    stream.retry_count = 3
    _connected(server, stream, ["NSE:INFY"])
    server.refuse = lambda _headers: "503 Service Unavailable" if len(server.headers) <= 13 else None
    caplog.set_level(logging.WARNING, logger="vyapari")
    try:
        server.drop()
        server.wait_for(lambda: _subscribed(server, 2) == [[INFY]], timeout=15)
    finally:
        stream.close()
    assert len(server.headers) == 14  # the first connection, 12 refusals, the reconnection
    assert "market-data feed still down" in caplog.text  # the SDK's autoReconnectStopped, re-armed


def test_reconnection_outlasts_a_listener_outage(server: FeedServer) -> None:
    """Connection refused (nothing listening) for more than the SDK's default 5 attempts."""
    stream = _stream(server.url)
    _connected(server, stream, ["NSE:INFY"])
    attempts: list[str] = []
    assert stream.streamer is not None
    stream.streamer.on("reconnecting", attempts.append)
    try:
        server.go_down()
        server.wait_for(lambda: len(attempts) >= 8, timeout=15)
        server.come_back()
        server.wait_for(lambda: _subscribed(server, 2) == [[INFY]], timeout=15)
    finally:
        stream.close()
    assert stream.reconnects == 1


def test_a_refused_token_is_retried_with_the_token_of_a_new_login(server: FeedServer) -> None:
    """The SDK alone stops for good after a 401; the daily login may store a new token."""
    provider = _provider("upstox-expired-token-01")
    stream = _stream(server.url, provider)
    stream.unauthorized_wait_s = 0.05
    server.refuse = lambda h: "401 Unauthorized" if h["authorization"].endswith("expired-token-01") else None
    stream.subscribe(["NSE:INFY"])
    stream.connect()
    try:
        server.wait_for(lambda: len(server.headers) >= 3)
        provider.save(BrokerSession.issued("upstox", "upstox-renewed-token-02", dt.datetime.now(IST)))
        server.wait_for(lambda: _subscribed(server, 1) == [[INFY]], timeout=10)
    finally:
        stream.close()
    tokens = [h["authorization"] for h in server.headers]
    assert set(tokens[:-1]) == {"Bearer upstox-expired-token-01"}
    assert tokens[-1] == "Bearer upstox-renewed-token-02"


def _feed_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "upstox-market-data"]


def test_close_stops_every_attempt_and_leaves_no_thread(server: FeedServer) -> None:
    before = set(threading.enumerate())
    stream = _stream(server.url)
    _connected(server, stream, ["NSE:INFY"])
    assert all(t.daemon for t in _feed_threads())  # the SDK's own feeder thread is not a daemon
    server.refuse = lambda _headers: "503 Service Unavailable"
    server.drop()
    server.wait_for(lambda: len(server.headers) >= 4)  # in the middle of reconnecting
    stream.close()
    seen = len(server.headers)
    time.sleep(0.5)  # ten reconnection intervals
    assert len(server.headers) == seen
    assert not any(t.is_alive() for t in _feed_threads())
    assert [t for t in set(threading.enumerate()) - before if not t.daemon] == []


def test_close_of_a_connected_stream_does_not_reconnect(server: FeedServer) -> None:
    stream = _stream(server.url)
    _connected(server, stream, ["NSE:INFY"])
    stream.close()
    time.sleep(0.5)
    assert server.connections == 1 and len(server.headers) == 1
    assert not any(t.is_alive() for t in _feed_threads())
    assert not stream.connected


def test_the_token_never_reaches_the_logs(
    server: FeedServer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checked with the redacting filter made a no-op: nothing here may log the token at all."""
    monkeypatch.setattr("vyapari.brokers.redact.redact", str)
    caplog.set_level(logging.DEBUG)
    provider = _provider("upstox-log-token-3b8d1e")
    stream = _stream(server.url, provider)
    stream.unauthorized_wait_s = 0.05
    server.refuse = lambda _h: "401 Unauthorized" if len(server.headers) <= 2 else None
    stream.subscribe(["NSE:INFY"])
    stream.connect()
    try:
        server.wait_for(lambda: _subscribed(server, 1) == [[INFY]], timeout=10)
        server.drop()
        server.wait_for(lambda: _subscribed(server, 2) == [[INFY]])
        stream.reconnect()
        server.wait_for(lambda: _subscribed(server, 3) == [[INFY]])
    finally:
        stream.close()
    assert "refused the session (401)" in caplog.text and "reconnected" in caplog.text
    assert "upstox-log-token-3b8d1e" not in caplog.text


# ----- TLS -------------------------------------------------------------------------------------------
def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by itself, and its key (PEM files)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake upstox feed")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "feed.pem", directory / "feed.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ))
    return cert_file, key_file


class TlsFeedServer(FeedServer):
    """The fake socket behind TLS (``wss://``) with a self-signed certificate."""

    def __init__(self, cert_file: Path, key_file: Path) -> None:
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert_file, key_file)
        self.tls_failures = 0
        super().__init__()
        self.url = self.url.replace("ws://", "wss://")

    def _serve(self, conn: socket.socket) -> None:
        try:
            wrapped = self.context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            self.tls_failures += 1
            return
        super()._serve(wrapped)


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[TlsFeedServer, Path]]:
    cert_file, key_file = _self_signed(tmp_path)
    fake = TlsFeedServer(cert_file, key_file)
    yield fake, cert_file
    fake.close()


def test_an_unverified_certificate_gets_no_token(tls_server: tuple[TlsFeedServer, Path]) -> None:
    """The SDK's own feeder connects with ``ssl.CERT_NONE``; ours refuses an untrusted certificate."""
    server, _ = tls_server
    stream = _stream(server.url)
    stream.subscribe(["NSE:INFY"])
    stream.connect()
    try:
        server.wait_for(lambda: server.tls_failures >= 2)
    finally:
        stream.close()
    assert server.headers == [] and server.connections == 0


def test_a_trusted_certificate_connects_over_tls(
    tls_server: tuple[TlsFeedServer, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, cert_file = tls_server
    monkeypatch.setenv("WEBSOCKET_CLIENT_CA_BUNDLE", str(cert_file))
    stream = _stream(server.url)
    _connected(server, stream, ["NSE:INFY"])
    stream.close()
    assert server.headers[0]["authorization"] == f"Bearer {TOKEN}"
    assert server.tls_failures == 0
