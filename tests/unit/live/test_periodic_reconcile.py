"""Periodic reconciliation runs after a slice's orders are out, and finds what it should."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from tests.integration.live.live_helpers import counters, make_engine

from vyapari.brokers.types import OrderSubmission
from vyapari.live.engine import LiveEngine
from vyapari.live.replay import panel_ticks
from vyapari.model.enums import OrderType, ProductType, Side
from vyapari.model.intents import IntentKind, IntentState
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.synthetic import random_walk_panel


def _run_until(engine: LiveEngine, ticks: list[tuple[int, int, float, float]], slices: int) -> None:
    """Feed ``ticks`` (consumed from the front) until ``slices`` slices are done."""
    while engine.slices < slices:
        engine.on_price(*ticks.pop(0))


def _engine(panel: BarPanel, every: int) -> LiveEngine:
    engine = make_engine("sma_cross_bar", {"fast": 50, "slow": 100, "qty": 1}, panel)  # never trades here
    engine.config = replace(engine.config, reconcile_every=every)
    return engine


def test_an_order_placed_outside_the_engine_is_adopted_at_the_end_of_every_nth_slice() -> None:
    panel = random_walk_panel(symbols=3, sessions=1, bars_per_session=12, seed=3)
    engine = _engine(panel, every=3)
    ticks = list(panel_ticks(panel))
    _run_until(engine, ticks, 1)  # the first slice reconciles before deciding: nothing to find yet
    resting = OrderSubmission(
        "outside-1", engine.instruments[0], Side.BUY, 1, OrderType.LIMIT, ProductType.MIS, Decimal("0.05")
    )
    engine.broker.submit(resting)  # e.g. placed by hand in the broker's app
    _run_until(engine, ticks, 2)
    assert "outside-1" not in engine.orders.intents
    _run_until(engine, ticks, 3)  # the third live slice ends with a reconciliation
    adopted = engine.orders.intents["outside-1"]
    assert adopted.kind is IntentKind.ADOPTED and adopted.state is IntentState.SUBMITTED
    assert adopted.opened_step == 2 * 3  # dated the fourth slice's open phase, when the strategy sees it
    assert counters(engine)["reconcile_total{outcome=adopted}"] == 1
    assert engine.store.get("outside-1") == adopted  # written before the next slice


def test_a_pending_intent_the_broker_never_saw_is_resent_by_the_periodic_reconcile() -> None:
    panel = random_walk_panel(symbols=3, sessions=1, bars_per_session=12, seed=3)
    engine = _engine(panel, every=2)
    ticks = list(panel_ticks(panel))
    _run_until(engine, ticks, 1)
    # a manual order written PENDING whose send never happened (as when a process dies between the two)
    lost, _ = engine._intent(engine.history.symbols[1], Side.BUY, 1, IntentKind.MANUAL, tag="lost")
    engine.store.put(lost)
    engine.orders._remember(lost)
    assert engine.broker.find_order(lost.client_order_id) is None
    _run_until(engine, ticks, 2)
    sent = engine.broker.find_order(lost.client_order_id)
    assert sent is not None and engine.orders.intents[lost.client_order_id].state is IntentState.SUBMITTED
    assert counters(engine)["reconcile_total{outcome=resent}"] == 1
