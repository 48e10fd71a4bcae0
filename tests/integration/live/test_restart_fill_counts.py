"""After a restart mid-session, re-booked trades must not be counted twice against their intents.

The restarted engine re-books every trade of the broker's book (its new ledger starts empty);
the intents loaded from the store already count the fills booked before the crash.
"""

from __future__ import annotations

from pathlib import Path

from tests.integration.live.live_helpers import make_engine, run_live

from vyapari.live.replay import replay
from vyapari.live.store import SqliteOrderStateStore
from vyapari.strategy.synthetic import random_walk_panel

SMA = ("sma_cross_bar", {"fast": 5, "slow": 20, "qty": 10})


def _intents(engine: object) -> list[tuple[str, str, int, int | None, int]]:
    return [
        (i.client_order_id, i.state.value, i.filled_quantity, i.closed_step, i.opened_step)
        for i in engine.orders.intents.values()  # type: ignore[attr-defined]
    ]


def test_intents_after_a_restart_equal_an_uninterrupted_run(tmp_path: Path) -> None:
    panel = random_walk_panel(symbols=3, sessions=1, bars_per_session=375, seed=11)
    path = tmp_path / "orders.sqlite"
    first = make_engine(*SMA, panel, store=SqliteOrderStateStore(path))
    half = panel.with_arrays(valid=panel.valid.copy())
    half.valid[200:] = False
    replay(first, half)
    filled_before = [i for i in first.orders.intents.values() if i.filled_quantity]
    assert filled_before, "the first half must have filled orders for the restart to re-book"

    restarted = make_engine(*SMA, panel, broker=first.broker, store=SqliteOrderStateStore(path))
    replay(restarted, panel)
    uninterrupted = run_live(*SMA, panel)

    assert all(i.filled_quantity <= i.quantity for i in restarted.orders.intents.values())
    assert _intents(restarted) == _intents(uninterrupted)
    reloaded = SqliteOrderStateStore(path).intents()
    assert [(i.client_order_id, i.filled_quantity) for i in reloaded] == [
        (cid, filled) for cid, _, filled, _, _ in _intents(uninterrupted)
    ]
