"""The live service in a session: readiness re-checks, the stale-feed watchdog, malformed ticks.

A fake broker socket (an in-process :class:`TickStream` transport) carries text frames
``INSTRUMENT,PRICE,QTY``; the clock is injected and moved by the test, never slept on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

import pytest
from tests.unit.readiness.ready_fakes import IP, at, ready_lake

from vyapari.brokers.paper import PaperBrokerAdapter
from vyapari.brokers.secrets import InMemorySecretsStore
from vyapari.brokers.session import BrokerSession, SessionProvider
from vyapari.brokers.ticks import TickStream
from vyapari.brokers.types import Tick
from vyapari.live.bars import SessionTable
from vyapari.live.engine import LiveConfig, LiveEngine
from vyapari.live.ports import InMemoryMetrics, InMemoryPublisher
from vyapari.live.risk import RiskLimits, engage_kill_switch, reset_kill_switch
from vyapari.live.service import (
    LiveService,
    ServiceConfig,
    StopFlag,
    live_readiness,
    risk_state_loader,
    run_stream,
)
from vyapari.live.store import InMemoryOrderStateStore
from vyapari.market.calendar import get_calendar
from vyapari.readiness import (
    FeedStale,
    KillSwitchEngaged,
    ReadinessGate,
    SessionExpired,
    SuiteConfig,
    run_checks,
    standard_checks,
)
from vyapari.strategies import make_strategy

MONDAY = date(2026, 1, 5)
SYMBOLS = ("RELIANCE", "INFY")
UNIVERSE = tuple(f"NSE:{s}" for s in SYMBOLS)


@dataclass
class Clock:
    """An injected IST clock the test moves."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class FakeSocketStream(TickStream):
    """An in-process transport: ``deliver`` plays a frame as the socket thread would."""

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock = clock
        self.subscribe_messages: list[tuple[str, ...]] = []

    def _open(self) -> None:
        self.handle_open()

    def _close(self) -> None:
        self.handle_close("closed by client")

    def _send_subscribe(self, instrument_ids: Sequence[str]) -> None:
        self.subscribe_messages.append(tuple(instrument_ids))

    def _send_unsubscribe(self, instrument_ids: Sequence[str]) -> None:
        """Nothing to send in-process."""

    def _decode(self, payload: bytes | str) -> tuple[list[Tick], int]:
        ticks, bad = [], 0
        for line in str(payload).splitlines():
            try:
                iid, price, qty = line.split(",")
                ticks.append(Tick(iid, Decimal(price), self.clock(), last_quantity=int(qty)))
            except (ValueError, InvalidOperation):
                bad += 1
        return ticks, bad

    def deliver(self, *instruments: str, price: str = "100.50") -> None:
        """One frame with a trade of each of ``instruments`` (all subscribed ones by default)."""
        self.handle_message("\n".join(f"{i},{price},5" for i in instruments or sorted(self.subscriptions)))


@dataclass
class Session:
    """A live service with a readiness monitor on a healthy Monday morning."""

    clock: Clock
    engine: LiveEngine
    stream: FakeSocketStream
    service: LiveService
    provider: SessionProvider
    store: InMemoryOrderStateStore

    @property
    def metrics(self) -> InMemoryMetrics:
        assert isinstance(self.engine.metrics, InMemoryMetrics)
        return self.engine.metrics

    def run(self, seconds: float, *, ticking: bool = True, every: float = 5.0) -> None:
        """``seconds`` of service time in steps of ``every``; the feed ticks each step when ``ticking``."""
        for _ in range(int(seconds / every)):
            self.clock.advance(every)
            if ticking:
                self.stream.deliver()
            self.service.step()

    def require(self) -> None:
        """The gate check the engine makes before a new strategy order."""
        assert self.engine.readiness is not None
        self.engine.readiness.require(self.clock())


def _session(start: datetime, *, stale_feed_s: float = 30.0) -> Session:
    clock = Clock(at(MONDAY, 8, 45))
    secrets = InMemorySecretsStore()
    provider = SessionProvider("zerodha", secrets, clock=clock)
    provider.save(BrokerSession.issued("zerodha", "tok", at(MONDAY, 8)))
    store = InMemoryOrderStateStore()
    engine = LiveEngine(
        make_strategy("sma_cross_bar", {"fast": 3, "slow": 8, "product": "MIS"}), PaperBrokerAdapter(),
        SYMBOLS, LiveConfig(run_id="svc"), store, SessionTable(get_calendar("NSE").session_bounds),
        publisher=InMemoryPublisher(), metrics=InMemoryMetrics(), readiness=ReadinessGate(),
    )
    suite = SuiteConfig(broker="zerodha", store=ready_lake(MONDAY), session_loader=provider.current,
                        egress_ip=lambda: IP, registered_ip=IP)
    pre_open = run_checks(
        standard_checks(replace(suite, risk_loader=risk_state_loader(store, RiskLimits()))),
        get_calendar("NSE"), now=clock(), broker="zerodha",
    )
    assert pre_open.ready, pre_open.to_dict()
    monitor = live_readiness(engine, suite, pre_open, every_s=60.0, max_tick_age_s=30.0)
    stream = FakeSocketStream(clock)
    clock.now = start
    service = LiveService(engine, stream, config=ServiceConfig(stale_feed_s=stale_feed_s), monitor=monitor,
                          clock=clock)
    service.start()
    return Session(clock, engine, stream, service, provider, store)


