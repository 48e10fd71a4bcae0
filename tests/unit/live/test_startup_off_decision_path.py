"""The start-up work (reconciliation with the venue, the day's loss mark) is done when the first
live minute begins, not on the tick that closes it: that tick's decision waits for neither."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.integration.live.live_helpers import counters, make_engine, paper_broker

from vyapari.brokers.errors import BrokerUnavailable
from vyapari.brokers.paper import PaperBrokerAdapter
from vyapari.brokers.types import BrokerOrder, BrokerPosition, BrokerTrade
from vyapari.core.time import NS_PER_MINUTE, ist_from_ns
from vyapari.live.messages import submission
from vyapari.live.replay import panel_ticks
from vyapari.live.store import InMemoryOrderStateStore
from vyapari.model.enums import OrderType, ProductType, Side
from vyapari.model.events import Fill
from vyapari.model.intents import IntentKind, IntentState, OrderIntent
from vyapari.strategy.context import StrategyContext
from vyapari.strategy.strategy import Strategy
from vyapari.strategy.synthetic import random_walk_panel


class CountingStore(InMemoryOrderStateStore):
    """An in-memory order store that counts its reads of values (each a round trip in SQLite or
    DynamoDB)."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get_value(self, key: str) -> str | None:
        self.reads += 1
        return super().get_value(key)


class CountingBroker(PaperBrokerAdapter):
    """A paper broker that counts reads of its books (each a REST call at a real broker)."""

    def __init__(self) -> None:
        super().__init__(paper_broker().config)
        self.book_reads = 0

    def orders(self) -> list[BrokerOrder]:
        self.book_reads += 1
        return super().orders()

    def trades(self) -> list[BrokerTrade]:
        self.book_reads += 1
        return super().trades()

    def positions(self) -> list[BrokerPosition]:
        self.book_reads += 1
        return super().positions()


class Recorder(Strategy):
    """Places nothing; records what it is told, in order."""

    name = "recorder"

    def __init__(self) -> None:
        super().__init__(None)
        self.seen: list[tuple[str, Any]] = []

    def on_start(self, ctx: StrategyContext) -> None:
        self.seen.append(("start", None))

    def on_fill(self, ctx: StrategyContext, fill: Fill) -> None:
        self.seen.append(("fill", fill.client_order_id))


def _left_pending(engine_run: str, instrument: str, first_ns: int) -> OrderIntent:
    """An intent a previous process wrote for today and died before sending."""
    at = ist_from_ns(first_ns)
    return OrderIntent(
        "left-pending-1", engine_run, instrument, Side.BUY, 3, OrderType.MARKET, ProductType.CNC,
        decided_at=at, session_date=at.date(), kind=IntentKind.STRATEGY, opened_step=1,
    )


def test_the_first_tick_of_the_first_live_minute_reconciles_and_the_closing_tick_reads_no_books() -> None:
    panel = random_walk_panel(symbols=3, sessions=1, bars_per_session=5, seed=2)
    ticks = list(panel_ticks(panel))
    store, broker = CountingStore(), CountingBroker()
    engine = make_engine("sma_cross_bar", {"fast": 2, "slow": 3, "qty": 1}, panel, broker=broker, store=store)
    lost = _left_pending("parity", engine.instruments[1], ticks[0][1])
    store.put(lost)
    engine.orders._remember(lost)
    day = lost.session_date
    store.set_value(f"daily_loss:parity:{day}", "1")  # breached earlier today, before a restart

    engine.on_price(*ticks.pop(0))  # the session's first tick: no slice closes yet
    assert engine.slices == 0
    assert broker.find_order(lost.client_order_id) is not None  # resent already, before any decision
    assert engine.orders.intents[lost.client_order_id].state is IntentState.SUBMITTED

    first_minute = engine.builder.minute_ns
    while ticks[0][1] < first_minute + NS_PER_MINUTE:  # the rest of the first minute
        engine.on_price(*ticks.pop(0))
    reads, book_reads = store.reads, broker.book_reads
    engine.on_price(*ticks.pop(0))  # the tick that closes the first minute: its slice is decided
    assert engine.slices == 1
    assert engine.risk.daily_loss_breached  # the mark read ahead is acted on
    assert store.reads == reads  # no store read between the closing tick and the decision
    assert broker.book_reads == book_reads  # nor a book read


def test_fills_found_at_start_up_reach_the_strategy_once_it_has_started() -> None:
    panel = random_walk_panel(symbols=3, sessions=1, bars_per_session=5, seed=2)
    ticks = list(panel_ticks(panel))
    broker, strategy = paper_broker(), Recorder()
    engine = make_engine("recorder", {}, panel, broker=broker, strategy=strategy)
    lost = _left_pending("parity", engine.instruments[0], ticks[0][1])
    engine.store.put(lost)
    engine.orders._remember(lost)
    broker.submit(submission(lost))  # sent, and filled while no process ran; the answer never stored
    price = Decimal(str(panel.open[0][0]))
    broker.exchange.on_tick(lost.instrument_id, price, ist_from_ns(ticks[0][1]), 10)
    assert broker.trades()

    engine.on_price(*ticks.pop(0))  # the start-up reconciliation books the fill ...
    assert engine.account.trade_ids and strategy.seen == []  # ... before the strategy has started
    while engine.slices == 0:
        engine.on_price(*ticks.pop(0))
    assert strategy.seen == [("start", None), ("fill", lost.client_order_id)]


class BooksDownOnce(CountingBroker):
    """A paper broker whose first read of its order book fails (a REST call timing out)."""

    def orders(self) -> list[BrokerOrder]:
        if self.book_reads == 0:
            self.book_reads += 1
            raise BrokerUnavailable("order book read timed out", broker=self.name)
        return super().orders()


def test_a_failed_start_up_reconciliation_is_done_again_before_the_first_decision() -> None:
    panel = random_walk_panel(symbols=3, sessions=1, bars_per_session=5, seed=2)
    ticks = list(panel_ticks(panel))
    broker = BooksDownOnce()
    engine = make_engine("sma_cross_bar", {"fast": 2, "slow": 3, "qty": 1}, panel, broker=broker)
    lost = _left_pending("parity", engine.instruments[2], ticks[0][1])
    engine.store.put(lost)
    engine.orders._remember(lost)

    engine.on_price(*ticks.pop(0))  # the try at the first tick fails: logged and counted, not raised
    assert engine.orders.intents[lost.client_order_id].state is IntentState.PENDING
    assert counters(engine)["startup_reconcile_errors_total"] == 1
    while engine.slices == 0:
        engine.on_price(*ticks.pop(0))
    assert broker.find_order(lost.client_order_id) is not None  # resent by the first open phase
    assert engine.orders.intents[lost.client_order_id].state is not IntentState.PENDING
