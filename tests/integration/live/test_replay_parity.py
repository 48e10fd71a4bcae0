"""Replay parity: live engine on paper == event-loop backtest, fill for fill, to the paisa."""

from __future__ import annotations

import pytest
from tests.integration.live.live_helpers import backtest, backtest_fills, live_fills, run_live

from vyapari.strategy.synthetic import random_walk_panel

CASES = [
    ("sma_cross_bar", {"fast": 5, "slow": 20, "qty": 10}),
    ("vwap_reversion", {"k": 1.5, "lookback": 10, "notional_inr": 50_000.0}),
    ("sma_cross", {"fast": 5, "slow": 20, "qty": 10, "product": "MIS"}),
]


@pytest.mark.parametrize(("name", "params"), CASES, ids=[c[0] for c in CASES])
def test_live_replay_matches_backtest_fills_and_pnl(name: str, params: dict) -> None:
    panel = random_walk_panel(symbols=3, sessions=2, bars_per_session=375, seed=11)
    result = backtest(name, params, panel)
    engine = run_live(name, params, panel)
    expected = backtest_fills(result)
    assert len(expected) > 4, "the case must trade to prove anything"
    assert live_fills(engine, panel) == expected
    assert (engine.account.pos == result.positions[-1]).all()
    assert float(engine.account.final_equity()) == pytest.approx(result.summary["final_equity_inr"], abs=0.01)
    sent = sum(1 for i in engine.orders.intents.values() if i.broker_order_id)
    assert sent == len(engine.broker.orders())
