"""A ready trading morning built from fakes; each test breaks one thing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from tests.unit.instruments.master_fakes import kite_csv, kite_rows

from vyapari.brokers.session import BrokerSession
from vyapari.core.time import IST
from vyapari.data import layout
from vyapari.data.storage import MemoryObjectStore
from vyapari.instruments import InstrumentSnapshots
from vyapari.market.calendar import get_calendar
from vyapari.readiness import ReadinessReport, RiskState, SuiteConfig, run_checks, standard_checks
from vyapari.readiness.feed import TickFreshness

IP = "203.0.113.7"
UNIVERSE = ("NSE:RELIANCE", "NSE:INFY")


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """An IST instant."""
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=IST)


def ready_lake(day: date) -> MemoryObjectStore:
    """A lake with the previous session's bars and instrument snapshot."""
    previous = get_calendar("NSE").previous_session(day).session_date
    store = MemoryObjectStore()
    store.put(layout.day_key("daily_bars", "NSE", previous), b"parquet")
    assert InstrumentSnapshots(store).publish("zerodha", previous, kite_csv(kite_rows())).ok
    return store


@dataclass
class Morning:
    """The dependencies of the standard suite, all healthy by default."""

    now: datetime
    store: MemoryObjectStore
    session: BrokerSession
    egress: str = IP
    risk: Callable[[], RiskState] = lambda: RiskState(limits=object())
    ticks: TickFreshness = field(default_factory=TickFreshness)

    def config(self, **changes: Any) -> SuiteConfig:
        """The suite configuration, with ``changes`` applied."""
        base = SuiteConfig(
            broker="zerodha", store=self.store, session_loader=lambda: self.session,
            egress_ip=lambda: self.egress, registered_ip=IP, risk_loader=self.risk,
            ticks=self.ticks, universe=UNIVERSE, max_tick_age_s=30.0,
        )
        return replace(base, **changes)

    def report(self, **changes: Any) -> ReadinessReport:
        """Run the standard suite once."""
        return run_checks(standard_checks(self.config(**changes)), get_calendar("NSE"), now=self.now,
                          broker="zerodha")


def morning(day: date, hour: int = 8, minute: int = 45) -> Morning:
    """A healthy morning on ``day`` (the Kite token issued at 08:00 that day)."""
    return Morning(at(day, hour, minute), ready_lake(day), BrokerSession.issued("zerodha", "tok", at(day, 8)))


def statuses(report: ReadinessReport) -> dict[str, str]:
    """Check name -> status value."""
    return {r.name: r.status.value for r in report.results}
