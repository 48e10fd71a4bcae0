"""Paper trading on the live market: the real ``kiteconnect.KiteTicker`` and Upstox's
``MarketDataStreamerV3``, each against a local fake tick server, feed the live engine, whose orders
the simulated exchange fills; the feed drops and comes back mid-session, the kill switch squares off,
and the session's minute bars and ticks are in the lake afterwards.

The engine and stream are wired by :func:`vyapari.live.market_feed.market_stream` and
:func:`vyapari.live.recording.recorded` (what ``vyapari live --broker paper --feed ...`` runs);
the test moves the session's clock and drives :class:`LiveService` step by step, waiting for each
tick to arrive (no sleeps). Another test runs the real CLI in a subprocess up to its subscription.
"""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fake_kite import API_KEY, FakeKite
from fake_ws import FakeWebSocketServer

from vyapari.brokers.factory import make_broker
from vyapari.brokers.secrets import InMemorySecretsStore, LocalFileSecretsStore
from vyapari.brokers.session import BrokerSession, SessionProvider
from vyapari.core.time import IST
from vyapari.data.minute_store import read_minute_months
from vyapari.data.storage import LocalObjectStore
from vyapari.data.tickstore import ParquetTickStore
from vyapari.live.bars import SessionTable
from vyapari.live.engine import LiveConfig, LiveEngine
from vyapari.live.market_feed import market_stream
from vyapari.live.ports import InMemoryMetrics, InMemoryPublisher
from vyapari.live.recording import recorded
from vyapari.live.risk import engage_kill_switch
from vyapari.live.service import LiveService, ServiceConfig
from vyapari.live.store import InMemoryOrderStateStore
from vyapari.market.calendar import get_calendar
from vyapari.model.enums import ProductType, Side
from vyapari.model.intents import IntentState
from vyapari.strategy.context import StrategyContext
from vyapari.strategy.orders import OrderRequest
from vyapari.strategy.strategy import Strategy

INFY, TCS = 408065, 2953217
UPSTOX_INFY, UPSTOX_TCS = "NSE_EQ|INE009A01021", "NSE_EQ|INE467B01029"
TOKEN = "kite-feed-token-0001"
DAY = date(2026, 10, 30)
OPEN = datetime(2026, 10, 30, 9, 15, tzinfo=IST)
MINUTES = 12
DROP_AFTER = 4  # the feed drops after this minute's ticks
KILL_AFTER = 7  # the kill switch is engaged after this minute's ticks
LATE_BAR = 9  # the strategy buys again here, after the kill: blocked


class BuyEarly(Strategy):
    """Buys 10 INFY at bar 1 (filled at bar 2's open by the simulated exchange), again at LATE_BAR."""

    name = "buy_early"

    def __init__(self) -> None:
        super().__init__(product=ProductType.CNC)
        self.ids: dict[str, str] = {}

    def on_bar(self, ctx: StrategyContext) -> None:
        if ctx.bar_index == 1:
            self.ids["first"] = ctx.submit(OrderRequest("INFY", Side.BUY, 10))
        if ctx.bar_index == LATE_BAR:
            self.ids["late"] = ctx.submit(OrderRequest("INFY", Side.BUY, 5))


