"""A process killed between writing a slice's intents and sending them, then restarted, fills them
where an uninterrupted run does: at the next bar, never against the bar they were decided on."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.integration.live.live_helpers import CAPITAL, SLIPPAGE_BPS, live_fills, make_engine

from vyapari.brokers.paper import PaperConfig
from vyapari.brokers.paper.journal import JournaledPaperBrokerAdapter
from vyapari.brokers.types import OrderSubmission
from vyapari.costs import FixedBpsSlippage, fee_model_from_spec
from vyapari.live.replay import replay
from vyapari.live.store import SqliteOrderStateStore
from vyapari.model.intents import IntentState
from vyapari.strategy.synthetic import random_walk_panel

PARAMS = {"fast": 3, "slow": 8, "qty": 10}


class Killed(BaseException):
    """Stands for SIGKILL: nothing catches it."""


class DiesAtSend(JournaledPaperBrokerAdapter):
    """A journaled paper broker whose ``at``-th order placement never happens: the process dies."""

    def __init__(self, path: Path, at: int) -> None:
        super().__init__(path, _config())
        self.placements, self.at = 0, at

    def _place_order(self, request: OrderSubmission) -> str:
        self.placements += 1
        if self.placements == self.at:
            self._recording = False  # dead: nothing more reaches its journal (no finally of ours runs)
            raise Killed
        return super()._place_order(request)


def _config() -> PaperConfig:
    return PaperConfig(Decimal(str(CAPITAL)), FixedBpsSlippage(SLIPPAGE_BPS), fee_model_from_spec("zerodha"))


def test_an_order_written_but_never_sent_fills_at_the_next_bar_after_the_restart(tmp_path: Path) -> None:
    panel = random_walk_panel(symbols=4, sessions=1, bars_per_session=120, seed=6)
    clean = make_engine("sma_cross_bar", PARAMS, panel)
    replay(clean, panel)
    journal, db = tmp_path / "journal.jsonl", tmp_path / "orders.sqlite"
    dying = make_engine(
        "sma_cross_bar", PARAMS, panel, broker=DiesAtSend(journal, at=7), store=SqliteOrderStateStore(db)
    )
    try:
        replay(dying, panel)
    except Killed:
        pass
    else:
        raise AssertionError("the broker never died")
    assert isinstance(dying.store, SqliteOrderStateStore)
    dying.store.close()
    pending = [i for i in SqliteOrderStateStore(db).intents("parity") if i.state is IntentState.PENDING]
    assert pending  # written, never sent: the window this test is about
    restarted = make_engine(
        "sma_cross_bar", PARAMS, panel, broker=JournaledPaperBrokerAdapter(journal, _config()),
        store=SqliteOrderStateStore(db),
    )
    replay(restarted, panel)
    assert live_fills(restarted, panel) == live_fills(clean, panel)