def _readiness_messages(s: Session) -> list[tuple[bool, list[str]]]:
    publisher = s.engine.publisher
    assert isinstance(publisher, InMemoryPublisher)
    return [(m["ready"], m["errors"]) for m in publisher.messages["orders"] if m.get("type") == "readiness"]


def test_a_feed_that_stops_mid_session_blocks_with_feed_stale_and_unblocks_when_it_resumes() -> None:
    s = _session(at(MONDAY, 9, 14))
    s.run(6 * 60)  # 09:14 -> 09:20, ticking
    s.require()
    assert s.engine.slices > 0
    s.run(3 * 60, ticking=False)  # silent until 09:23
    with pytest.raises(FeedStale, match="silent"):
        s.require()
    s.run(3 * 60)  # ticks resume
    s.require()
    assert _readiness_messages(s) == [(True, []), (False, ["FeedStale"]), (True, [])]
    assert s.metrics.observations["ready"] == [1.0, 0.0, 1.0]
    assert s.metrics.counters["readiness_failures_total{error=FeedStale}"] == 1


def test_a_token_that_dies_mid_session_blocks_with_session_expired_until_a_new_login() -> None:
    s = _session(at(MONDAY, 9, 14))
    s.run(60 * 60)  # to 10:14
    s.require()
    # the stored token is replaced by one the broker expires at 10:30 (e.g. revoked early)
    s.provider.save(BrokerSession("zerodha", "tok2", at(MONDAY, 10, 14), at(MONDAY, 10, 30)))
    s.run(2 * 60)
    with pytest.raises(SessionExpired, match="before the close"):
        s.require()
    s.run(20 * 60)  # past 10:30: expired outright
    with pytest.raises(SessionExpired, match="expired"):
        s.require()
    s.provider.save(BrokerSession.issued("zerodha", "tok3", s.clock()))  # `vyapari login` again
    s.run(2 * 60)
    s.require()
    assert [errors for _, errors in _readiness_messages(s)] == [[], ["SessionExpired"], []]


def test_the_kill_switch_blocks_through_the_risk_recheck() -> None:
    s = _session(at(MONDAY, 9, 14))
    s.run(3 * 60)
    engage_kill_switch(s.store, "operator", at(MONDAY, 9, 17))
    s.run(2 * 60)
    with pytest.raises(KillSwitchEngaged):
        s.require()
    reset_kill_switch(s.store)
    s.run(2 * 60)
    s.require()


def test_the_watchdog_reconnects_a_silent_feed_which_resubscribes_everything() -> None:
    s = _session(at(MONDAY, 9, 14), stale_feed_s=30.0)
    s.run(3 * 60)
    assert s.stream.reconnects == 0 and s.metrics.counters["feed_stale_total"] == 0
    s.run(40, ticking=False)
    assert s.metrics.counters["feed_stale_total"] >= 1
    assert s.stream.reconnects >= 1
    assert s.metrics.counters["feed_reconnects_total"] == s.stream.reconnects
    assert s.stream.subscribe_messages[-1] == tuple(sorted(UNIVERSE))  # resubscribed after the reopen
    slices = s.engine.slices
    s.run(3 * 60)  # the reopened socket's ticks reach the engine
    assert s.engine.slices > slices


def test_the_watchdog_does_not_count_silence_outside_market_hours() -> None:
    s = _session(at(MONDAY, 8, 50))
    s.run(20 * 60, ticking=False)  # 08:50 -> 09:10: no ticks expected before the open
    assert s.metrics.counters["feed_stale_total"] == 0 and s.stream.reconnects == 0


def test_malformed_frames_are_counted_and_skipped() -> None:
    s = _session(at(MONDAY, 9, 14))
    s.run(2 * 60)
    s.stream.handle_message("NSE:RELIANCE,not-a-price,5")
    s.stream.handle_message(b"\xff\xfe")
    s.run(2 * 60)
    assert s.metrics.counters["malformed_ticks_total"] == 2
    s.require()  # good ticks kept flowing


def test_run_stream_drives_the_service_until_stopped() -> None:
    clock = Clock(at(MONDAY, 9, 15))
    broker = PaperBrokerAdapter()
    engine = LiveEngine(
        make_strategy("sma_cross_bar", {"fast": 3, "slow": 8}), broker, SYMBOLS, LiveConfig(run_id="rs"),
        InMemoryOrderStateStore(), SessionTable(get_calendar("NSE").session_bounds),
        metrics=InMemoryMetrics(),
    )
    stop = StopFlag()

    def tick_then_time() -> datetime:  # the clock, also standing in for the exchange
        clock.advance(5)
        if clock.now >= at(MONDAY, 9, 25):
            stop.set()
        for iid in UNIVERSE:
            broker.on_tick(Tick(iid, Decimal("100"), clock.now, last_quantity=1))
        return clock.now

    run_stream(engine, broker.tick_stream(), stop, config=ServiceConfig(poll_s=0.0), clock=tick_then_time)
    assert engine.slices >= 9