class Clock:
    """The session's clock (ticks are stamped with it), moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def quote(token: int, paise: int, qty: int) -> bytes:
    """A 44-byte Kite quote packet (token, last price, last quantity, average, volume, ..., OHLC)."""
    return struct.pack(">11i", token, paise, qty, paise, qty, 0, 0, paise, paise, paise, paise)


def frame(*packets: bytes) -> bytes:
    return struct.pack(">h", len(packets)) + b"".join(struct.pack(">h", len(p)) + p for p in packets)


def subscribes(ws: FakeWebSocketServer, connection: int) -> list[Any]:
    messages = [json.loads(p) for n, p in ws.received if n == connection]
    return [m["v"] for m in messages if m["a"] == "subscribe"]


@pytest.fixture
def kite() -> Iterator[tuple[FakeKite, FakeWebSocketServer]]:
    rest, ws = FakeKite(), FakeWebSocketServer()
    rest.tokens.add(TOKEN)
    rest.start()
    yield rest, ws
    ws.close()
    rest.stop()


def _settings(rest: FakeKite, ws: FakeWebSocketServer) -> dict[str, str]:
    port = rest.httpd.server_address[1]
    return {"BROKER": "paper", "KITE_API_KEY": API_KEY, "KITE_API_ROOT": f"http://127.0.0.1:{port}",
            "KITE_WS_ROOT": ws.url.rstrip("/")}


class KiteFeed:
    """Kite's side: binary quote packets (stamped on arrival by the stream's clock)."""

    name = "zerodha"

    def __init__(self, ws: FakeWebSocketServer, settings: dict[str, str]) -> None:
        self.ws, self.settings = ws, settings

    def subscribed(self, connection: int) -> bool:
        return subscribes(self.ws, connection) == [[INFY, TCS]]

    def send(self, at: datetime, infy: float, tcs: float | None, infy_qty: int) -> None:
        packets = [quote(INFY, round(infy * 100), infy_qty)]
        if tcs is not None:
            packets.append(quote(TCS, round(tcs * 100), 3))
        self.ws.send_binary(frame(*packets))


class UpstoxFeed:
    """Upstox's side: protobuf feeds carrying the exchange's last-trade time (``ltt``, ms)."""

    name = "upstox"
    keys = (UPSTOX_INFY, UPSTOX_TCS)

    def __init__(self, ws: FakeWebSocketServer, settings: dict[str, str]) -> None:
        self.ws, self.settings = ws, settings

    def subscribed(self, connection: int) -> bool:
        requests = [json.loads(p) for n, p in self.ws.received if n == connection]
        keys = [sorted(r["data"]["instrumentKeys"]) for r in requests if r["method"] == "sub"]
        return keys == [sorted(self.keys)]

    def send(self, at: datetime, infy: float, tcs: float | None, infy_qty: int) -> None:
        from upstox_client.feeder.proto import MarketDataFeedV3_pb2 as pb

        message = pb.FeedResponse()
        ltt = int(at.timestamp() * 1000)
        for key, price, qty in ((UPSTOX_INFY, infy, infy_qty), (UPSTOX_TCS, tcs, 3)):
            if price is not None:
                ltpc = message.feeds[key].ltpc
                ltpc.ltp, ltpc.ltt, ltpc.ltq = price, ltt, qty
        self.ws.send_binary(message.SerializeToString())


@pytest.fixture(params=["zerodha", "upstox"])
def feed(request: pytest.FixtureRequest) -> Iterator[KiteFeed | UpstoxFeed]:
    ws = FakeWebSocketServer()
    if request.param == "zerodha":
        kite_rest = FakeKite()
        kite_rest.tokens.add(TOKEN)
        kite_rest.start()
        yield KiteFeed(ws, _settings(kite_rest, ws))
        kite_rest.stop()
    else:
        from fake_upstox import API_KEY as UPSTOX_KEY
        from fake_upstox import FakeUpstox

        upstox_rest = FakeUpstox()
        root = upstox_rest.start()
        yield UpstoxFeed(ws, {"BROKER": "paper", "UPSTOX_API_KEY": UPSTOX_KEY, "UPSTOX_API_HOST": root,
                              "UPSTOX_INSTRUMENTS_URL": f"{root}/instruments.json", "UPSTOX_WS_URL": ws.url})
        upstox_rest.stop()
    ws.close()


def test_paper_orders_fill_on_a_live_feed_through_a_drop_and_the_kill_switch(
        feed: KiteFeed | UpstoxFeed, tmp_path: Path) -> None:
    ws = feed.ws
    secrets = InMemorySecretsStore()
    SessionProvider(feed.name, secrets).save(BrokerSession.issued(feed.name, TOKEN, datetime.now(IST)))
    broker = make_broker(feed.settings)  # the simulated exchange
    stream = market_stream(broker, feed.name, feed.settings, secrets=secrets)
    stream.reconnect_s = 0.1  # type: ignore[attr-defined]
    clock = Clock(OPEN - timedelta(minutes=5))
    if feed.name == "zerodha":
        stream.clock = clock  # type: ignore[attr-defined]
    store, metrics = InMemoryOrderStateStore(), InMemoryMetrics()
    engine = LiveEngine(BuyEarly(), broker, ["INFY", "TCS"], LiveConfig(run_id="feed-e2e", fees="zerodha"),
                        store, SessionTable(get_calendar("NSE").session_bounds),
                        publisher=InMemoryPublisher(), metrics=metrics)
    lake = LocalObjectStore(tmp_path / "lake")
    service = LiveService(engine, stream, config=ServiceConfig(poll_s=0.05, stale_feed_s=3600), clock=clock)

    def pump(ticks: int) -> None:
        """Step the service until ``ticks`` more ticks were taken (each wait ends on a tick)."""
        taken, deadline = 0, datetime.now() + timedelta(seconds=20)
        while taken < ticks:
            assert datetime.now() < deadline, f"only {taken} of {ticks} ticks arrived"
            taken += service.step(0.05)

    with recorded(engine, lake, ticks=True, stream=stream):
        service.start()
        try:
            ws.wait_for(lambda: feed.subscribed(1))  # subscribed: the readiness signal
            for minute in range(MINUTES):
                if minute == DROP_AFTER + 1:
                    ws.drop()  # no close frame, as a network failure
                    ws.wait_for(lambda: feed.subscribed(2))  # reconnected and resubscribed
                if minute == KILL_AFTER + 1:
                    engage_kill_switch(store, "operator: runaway strategy")
                clock.now = OPEN + timedelta(minutes=minute, seconds=10)
                feed.send(clock.now, 1500.0 + minute, 3500.0 + minute / 100, 7)
                pump(2)
                clock.now += timedelta(seconds=30)  # a second trade of INFY in the minute
                feed.send(clock.now, 1500.5 + minute, None, 5)
                pump(1)
            clock.now = OPEN + timedelta(minutes=MINUTES, seconds=1)
            service.step()  # the clock closes the last minute
        finally:
            service.close()

    assert isinstance(engine.strategy, BuyEarly)
    ids = engine.strategy.ids
    assert engine.slices == MINUTES
    first = engine.orders.intents[ids["first"]]
    assert first.state is IntentState.FILLED and first.filled_quantity == 10
    fills = engine.account.portfolio.fills
    assert [(f.side, f.quantity, float(f.price)) for f in fills] == [
        (Side.BUY, 10, 1502.0),  # at bar 2's open (decided on bar 1)
        (Side.SELL, 10, 1500.0 + KILL_AFTER + 2),  # squared off by the kill switch, at the next open
    ]
    assert engine.killed and engine.account.pos.tolist() == [0, 0]
    assert engine.orders.intents[ids["late"]].state is IntentState.BLOCKED
    assert stream.reconnects == 1 and metrics.counters["feed_reconnects_total"] == 1

    bars = read_minute_months(lake, "NSE", "INFY", DAY, DAY)
    assert [t.to_pydatetime() for t in bars["ts"]] == [OPEN + timedelta(minutes=m) for m in range(MINUTES)]
    assert bars["open"].tolist() == [1500.0 + m for m in range(MINUTES)]
    assert bars["close"].tolist() == [1500.5 + m for m in range(MINUTES)]
    assert bars["volume"].tolist() == [12] * MINUTES
    assert read_minute_months(lake, "NSE", "TCS", DAY, DAY)["close"].tolist() == [
        3500.0 + m / 100 for m in range(MINUTES)]
    ticks = ParquetTickStore(lake).read_ticks("NSE", "INFY", DAY, DAY)
    assert len(ticks) == 2 * MINUTES and ticks["qty"].tolist() == [7, 5] * MINUTES


SESSION_SECRETS = "secrets.json"
ROOT = Path(__file__).resolve().parents[3]


def test_the_cli_trades_paper_on_the_kite_feed_until_sigterm(
        kite: tuple[FakeKite, FakeWebSocketServer], tmp_path: Path) -> None:
    rest, ws = kite
    secrets = tmp_path / SESSION_SECRETS
    SessionProvider("zerodha", LocalFileSecretsStore(secrets)).save(
        BrokerSession.issued("zerodha", TOKEN, datetime.now(IST)))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BROKER", "PAPER_", "KITE_"))}
    env.update(_settings(rest, ws), VYAPARI_SECRETS_FILE=str(secrets), PAPER_FEED="zerodha")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "sdk"), env.get("PYTHONPATH", "")) if p)
    command = [sys.executable, "-m", "vyapari.cli.main", "live", "--strategy", "sma_cross_bar",
               "--symbols", "INFY,TCS", "--skip-ready", "--state-dir", str(tmp_path / "state"),
               "--lake", str(tmp_path / "lake")]
    process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        ws.wait_for(lambda: subscribes(ws, 1) == [[INFY, TCS]] or process.poll() is not None, timeout=120)
        assert process.poll() is None, process.communicate()[1][-3000:]
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err[-3000:]
    assert json.loads(out[out.index("{"):])["stopped_early"] is True
    assert TOKEN not in out + err
    assert any(r.startswith("GET /?api_key=") for r in ws.request_lines)


def test_a_feed_is_refused_with_a_replay_and_with_a_live_broker(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from vyapari.cli.main import main

    common = ["live", "--strategy", "sma_cross_bar", "--state-dir", str(tmp_path)]
    assert main([*common, "--broker", "paper", "--feed", "zerodha", "--replay", str(tmp_path)]) == 2
    assert "--feed: not with --replay" in capsys.readouterr().err
    assert main([*common, "--broker", "upstox", "--feed", "zerodha", "--symbols", "INFY"]) == 2
    assert "only with --broker paper" in capsys.readouterr().err
