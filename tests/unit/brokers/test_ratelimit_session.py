"""Token buckets, session expiry (IST), the secrets file and fill de-duplication."""

from __future__ import annotations

import stat
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from broker_fakes import ScriptedBroker

from vyapari.brokers.errors import SessionExpired
from vyapari.brokers.fills import book_trades
from vyapari.brokers.ratelimit import RateLimiter, RateWindow
from vyapari.brokers.secrets import LocalFileSecretsStore
from vyapari.brokers.session import BrokerSession, SessionProvider, session_valid_until
from vyapari.brokers.types import BrokerTrade, OrderSubmission
from vyapari.core.time import IST
from vyapari.model.enums import ProductType, Side
from vyapari.model.portfolio import Portfolio


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_token_bucket_allows_burst_then_waits_for_refill() -> None:
    clock = FakeClock()
    limiter = RateLimiter({"order": [RateWindow(10, 1.0)]}, clock=clock, sleep=clock.sleep)
    for _ in range(10):
        limiter.acquire("order")
    assert clock.slept == []
    limiter.acquire("order")
    assert clock.slept == [pytest.approx(0.1)]


def test_minute_window_binds_after_second_windows_refill() -> None:
    clock = FakeClock()
    limiter = RateLimiter(
        {"order": [RateWindow(10, 1.0), RateWindow(20, 60.0)]}, clock=clock, sleep=clock.sleep
    )
    for _ in range(21):
        limiter.acquire("order")
    assert clock.now == pytest.approx(3.0)  # 20 per minute → one token every 3 s


def test_unlimited_kind_never_waits() -> None:
    clock = FakeClock()
    limiter = RateLimiter({"order": [RateWindow(1, 1.0)]}, clock=clock, sleep=clock.sleep)
    for _ in range(100):
        limiter.acquire("read")
    assert clock.slept == []


@pytest.mark.parametrize(
    ("broker", "issued", "expires"),
    [
        ("zerodha", datetime(2026, 1, 5, 8, 30, tzinfo=IST), datetime(2026, 1, 6, 6, 0, tzinfo=IST)),
        ("zerodha", datetime(2026, 1, 5, 5, 0, tzinfo=IST), datetime(2026, 1, 5, 6, 0, tzinfo=IST)),
        ("upstox", datetime(2026, 1, 5, 8, 30, tzinfo=IST), datetime(2026, 1, 6, 3, 30, tzinfo=IST)),
        ("upstox", datetime(2026, 1, 5, 3, 30, tzinfo=IST), datetime(2026, 1, 6, 3, 30, tzinfo=IST)),
    ],
)
def test_session_valid_until_is_the_next_expiry_in_ist(
    broker: str, issued: datetime, expires: datetime
) -> None:
    assert session_valid_until(broker, issued) == expires


def test_local_secrets_file_is_0600_and_sessions_roundtrip(tmp_path: Path) -> None:
    store = LocalFileSecretsStore(tmp_path / "s" / "secrets.json")
    issued = datetime(2026, 1, 5, 8, 30, tzinfo=IST)
    provider = SessionProvider("zerodha", store, clock=lambda: datetime(2026, 1, 5, 9, 0, tzinfo=IST))
    provider.save(BrokerSession.issued("zerodha", "tok-abcdef", issued))
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert provider.current().access_token == "tok-abcdef"


def test_expired_or_missing_session_raises_session_expired(tmp_path: Path) -> None:
    store = LocalFileSecretsStore(tmp_path / "secrets.json")
    provider = SessionProvider("upstox", store, clock=lambda: datetime(2026, 1, 6, 3, 31, tzinfo=IST))
    with pytest.raises(SessionExpired, match="no access token"):
        provider.current()
    provider.save(BrokerSession.issued("upstox", "tok-old123", datetime(2026, 1, 5, 9, 0, tzinfo=IST)))
    with pytest.raises(SessionExpired, match="expired at 2026-01-06T03:30"):
        provider.current()


def test_adapter_picks_up_a_new_token_without_rebuild(tmp_path: Path) -> None:
    store = LocalFileSecretsStore(tmp_path / "secrets.json")
    now = datetime(2026, 1, 5, 9, 0, tzinfo=IST)
    provider = SessionProvider("zerodha", store, clock=lambda: now)
    provider.save(BrokerSession.issued("zerodha", "tok-first1", now))
    broker = ScriptedBroker(session=provider)
    broker.orders()
    provider.save(BrokerSession.issued("zerodha", "tok-second", now))
    broker.submit(OrderSubmission("c1", "NSE:INFY", Side.BUY, 1))
    assert broker.applied_tokens == ["tok-first1", "tok-second"]


def test_same_trade_id_delivered_twice_leaves_position_unchanged() -> None:
    portfolio = Portfolio(initial_cash=Decimal("100000"))
    trade = BrokerTrade(
        "T1",
        "B1",
        "NSE:INFY",
        Side.BUY,
        5,
        Decimal("1500"),
        datetime(2026, 1, 5, 9, 20, tzinfo=IST),
        ProductType.MIS,
        "c1",
    )
    assert len(book_trades(portfolio, [trade])) == 1
    cash = portfolio.cash
    assert book_trades(portfolio, [trade, trade]) == []
    assert portfolio.position("NSE:INFY").quantity == 5
    assert portfolio.cash == cash
