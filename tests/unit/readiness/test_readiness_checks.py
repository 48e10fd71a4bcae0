"""Each readiness check fails alone, with its named error, and blocks the gate."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from tests.unit.readiness.ready_fakes import UNIVERSE, at, morning, statuses

from vyapari.brokers import errors as broker_errors
from vyapari.brokers.session import BrokerSession
from vyapari.brokers.types import Tick
from vyapari.data import layout
from vyapari.instruments import InstrumentSnapshots
from vyapari.market.calendar import get_calendar
from vyapari.readiness import (
    FeedStale,
    IngestionMissing,
    InstrumentsStale,
    IpNotRegistered,
    KillSwitchEngaged,
    NotASession,
    NotReady,
    ReadinessGate,
    RiskLimitsMissing,
    RiskState,
    SessionExpired,
    run_checks,
)
from vyapari.readiness.base import CheckContext, CheckResult

MONDAY = date(2026, 1, 5)
REPUBLIC_DAY = date(2026, 1, 26)


def _only_failure(report: object) -> tuple[str, type[NotReady] | None]:
    failures = report.failures  # type: ignore[attr-defined]
    assert len(failures) == 1, [f.to_dict() for f in failures]
    return failures[0].name, failures[0].error


def test_a_healthy_morning_is_ready_and_feed_is_skipped_before_the_open() -> None:
    report = morning(MONDAY).report()
    assert report.ready, report.to_dict()
    assert statuses(report)["tick_feed"] == "skip"
    assert report.results[0].details["kind"] == "regular"
    json.dumps(report.to_dict())


def test_expired_broker_session_fails_alone_with_session_expired() -> None:
    m = morning(MONDAY)
    m.session = BrokerSession.issued("zerodha", "tok", at(MONDAY - timedelta(days=1), 9))  # died 06:00
    report = m.report()
    assert _only_failure(report) == ("broker_session", SessionExpired)
    with pytest.raises(broker_errors.SessionExpired, match="expired"):
        report.raise_if_not_ready()


def test_session_expiring_before_the_close_fails() -> None:
    m = morning(MONDAY)
    m.session = BrokerSession("zerodha", "tok", at(MONDAY, 8), at(MONDAY, 12))
    assert _only_failure(m.report()) == ("broker_session", SessionExpired)


def test_missing_session_from_the_provider_fails() -> None:
    def no_token() -> BrokerSession:
        raise broker_errors.SessionExpired("no access token stored", broker="zerodha")

    report = morning(MONDAY).report(session_loader=no_token)
    assert _only_failure(report) == ("broker_session", SessionExpired)


def test_egress_ip_that_differs_fails_alone_naming_the_observed_ip() -> None:
    m = morning(MONDAY)
    m.egress = "198.51.100.9"
    report = m.report()
    assert _only_failure(report) == ("egress_ip", IpNotRegistered)
    assert report.failures[0].details["observed"] == "198.51.100.9"
    with pytest.raises(broker_errors.IpNotRegistered, match=r"198\.51\.100\.9"):
        report.raise_if_not_ready()


def test_egress_probe_failure_and_missing_setting_fail() -> None:
    def unreachable() -> str:
        raise OSError("timed out")

    assert _only_failure(morning(MONDAY).report(egress_ip=unreachable))[1] is IpNotRegistered
    assert _only_failure(morning(MONDAY).report(registered_ip=None))[1] is IpNotRegistered


def _tick(instrument: str, when: datetime) -> Tick:
    return Tick(instrument, Decimal("100"), when)


def test_feed_that_goes_silent_fails_alone_during_market_hours() -> None:
    m = morning(MONDAY, 10, 0)
    m.ticks.record(_tick(UNIVERSE[0], at(MONDAY, 9, 59, 50)))
    m.ticks.record(_tick(UNIVERSE[1], at(MONDAY, 9, 58)))
    report = m.report()
    assert _only_failure(report) == ("tick_feed", FeedStale)
    assert report.failures[0].details["stale_age_s"] == {"NSE:INFY": 120.0}
    m.ticks.record(_tick(UNIVERSE[1], at(MONDAY, 9, 59, 55)))
    assert m.report().ready


def test_feed_without_any_tick_fails_during_market_hours() -> None:
    report = morning(MONDAY, 11, 0).report()
    assert _only_failure(report) == ("tick_feed", FeedStale)


def test_missing_ingestion_fails_alone() -> None:
    m = morning(MONDAY)
    m.store.delete(layout.day_key("daily_bars", "NSE", date(2026, 1, 2)))
    assert _only_failure(m.report()) == ("ingestion", IngestionMissing)


def test_quarantined_bhavcopy_of_the_previous_session_fails() -> None:
    m = morning(MONDAY)
    m.store.put(layout.quarantine_key("nse_cm_udiff", date(2026, 1, 2), "BhavCopy.csv"), b"{}")
    report = m.report()
    assert _only_failure(report) == ("ingestion", IngestionMissing)
    assert report.failures[0].details["files"]


def test_stale_instrument_snapshot_fails_alone() -> None:
    m = morning(MONDAY)
    snapshots = InstrumentSnapshots(m.store)
    old = snapshots.pointer("zerodha")
    assert old is not None
    m.store.put("curated/instruments/current/zerodha.json",
                json.dumps({**old, "session_date": "2025-12-31"}).encode())
    assert _only_failure(m.report()) == ("instruments", InstrumentsStale)


def test_todays_snapshot_counts_as_live() -> None:
    from tests.unit.instruments.master_fakes import kite_csv, kite_rows

    m = morning(MONDAY)
    assert InstrumentSnapshots(m.store).publish("zerodha", MONDAY, kite_csv(kite_rows())).ok
    assert m.report().ready


def test_a_holiday_fails_alone_with_not_a_session() -> None:
    report = morning(REPUBLIC_DAY).report()
    assert _only_failure(report) == ("calendar", NotASession)
    with pytest.raises(NotASession, match="2026-01-26"):
        report.raise_if_not_ready()


def test_muhurat_session_kind_is_reported() -> None:
    report = morning(date(2025, 10, 21), 13, 0).report()
    assert report.results[0].details["kind"] == "muhurat"


def test_risk_limits_not_loaded_or_kill_switch_engaged_fail() -> None:
    def broken() -> RiskState:
        raise FileNotFoundError("no limits file")

    assert _only_failure(morning(MONDAY).report(risk_loader=broken)) == ("risk", RiskLimitsMissing)
    assert _only_failure(morning(MONDAY).report(risk_loader=None)) == ("risk", RiskLimitsMissing)
    engaged = morning(MONDAY).report(risk_loader=lambda: RiskState(object(), {"reason": "operator"}))
    assert _only_failure(engaged) == ("risk", KillSwitchEngaged)


def test_a_crashing_check_is_a_failure_not_an_exception() -> None:
    class Boom:
        name = "boom"

        def run(self, ctx: CheckContext) -> CheckResult:
            raise RuntimeError("disk on fire")

    report = run_checks([Boom()], get_calendar("NSE"), now=at(MONDAY, 8, 45))
    assert _only_failure(report) == ("boom", NotReady)
    assert "disk on fire" in report.failures[0].reason


def test_gate_blocks_until_todays_report_passes() -> None:
    gate = ReadinessGate()
    now = at(MONDAY, 9, 20)
    with pytest.raises(NotReady, match="not checked"):
        gate.require(now)
    m = morning(MONDAY)
    m.egress = "198.51.100.9"
    gate.record(m.report())
    with pytest.raises(IpNotRegistered):
        gate.require(now)
    gate.record(morning(MONDAY).report())
    gate.require(now)
    with pytest.raises(NotReady, match="not checked"):
        gate.require(now + timedelta(days=1))


def test_paper_broker_skips_session_ip_and_instruments() -> None:
    report = morning(MONDAY).report(broker="paper", session_loader=None, egress_ip=None, registered_ip=None)
    assert report.ready
    assert [statuses(report)[n] for n in ("broker_session", "egress_ip", "instruments")] == ["skip"] * 3
