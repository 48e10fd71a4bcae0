"""KiteTickStream on the real ``kiteconnect.KiteTicker`` (Twisted + autobahn) against local servers.

The fake websocket server speaks Kite's documented protocol; the reactor is the process's one
Twisted reactor, shared by every test here (as it would be by every stream of a service).
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
from fake_ws import FakeWebSocketServer

from vyapari.brokers.errors import SessionExpired
from vyapari.brokers.secrets import InMemorySecretsStore
from vyapari.brokers.session import BrokerSession, SessionProvider
from vyapari.brokers.types import Tick
from vyapari.brokers.zerodha.config import KiteConfig
from vyapari.brokers.zerodha.ticks import KiteTickStream
from vyapari.core.time import IST

INFY, TCS, USDINR = 408065, 2953217, (1234 << 8) | 3  # USDINR: segment 3 (currency), prices ÷ 10⁷
TOKENS = {"NSE:INFY": str(INFY), "NSE:TCS": str(TCS), "CDS:USDINR": str(USDINR)}
API_KEY = "kitekey0001"


def _provider(token: str) -> SessionProvider:
    provider = SessionProvider("zerodha", InMemorySecretsStore())
    provider.save(BrokerSession.issued("zerodha", token, datetime.now(IST)))
    return provider


def _stream(ws_root: str, token: str = "kite-ticker-token-0001") -> KiteTickStream:
    stream = KiteTickStream(KiteConfig(API_KEY, ws_root=ws_root), _provider(token), TOKENS.__getitem__)
    stream.reconnect_s = 0.1
    return stream


@pytest.fixture
def ws() -> Iterator[FakeWebSocketServer]:
    server = FakeWebSocketServer()
    yield server
    server.close()


def _root(server: FakeWebSocketServer) -> str:
    return server.url.rstrip("/")


def ltp_packet(token: int, price: int) -> bytes:
    return struct.pack(">ii", token, price)


def quote_packet(token: int, price: int, last_qty: int, volume: int) -> bytes:
    """44 bytes: token, last price, last qty, average price, volume, buy qty, sell qty, OHLC."""
    return struct.pack(">11i", token, price, last_qty, price, volume, 0, 0, price, price, price, price)


def full_packet(token: int, price: int, last_qty: int, volume: int) -> bytes:
    """184 bytes: the quote fields, last trade time, OI (3), exchange time, then 10 depth entries."""
    depth = b"".join(struct.pack(">iih2x", 1, price, 1) for _ in range(10))
    return quote_packet(token, price, last_qty, volume) + struct.pack(">5i", 0, 0, 0, 0, 0) + depth


def frame(*packets: bytes) -> bytes:
    return struct.pack(">h", len(packets)) + b"".join(struct.pack(">h", len(p)) + p for p in packets)


def _messages(server: FakeWebSocketServer, connection: int) -> list[dict[str, Any]]:
    return [json.loads(payload) for number, payload in server.received if number == connection]


def _subscribes(server: FakeWebSocketServer, connection: int) -> list[list[int]]:
    return [m["v"] for m in _messages(server, connection) if m["a"] == "subscribe"]


def test_kite_ticker_subscribes_sets_mode_and_decodes_every_packet_layout(ws: FakeWebSocketServer) -> None:
    stream = _stream(_root(ws))
    ticks: list[Tick] = []
    stream.on_tick(ticks.append)
    stream.subscribe(["NSE:INFY", "NSE:TCS"])
    stream.connect()
    try:
        ws.wait_for(lambda: len(_messages(ws, 1)) == 2)
        assert _messages(ws, 1) == [
            {"a": "subscribe", "v": [INFY, TCS]},
            {"a": "mode", "v": ["full", [INFY, TCS]]},
        ]
        assert ws.request_lines[0] == f"GET /?api_key={API_KEY}&access_token=kite-ticker-token-0001 HTTP/1.1"
        assert ws.headers[0]["x-kite-version"] == "3"
        assert ws.headers[0]["user-agent"].startswith("Kiteconnect-python/")

        stream.subscribe(["CDS:USDINR"])  # from this (engine) thread while connected
        stream.unsubscribe(["NSE:TCS"])
        ws.wait_for(lambda: len(_messages(ws, 1)) == 5)
        assert _messages(ws, 1)[2:] == [
            {"a": "subscribe", "v": [USDINR]},
            {"a": "mode", "v": ["full", [USDINR]]},
            {"a": "unsubscribe", "v": [TCS]},
        ]

        ws.send_binary(b"\x00")  # heartbeat
        ws.send_binary(frame(
            ltp_packet(INFY, 150050),
            b"\x01\x02\x03\x04\x05",  # no such layout: malformed, skipped
            quote_packet(TCS, 350000, 7, 1200),
            full_packet(USDINR, 832_512_500, 2, 90),
            ltp_packet(999, 100),  # not subscribed: ignored
            ltp_packet(INFY, 0),  # no price: malformed
        ))
        ws.wait_for(lambda: len(ticks) == 3 and stream.malformed == 2)
    finally:
        stream.close()
    assert [(t.instrument_id, t.price, t.last_quantity, t.volume) for t in ticks] == [
        ("NSE:INFY", Decimal("1500.5"), 0, 0),
        ("NSE:TCS", Decimal("3500"), 7, 1200),
        ("CDS:USDINR", Decimal("83.25125"), 2, 90),
    ]
    assert stream.received == 3 and not stream.connected


def test_server_drop_reconnects_with_the_latest_token_and_resubscribes_once(ws: FakeWebSocketServer) -> None:
    stream = _stream(_root(ws), token="kite-ticker-token-day1")
    reconnects: list[int] = []
    ticks: list[Tick] = []
    stream.on_reconnect(reconnects.append)
    stream.on_tick(ticks.append)
    stream.subscribe(["NSE:INFY", "NSE:TCS"])
    stream.connect()
    try:
        ws.wait_for(lambda: len(_subscribes(ws, 1)) == 1)
        later = datetime.now(IST) + timedelta(seconds=1)
        stream.session.save(BrokerSession.issued("zerodha", "kite-ticker-token-day2", later))
        ws.drop()
        ws.wait_for(lambda: len(_messages(ws, 2)) == 2)
        ws.wait_for(lambda: reconnects == [1])
        ws.send_binary(frame(ltp_packet(TCS, 350100)))
        ws.wait_for(lambda: len(ticks) == 1)
    finally:
        stream.close()
    assert "access_token=kite-ticker-token-day2 " in ws.request_lines[1]
    assert _messages(ws, 2) == [  # ours only: KiteTicker's own resubscription stays off
        {"a": "subscribe", "v": [INFY, TCS]},
        {"a": "mode", "v": ["full", [INFY, TCS]]},
    ]
    assert stream.reconnects == 1 and ticks[0].price == Decimal("3501")


def test_watchdog_reconnect_cuts_the_socket_and_the_ticker_comes_back(ws: FakeWebSocketServer) -> None:
    stream = _stream(_root(ws))
    stream.subscribe(["NSE:INFY"])
    stream.connect()
    try:
        ws.wait_for(lambda: len(_subscribes(ws, 1)) == 1)
        for attempt in (2, 3):
            stream.reconnect()
            ws.wait_for(lambda n=attempt: _subscribes(ws, n) == [[INFY]])
            ws.wait_for(lambda n=attempt: stream.opens == n)
    finally:
        stream.close()
    assert ws.connections == 3 and stream.reconnects == 2


def test_watchdog_reconnect_restarts_a_ticker_that_gave_up(
    ws: FakeWebSocketServer, caplog: pytest.LogCaptureFixture
) -> None:
    ws.refuse = lambda _headers: "503 Service Unavailable"
    stream = _stream(_root(ws))
    stream.reconnect_tries = 1  # the first attempt and one retry, then KiteTicker gives up
    stream.subscribe(["NSE:INFY"])
    stream.connect()
    try:
        ws.wait_for(lambda: "gave up" in caplog.text)
        assert len(ws.request_lines) == 2 and not stream.opens
        ws.refuse = None
        stream.reconnect()
        ws.wait_for(lambda: _subscribes(ws, 1) == [[INFY]])
    finally:
        stream.close()
    assert len(ws.request_lines) == 3 and stream.opens == 1


def test_streams_in_sequence_reuse_the_one_reactor_thread(ws: FakeWebSocketServer) -> None:
    for number in (1, 2, 3):
        stream = _stream(_root(ws))
        ticks: list[Tick] = []
        stream.on_tick(ticks.append)
        stream.subscribe(["NSE:INFY"])
        stream.connect()
        try:
            ws.wait_for(lambda n=number: len(_messages(ws, n)) == 2)
            ws.send_binary(frame(ltp_packet(INFY, 150000 + number)))
            ws.wait_for(lambda t=ticks: len(t) == 1)
        finally:
            stream.close()
        assert ticks[0].price == Decimal(150000 + number) / 100
    reactors = [t for t in threading.enumerate() if t.name == "twisted-reactor"]
    assert len(reactors) == 1 and reactors[0].daemon


def test_close_leaves_no_reconnection_behind(ws: FakeWebSocketServer) -> None:
    stream = _stream(_root(ws))
    stream.subscribe(["NSE:INFY"])
    stream.connect()
    ws.wait_for(lambda: len(_subscribes(ws, 1)) == 1)
    ws.drop()  # the ticker would reconnect after about 0.1 s …
    stream.close()  # … but is closed for good first, or right after that reconnection
    time.sleep(0.3)
    settled = ws.connections
    time.sleep(1.5)  # ≥ 10 retry delays of 0.1 s: any retry left would have connected by now
    assert ws.connections == settled <= 2
    assert not stream.connected


def test_subscribing_an_unknown_instrument_raises_in_the_caller() -> None:
    stream = _stream("ws://127.0.0.1:9")
    with pytest.raises(KeyError):
        stream.subscribe(["NSE:NOSUCH", "NSE:INFY"])
    assert stream.subscriptions == frozenset()


def test_connect_without_a_valid_session_raises_in_the_caller() -> None:
    provider = SessionProvider("zerodha", InMemorySecretsStore())
    stream = KiteTickStream(KiteConfig(API_KEY, ws_root="ws://127.0.0.1:9"), provider, TOKENS.__getitem__)
    with pytest.raises(SessionExpired, match="vyapari login"):
        stream.connect()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _TwistedEvents:
    """Every Twisted log event, formatted raw (before any redaction), failures included."""

    def __init__(self) -> None:
        from twisted.logger import formatEvent

        self.texts: list[str] = []
        self._format = formatEvent

    def __call__(self, event: dict[str, Any]) -> None:
        text = self._format(event)
        failure = event.get("log_failure")
        if failure is not None:
            text += failure.getTraceback()
        self.texts.append(text)


def test_the_token_never_reaches_logs_twisted_events_or_output(
    ws: FakeWebSocketServer, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    from twisted.logger import ILogObserver, globalLogPublisher

    secret = "kite-leak-check-token-7f3a9"
    caplog.set_level(logging.DEBUG)
    events = _TwistedEvents()
    observer = cast(ILogObserver, events)  # zope interfaces are structural at run time
    globalLogPublisher.addObserver(observer)
    refused = _stream(f"ws://127.0.0.1:{_free_port()}", token=secret)  # nothing listens there
    rejected = FakeWebSocketServer()
    rejected.refuse = lambda _headers: "403 Forbidden"
    denied = _stream(_root(rejected), token=secret)
    live = _stream(_root(ws), token=secret)
    try:
        for stream in (refused, denied, live):
            stream.subscribe(["NSE:INFY"])
            stream.connect()
        ws.wait_for(lambda: len(_subscribes(ws, 1)) == 1)
        ws.drop()
        ws.wait_for(lambda: len(_subscribes(ws, 2)) == 1)
        live.reconnect()
        ws.wait_for(lambda: len(_subscribes(ws, 3)) == 1)
        rejected.wait_for(lambda: len(rejected.request_lines) >= 2)
        ws.wait_for(lambda: "Retrying connection" in caplog.text)  # kiteconnect, after refusals
    finally:
        for stream in (refused, denied, live):
            stream.close()
        rejected.close()
        globalLogPublisher.removeObserver(observer)
    out, err = capfd.readouterr()
    assert f"access_token={secret}" in rejected.request_lines[0]  # it was sent, to the server only
    assert caplog.records and events.texts  # the ticker path did log, through both systems
    for text in (caplog.text, "\n".join(events.texts), out, err):
        assert secret not in text
        assert API_KEY not in text


def _self_signed_localhost(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(IST)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ))
    return cert_path, key_path


def test_wss_sends_nothing_to_a_server_whose_certificate_is_untrusted(tmp_path: Path) -> None:
    """KiteTicker.connect() would accept any certificate; the stream checks it before the URL
    (with the token) leaves."""
    cert, key = _self_signed_localhost(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    outcomes: list[str] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.settimeout(5)
                    outcomes.append("request: " + tls.recv(4096).decode(errors="replace"))
            except (ssl.SSLError, OSError) as exc:
                outcomes.append(f"refused: {exc}")

    threading.Thread(target=serve, daemon=True).start()
    stream = _stream(f"wss://localhost:{listener.getsockname()[1]}", token="kite-tls-token-0001")
    stream.connect()
    try:
        deadline = time.monotonic() + 15
        while len(outcomes) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        stream.close()
        listener.close()
    assert len(outcomes) >= 2, outcomes
    assert all(o.startswith("refused:") for o in outcomes), outcomes
    assert any("unknown ca" in o.lower() or "certificate" in o.lower() for o in outcomes), outcomes
    assert not stream.opens


EXIT_SCRIPT = """
import sys, time
from datetime import datetime
from vyapari.brokers.secrets import InMemorySecretsStore
from vyapari.brokers.session import BrokerSession, SessionProvider
from vyapari.brokers.zerodha.config import KiteConfig
from vyapari.brokers.zerodha.ticks import KiteTickStream
from vyapari.core.time import IST

provider = SessionProvider("zerodha", InMemorySecretsStore())
provider.save(BrokerSession.issued("zerodha", "kite-exit-token-0001", datetime.now(IST)))
stream = KiteTickStream(KiteConfig("kitekey0001", ws_root=sys.argv[1]), provider, lambda _id: "408065")
stream.subscribe(["NSE:INFY"])
stream.connect()
deadline = time.monotonic() + 20
while not stream.connected and time.monotonic() < deadline:
    time.sleep(0.01)
print("open" if stream.connected else "never opened", flush=True)
"""


def test_a_process_with_a_live_stream_still_exits(ws: FakeWebSocketServer) -> None:
    """The reactor thread and the thread pool that resolves ``localhost`` are daemons, so a
    service (or pytest) that ends without closing the stream is not kept alive by them."""
    port = ws.url.rsplit(":", 1)[1].rstrip("/")
    done = subprocess.run(
        [sys.executable, "-c", EXIT_SCRIPT, f"ws://localhost:{port}"],
        capture_output=True, text=True, timeout=90, check=False,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "open"), done.stderr[-2000:]
    assert _subscribes(ws, 1) == [[INFY]]
