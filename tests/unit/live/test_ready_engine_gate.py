"""The engine consults the readiness gate before every new strategy order (never for square-off)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, time

import pytest
from tests.integration.live.live_helpers import counters, make_engine, paper_broker

from vyapari.brokers.types import Tick
from vyapari.core.time import IST, NS_PER_MINUTE
from vyapari.live.engine import LiveEngine
from vyapari.live.replay import panel_ticks
from vyapari.live.store import SqliteOrderStateStore
from vyapari.market.calendar import get_calendar
from vyapari.model.intents import IntentKind, IntentState, OrderIntent
from vyapari.readiness import (
    CalendarCheck,
    Check,
    FeedCheck,
    ReadinessGate,
    ReadinessReport,
    TickFreshness,
    run_checks,
)
from vyapari.strategy.synthetic import random_walk_panel

SMA_MIS = ("sma_cross_bar", {"fast": 3, "slow": 8, "qty": 10, "product": "MIS"})
SQUAREOFF_BAR = 365  # 15:20 IST is the 366th minute from the 09:15 open


def _panel():  # one session of three symbols
    return random_walk_panel(symbols=3, sessions=1, bars_per_session=375, seed=11)


def _report(
    day: date, universe: Iterable[str], *, fresh: bool, silent: Iterable[str] = ()
) -> ReadinessReport:
    """A real calendar + feed check at 11:00 IST of ``day``: passes when every instrument just ticked.

    ``fresh`` False: none ticked; else the instruments of ``silent`` did not tick.
    """
    now = datetime.combine(day, time(11, 0), tzinfo=IST)
    ticks = TickFreshness()
    universe = tuple(universe)
    if fresh:
        for iid in universe:
            if iid not in set(silent):
                ticks.record(Tick(iid, 100, now))  # type: ignore[arg-type]
    checks: list[Check] = [CalendarCheck(), FeedCheck(ticks, tuple(universe), 30.0)]
    return run_checks(checks, get_calendar("NSE"), now=now, broker="paper")


def _run(engine: LiveEngine, panel, reports: dict[int, ReadinessReport], gate: ReadinessGate) -> None:
    """Feed ``panel`` as ticks; decisions from bar ``t`` on (a key of ``reports``) see ``reports[t]``.

    Bar ``t`` is decided when the first tick of the next minute arrives, so that is when it switches.
    """
    cuts = {int(panel.ts[t]) + NS_PER_MINUTE: report for t, report in reports.items()}
    for n, ts, price, qty in panel_ticks(panel):
        if ts in cuts:
            gate.record(cuts.pop(ts))
        engine.on_price(n, ts, price, qty)
    engine.on_clock(int(panel.session_close_ns[-1]))


def _decided(engine: LiveEngine, kind: IntentKind, first: int, last: int) -> list[OrderIntent]:
    """Intents of ``kind`` decided on bars ``first..last`` (inclusive)."""
    return [
        i for i in engine.orders.intents.values()
        if i.kind is kind and 2 * first + 1 <= i.opened_step <= 2 * last + 1
    ]


def test_failed_report_blocks_strategy_orders_with_the_named_error_but_not_the_square_off(caplog) -> None:
    panel = _panel()
    day = panel.session_dates[0].item()
    gate = ReadinessGate()
    engine = make_engine(*SMA_MIS, panel, run_id="gate")
    engine.readiness = gate
    universe = engine.instruments
    caplog.set_level(logging.INFO, logger="vyapari.live.engine")
    reports = {0: _report(day, universe, fresh=True), 200: _report(day, universe, fresh=False)}
    _run(engine, panel, reports, gate)

    before = _decided(engine, IntentKind.STRATEGY, 0, 199)
    assert before and not any(i.state is IntentState.BLOCKED for i in before)
    later = _decided(engine, IntentKind.STRATEGY, 200, 374)
    after = [i for i in later if not (i.reason or "").startswith("mis_")]
    assert after, "the test needs strategy decisions after the feed went stale"
    assert all(i.state is IntentState.BLOCKED and (i.reason or "").startswith("FeedStale") for i in after)
    assert counters(engine)["readiness_blocks_total{error=FeedStale}"] == len(after)
    squareoffs = [i for i in engine.orders.intents.values() if i.kind is IntentKind.SQUAREOFF]
    assert squareoffs and all(i.state is not IntentState.BLOCKED for i in squareoffs)
    assert all(i.opened_step > 2 * 200 + 1 for i in squareoffs)  # decided while FeedStale held
    assert not engine.account.pos.any(), "square-off orders were sent and filled despite FeedStale"
    blocked_logs = [r for r in caplog.records if "blocked by readiness" in r.getMessage()]
    assert len(blocked_logs) == 1 and "FeedStale" in blocked_logs[0].getMessage()


def test_a_recovered_report_unblocks_new_orders(caplog) -> None:
    panel = _panel()
    day = panel.session_dates[0].item()
    gate = ReadinessGate()
    engine = make_engine(*SMA_MIS, panel, run_id="gate")
    engine.readiness = gate
    universe = engine.instruments
    caplog.set_level(logging.INFO, logger="vyapari.live.engine")
    reports = {
        0: _report(day, universe, fresh=True),
        100: _report(day, universe, fresh=False),
        200: _report(day, universe, fresh=True),
    }
    _run(engine, panel, reports, gate)

    stale = _decided(engine, IntentKind.STRATEGY, 100, 199)
    assert stale and all(i.state is IntentState.BLOCKED for i in stale)
    recovered = _decided(engine, IntentKind.STRATEGY, 200, SQUAREOFF_BAR - 1)
    assert recovered and not any(i.state is IntentState.BLOCKED for i in recovered)
    assert any(i.state is IntentState.FILLED for i in recovered)
    messages = [r.getMessage() for r in caplog.records]
    assert sum("blocked by readiness" in m for m in messages) == 1
    assert sum("readiness restored" in m for m in messages) == 1


def test_no_report_for_today_blocks_with_not_ready() -> None:
    panel = _panel()
    engine = make_engine(*SMA_MIS, panel, run_id="gate")
    engine.readiness = ReadinessGate()  # nothing recorded: the pre-open check never ran
    _run(engine, panel, {}, engine.readiness)
    strategy = [i for i in engine.orders.intents.values() if i.kind is IntentKind.STRATEGY]
    assert strategy and all((i.reason or "").startswith(("NotReady", "mis_")) for i in strategy)
    assert engine.broker.orders() == []


def test_crash_replay_is_not_gated(tmp_path) -> None:
    """After a restart, decisions of slices already done are matched to stored intents, not re-gated."""
    panel = _panel()
    day = panel.session_dates[0].item()
    broker = paper_broker()
    first = make_engine(*SMA_MIS, panel, broker=broker, store=SqliteOrderStateStore(tmp_path / "o.sqlite"))
    first.readiness = ReadinessGate()
    first.readiness.record(_report(day, first.instruments, fresh=True))
    half = panel.with_arrays(valid=panel.valid.copy())
    half.valid[150:] = False
    _run(first, half, {}, first.readiness)
    placed = {cid: i.state for cid, i in first.orders.intents.items()}
    assert placed and IntentState.BLOCKED not in placed.values()

    store = SqliteOrderStateStore(tmp_path / "o.sqlite")
    restarted = make_engine(*SMA_MIS, panel, broker=broker, store=store)
    restarted.readiness = ReadinessGate()
    restarted.readiness.record(_report(day, restarted.instruments, fresh=False))
    _run(restarted, panel, {}, restarted.readiness)
    for cid in placed:
        assert restarted.orders.intents[cid].state is not IntentState.BLOCKED, cid
    later = _decided(restarted, IntentKind.STRATEGY, 150, SQUAREOFF_BAR - 1)
    assert later and all((i.reason or "").startswith("FeedStale") for i in later)
    blocked = [i for i in restarted.orders.intents.values() if (i.reason or "").startswith("FeedStale")]
    assert counters(restarted)["readiness_blocks_total{error=FeedStale}"] == len(blocked)


@pytest.mark.parametrize("fresh", [True, False])
def test_the_gate_is_given_through_the_constructor(fresh: bool) -> None:
    from vyapari.live.bars import SessionTable
    from vyapari.live.engine import LiveConfig
    from vyapari.live.store import InMemoryOrderStateStore
    from vyapari.strategies import make_strategy

    panel = _panel()
    gate = ReadinessGate()
    engine = LiveEngine(
        make_strategy(*SMA_MIS), paper_broker(), panel.symbols, LiveConfig(run_id="ctor"),
        InMemoryOrderStateStore(), SessionTable(get_calendar("NSE").session_bounds), readiness=gate,
    )
    assert engine.readiness is gate
    _run(engine, panel, {0: _report(panel.session_dates[0].item(), engine.instruments, fresh=fresh)}, gate)
    decided = _decided(engine, IntentKind.STRATEGY, 0, SQUAREOFF_BAR - 1)
    assert decided
    assert any(i.state is IntentState.BLOCKED for i in decided) is not fresh


def test_one_silent_instrument_blocks_only_its_own_orders() -> None:
    """A quiet, illiquid symbol must not stop trading in the others: FeedStale is per instrument."""
    panel = _panel()
    day = panel.session_dates[0].item()
    gate = ReadinessGate()
    engine = make_engine(*SMA_MIS, panel, run_id="gate")
    engine.readiness = gate
    quiet = engine.instruments[0]
    report = _report(day, engine.instruments, fresh=True, silent=[quiet])
    assert not report.ready and [r.error and r.error.__name__ for r in report.failures] == ["FeedStale"]
    _run(engine, panel, {0: report}, gate)

    decided = [
        i for i in _decided(engine, IntentKind.STRATEGY, 0, SQUAREOFF_BAR - 1)
        if not (i.reason or "").startswith("mis_")
    ]
    of_quiet = [i for i in decided if i.instrument_id == quiet]
    others = [i for i in decided if i.instrument_id != quiet]
    assert of_quiet and others, "the test needs decisions in the quiet symbol and in the others"
    assert all(i.state is IntentState.BLOCKED and (i.reason or "").startswith("FeedStale") for i in of_quiet)
    assert not any(i.state is IntentState.BLOCKED for i in others)
