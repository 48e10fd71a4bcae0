"""A live run whose one order is 3.5 × the freeze quantity, and a paper broker that can SIGKILL itself.

Run as ``python -m tests.integration.live.slicing_helpers STATE_DIR [KILL_AT before|after]``: the
engine (SQLite intents in ``STATE_DIR/orders.sqlite``, a journaled paper broker in
``STATE_DIR/paper-journal.jsonl``) replays a short synthetic session; with ``KILL_AT`` the process
SIGKILLs itself at the ``KILL_AT``-th order placement, ``before`` the broker accepts it or ``after``
(accepted and journaled, its answer not yet recorded). Prints the engine's summary as JSON.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from vyapari.brokers.paper import PaperBrokerAdapter, PaperConfig
from vyapari.brokers.paper.journal import JournaledPaperBrokerAdapter
from vyapari.brokers.types import OrderSubmission
from vyapari.costs import FixedBpsSlippage, fee_model_from_spec
from vyapari.live.bars import SessionTable
from vyapari.live.engine import LiveConfig, LiveEngine
from vyapari.live.ports import InMemoryMetrics, InMemoryPublisher
from vyapari.live.replay import replay
from vyapari.live.store import OrderStateStore
from vyapari.market.calendar import get_calendar
from vyapari.model.enums import OrderType, ProductType, Side
from vyapari.model.events import Fill
from vyapari.strategy.context import StrategyContext
from vyapari.strategy.orders import OrderRequest
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.strategy import Strategy
from vyapari.strategy.synthetic import random_walk_panel

LOT = 50
FREEZE = 1800  # units: 36 lots
QUANTITY = 6300  # 3.5 × FREEZE = 126 lots → 1800, 1800, 1800, 900
ORDER_BAR = 3
CAPITAL = Decimal("1000000000")


class BigOrder(Strategy):
    """Buys ``QUANTITY`` of the only symbol at bar ``ORDER_BAR``; cancels what is open at ``cancel_bar``."""

    name = "big_order"

    def __init__(self, limit: Decimal | None = None, cancel_bar: int | None = None) -> None:
        super().__init__(product=ProductType.NRML)
        self.limit, self.cancel_bar = limit, cancel_bar
        self.submitted: list[str] = []
        self.fills: list[Fill] = []
        self.open_seen: list[tuple[str, int, int]] = []

    def on_bar(self, ctx: StrategyContext) -> None:
        symbol = ctx.symbols[0]
        if ctx.bar_index == ORDER_BAR:
            kind = OrderType.MARKET if self.limit is None else OrderType.LIMIT
            request = OrderRequest(symbol, Side.BUY, QUANTITY, kind, ProductType.NRML, self.limit)
            self.submitted.append(ctx.submit(request))
        if ctx.bar_index == self.cancel_bar:
            for order in ctx.open_orders():
                self.open_seen.append((order.client_order_id, order.quantity, order.filled_quantity))
                ctx.cancel(order.client_order_id)

    def on_fill(self, ctx: StrategyContext, fill: Fill) -> None:
        self.fills.append(fill)


class KillingPaperBroker(JournaledPaperBrokerAdapter):
    """A journaled paper broker that SIGKILLs its process at the ``kill_at``-th placement."""

    def __init__(self, path: Path, kill_at: int | None = None, when: str = "after") -> None:
        super().__init__(path, paper_config())
        self.kill_at, self.when, self.placed = kill_at, when, 0

    def _place_order(self, request: OrderSubmission) -> str:
        self.placed += 1
        if self.placed == self.kill_at and self.when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        broker_id = super()._place_order(request)
        if self.placed == self.kill_at and self.when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return broker_id


def paper_config() -> PaperConfig:
    """No fees, no slippage, capital far above the order's value."""
    return PaperConfig(CAPITAL, FixedBpsSlippage(Decimal(0)), fee_model_from_spec("none"))


def session_panel() -> BarPanel:
    """One symbol, twelve minutes of one session."""
    return random_walk_panel(symbols=1, sessions=1, bars_per_session=12, seed=5)


def make_engine(
    broker: PaperBrokerAdapter,
    store: OrderStateStore,
    strategy: Strategy,
    panel: BarPanel,
    *,
    freeze: int = FREEZE,
) -> LiveEngine:
    """A live engine over ``panel`` with lot ``LOT`` and freeze quantity ``freeze`` (units)."""
    return LiveEngine(
        strategy,
        broker,
        panel.symbols,
        LiveConfig(run_id="slicing", capital_inr=float(CAPITAL), fees="none"),
        store,
        SessionTable(get_calendar("NSE").session_bounds),
        lot_sizes=np.array([LOT]),
        freeze_quantities=np.array([freeze]),
        publisher=InMemoryPublisher(),
        metrics=InMemoryMetrics(),
    )


def placements(journal: Path) -> list[dict[str, Any]]:
    """The ``place`` records of a paper journal, in order."""
    lines = journal.read_text(encoding="utf-8").splitlines()
    return [r for r in (json.loads(x) for x in lines if '"op":"place"' in x)]


def main(argv: list[str]) -> int:
    from vyapari.live.store import SqliteOrderStateStore

    state = Path(argv[0])
    kill_at = int(argv[1]) if len(argv) > 1 else None
    broker = KillingPaperBroker(state / "paper-journal.jsonl", kill_at, argv[2] if len(argv) > 2 else "after")
    store = SqliteOrderStateStore(state / "orders.sqlite")
    panel = session_panel()
    engine = make_engine(broker, store, BigOrder(), panel)
    replay(engine, panel)
    print(json.dumps(engine.summary()))
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
