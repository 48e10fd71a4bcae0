"""The live engine books paper fills at their instrument's opening trade, off the next decision.

An order decided on slice ``t`` fills at slice ``t+1``'s open. The paper broker can make that fill
as soon as the instrument's first trade of minute ``t+1`` arrives, and the engine books it then,
so the decision at the end of minute ``t+1`` does not wait for it. What the strategy and the
backtest see must not change: these tests pin that.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
from tests.integration.live.live_helpers import CAPITAL, SLIPPAGE_BPS, make_engine

from vyapari.backtest.config import BacktestConfig, EnginePath
from vyapari.backtest.engine import run_backtest
from vyapari.costs import FixedBpsSlippage
from vyapari.costs.spec import fee_model_from_spec
from vyapari.live.engine import LiveEngine
from vyapari.live.replay import panel_ticks, replay
from vyapari.model.events import Fill
from vyapari.model.intents import IntentKind, IntentState
from vyapari.strategies.sma_cross import SmaCrossPerBar
from vyapari.strategy.synthetic import random_walk_panel

ZERODHA = fee_model_from_spec("zerodha")

PARAMS = {"fast": 3, "slow": 8, "qty": 10}


def test_a_fill_is_booked_when_its_instrument_first_trades_not_when_the_minute_ends() -> None:
    panel = random_walk_panel(symbols=6, sessions=1, bars_per_session=120, seed=4)
    engine = make_engine("sma_cross_bar", PARAMS, panel)
    ticks = list(panel_ticks(panel))
    early = 0
    while ticks:
        slices = engine.slices
        strategy = IntentKind.STRATEGY
        resting = {i.client_order_id: i for i in engine.orders.open_intents() if i.kind is strategy}
        tick = ticks.pop(0)
        engine.on_price(*tick)
        if engine.slices != slices or not resting:
            continue
        for cid in resting:
            now = engine.orders.intents[cid]
            if now.state is IntentState.FILLED and now.instrument_id == engine.instruments[tick[0]]:
                early += 1
                assert engine.slices == slices  # booked within the minute, before its slice
                assert now.closed_step == 2 * engine.slices  # dated the coming slice's open phase
                assert engine.account.pos[tick[0]] != 0 or now.side.sign * now.quantity != 0
    assert early > 20


class RecordingSma(SmaCrossPerBar):
    """The per-bar SMA strategy noting what it sees in every ``on_fill``."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.seen: list[tuple[object, ...]] = []

    def on_fill(self, ctx: Any, fill: Fill) -> None:
        positions = tuple(ctx.positions.tolist())
        self.seen.append((ctx.now, fill.instrument_id, fill.signed_quantity, float(fill.price), positions))


def _instruments_in_reverse(panel: Any) -> list[tuple[int, int, float, float]]:
    """The replay's ticks with the instruments of each instant in reverse column order."""
    groups: dict[int, list[tuple[int, int, float, float]]] = {}
    for tick in panel_ticks(panel):
        groups.setdefault(tick[1], []).append(tick)
    return [tick for ts in sorted(groups) for tick in reversed(groups[ts])]


def test_a_strategy_with_its_own_on_fill_sees_each_fill_as_in_the_backtest() -> None:
    panel = random_walk_panel(symbols=5, sessions=1, bars_per_session=200, seed=9)
    live = RecordingSma(**PARAMS)
    engine: LiveEngine = make_engine("sma_cross_bar", PARAMS, panel, strategy=live)
    for tick in _instruments_in_reverse(panel):  # opening trades arrive last column first
        engine.on_price(*tick)
    tested = RecordingSma(**PARAMS)
    config = BacktestConfig(
        capital_inr=CAPITAL, fees=ZERODHA, slippage=FixedBpsSlippage(SLIPPAGE_BPS), path=EnginePath.EVENT
    )
    run_backtest(tested, panel, config)
    assert len(live.seen) > 20
    assert live.seen == tested.seen  # same moment (the fill's slice), order and positions after each


def test_without_an_on_fill_of_its_own_the_books_equal_a_run_that_books_at_the_open_phase() -> None:
    panel = random_walk_panel(symbols=8, sessions=2, bars_per_session=150, seed=21)
    early = make_engine("sma_cross_bar", PARAMS, panel)
    at_open = make_engine("sma_cross_bar", PARAMS, panel, strategy=RecordingSma(**PARAMS))
    assert early._book_early and not at_open._book_early
    replay(early, panel)
    replay(at_open, panel)
    assert np.array_equal(early.account.pos, at_open.account.pos)
    assert early.account.portfolio.cash == at_open.account.portfolio.cash
    def states(engine: LiveEngine) -> dict[str, tuple[object, ...]]:
        return {cid: (i.state, i.filled_quantity, i.closed_step) for cid, i in engine.orders.intents.items()}

    assert states(early) == states(at_open)


def test_a_slice_is_in_the_paper_journal_before_the_engine_records_it_as_done() -> None:
    import json

    from vyapari.brokers.paper import PaperConfig
    from vyapari.brokers.paper.journal import InMemoryPaperJournal, JournaledPaperBrokerAdapter
    from vyapari.costs import fee_model_from_spec
    from vyapari.live.store import InMemoryOrderStateStore

    journal = InMemoryPaperJournal()
    broker = JournaledPaperBrokerAdapter(
        journal,
        PaperConfig(Decimal(str(CAPITAL)), FixedBpsSlippage(SLIPPAGE_BPS), fee_model_from_spec("zerodha")),
    )
    journaled: list[tuple[str, int]] = []

    class Checkpoints(InMemoryOrderStateStore):
        def set_value(self, key: str, value: str | None) -> None:
            # what the journal holds when the slice is recorded done
            if key.startswith("checkpoint:") and value is not None:
                last = [json.loads(x) for x in journal.read_all() if '"op":"slice"' in x][-1]
                journaled.append((last["at"], int(value)))
            super().set_value(key, value)

    panel = random_walk_panel(symbols=4, sessions=1, bars_per_session=60, seed=2)
    engine = make_engine("sma_cross_bar", PARAMS, panel, broker=broker, store=Checkpoints())
    replay(engine, panel)
    from vyapari.core.time import ist_from_ns

    assert len(journaled) == engine.slices > 50
    assert all(at == ist_from_ns(ns).isoformat() for at, ns in journaled)
