"""POST /orders → the live engine: each manual order is risk-checked, placed once, its outcome recorded."""

from __future__ import annotations

from typing import Any

from tests.integration.live.live_helpers import counters, make_engine

from vyapari.api.ports import MemoryRecordStore
from vyapari.api.trading import INBOX, RecordOrderInbox, record_manual_order
from vyapari.live.engine import LiveEngine
from vyapari.live.replay import replay
from vyapari.live.risk import RiskLimits
from vyapari.model.intents import IntentKind, IntentState
from vyapari.strategy.context import StrategyContext
from vyapari.strategy.strategy import Strategy
from vyapari.strategy.synthetic import random_walk_panel

QUIET = ("sma_cross_bar", {"fast": 5, "slow": 20, "qty": 1})  # replaced by Idle below


class Idle(Strategy):
    """Trades nothing (a target strategy would flatten the manual position on its next bar)."""

    name = "idle"

    def on_bar(self, ctx: StrategyContext) -> None:
        return None


def _engine(panel: Any, **kwargs: Any) -> LiveEngine:
    engine = make_engine(*QUIET, panel, run_id="manual", **kwargs)
    engine.strategy = Idle()
    return engine


def _order(cid: str, instrument: str, quantity: int, **extra: Any) -> dict[str, Any]:
    return {"client_order_id": cid, "mode": "paper", "instrument_id": instrument, "side": "BUY",
            "quantity": quantity, "order_type": "MARKET", "product": "CNC", **extra}


def test_manual_orders_are_placed_once_blocked_by_limits_and_rejected_outside_the_universe() -> None:
    panel = random_walk_panel(symbols=2, sessions=1, bars_per_session=60, seed=3)
    engine = _engine(panel, limits=RiskLimits(max_order_quantity=100))
    orders = MemoryRecordStore()
    inbox = RecordOrderInbox(orders, "paper")
    engine.inbox = inbox
    held = engine.instruments[0]
    at = "2026-11-24T09:00:00+05:30"
    record_manual_order(orders, _order("manual-buy-01", held, 10), "trader@x", at)
    record_manual_order(orders, _order("manual-big-02", held, 1000), "trader@x", at)
    record_manual_order(orders, _order("manual-out-03", "NSE:NOTHERE", 1), "trader@x", at)
    record_manual_order(orders, _order("manual-buy-01", held, 10), "trader@x", at)  # retried: one order

    replay(engine, panel)

    ids = ("manual-buy-01", "manual-big-02", "manual-out-03")
    buy, big, out = (orders.get("intent#paper", cid) or {} for cid in ids)
    assert buy["status"] == "ACCEPTED"
    assert big["status"] == "BLOCKED" and "max_order_quantity" in big["reason"]
    assert out["status"] == "REJECTED" and "NSE:NOTHERE" in out["reason"]
    assert orders.query(f"{INBOX}#paper", limit=10).items == []  # every order taken off the inbox
    manual = [i for i in engine.orders.intents.values() if i.kind is IntentKind.MANUAL]
    placed = [i for i in manual if i.state is IntentState.FILLED]
    assert [(i.client_order_id, i.quantity) for i in placed] == [(buy["placed_as"], 10)]
    assert int(engine.account.pos[0]) == 10 and len(engine.broker.orders()) == 1
    assert counters(engine)["manual_orders_total{status=ACCEPTED}"] == 1


def test_an_order_taken_but_not_reported_before_a_crash_is_not_placed_again() -> None:
    panel = random_walk_panel(symbols=1, sessions=1, bars_per_session=30, seed=4)
    engine = _engine(panel)
    orders = MemoryRecordStore()

    class ForgetfulInbox(RecordOrderInbox):
        """Loses its first report, as a crash between placing and reporting would."""

        lost = False

        def done(self, request_id: str, status: str, reason: str | None, client_order_id: str | None) -> None:
            if not self.lost:
                self.lost = True
                self._keys.pop(request_id, None)
                return
            super().done(request_id, status, reason, client_order_id)

    engine.inbox = ForgetfulInbox(orders, "paper")
    once = _order("manual-once-1", engine.instruments[0], 5)
    record_manual_order(orders, once, "trader@x", "2026-11-24T09:00")
    replay(engine, panel)
    recorded = orders.get("intent#paper", "manual-once-1")
    assert recorded is not None and recorded["status"] == "ACCEPTED"
    assert len(engine.broker.orders()) == 1 and int(engine.account.pos[0]) == 5
