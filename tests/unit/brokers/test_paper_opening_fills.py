"""Fills at opening trades (``open_watch`` / ``on_open``) are the fills the minute would have made.

The paper broker may fill resting market orders when their instrument's first trade of the minute
arrives, in the order instruments trade, instead of in column order when the minute ends. These
tests run the same orders and minutes through a broker that does so and one that does not, and
require the same orders, trades, positions and cash; and they check each case where the broker
must refuse to (a volume cap, buying power that could bind, no mark, a price far from the mark).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from tests.unit.brokers.test_paper_slices import IDS, T0, _bars, _slices

from vyapari.brokers.paper import PaperBrokerAdapter, PaperConfig
from vyapari.brokers.paper.journal import InMemoryPaperJournal, JournaledPaperBrokerAdapter
from vyapari.brokers.types import MinuteBars, OrderSubmission
from vyapari.costs import FixedBpsSlippage, VolumeShareSlippage, ZerodhaFees
from vyapari.costs.slippage import SlippageModel
from vyapari.model.enums import OrderStatus, OrderType, ProductType, Side


def _config(capital: str, slippage: SlippageModel | None = None) -> PaperConfig:
    return PaperConfig(Decimal(capital), slippage or FixedBpsSlippage(Decimal("5")), ZerodhaFees())


def _market_orders(rng: np.random.Generator, minute: int) -> list[OrderSubmission]:
    out = []
    for k in range(int(rng.integers(0, 8))):
        n = int(rng.integers(0, len(IDS)))
        side = Side.BUY if rng.random() < 0.6 else Side.SELL
        product = ProductType.CNC if rng.random() < 0.4 else ProductType.MIS
        order_type = OrderType.LIMIT if rng.random() < 0.1 else OrderType.MARKET
        limit = Decimal("100000") if side is Side.BUY else Decimal("0.05")  # marketable: fills at the open
        out.append(
            OrderSubmission(
                f"m{minute}k{k}", IDS[n], side, int(rng.integers(1, 60)), order_type, product,
                limit if order_type is OrderType.LIMIT else None,
            )
        )
    return out


def _books(broker: PaperBrokerAdapter) -> tuple[object, ...]:
    orders = sorted(
        (o.client_order_id, o.status, o.filled_quantity, o.average_price) for o in broker.orders()
    )
    trades = sorted((t.client_order_id, t.quantity, t.price, t.charges) for t in broker.trades())
    positions = sorted((p.instrument_id, p.quantity, p.average_price) for p in broker.positions())
    return orders, trades, positions, broker.portfolio.cash


def _run(seed: int, capital: str) -> tuple[PaperBrokerAdapter, PaperBrokerAdapter, int, int]:
    """The same minutes and orders through a broker filling at opening trades and one that does not;
    returns both and how many fills were made at opening trades and how many watches were refused."""
    rng = np.random.default_rng(seed)
    early, late = PaperBrokerAdapter(_config(capital)), PaperBrokerAdapter(_config(capital))
    opening_fills = refused = 0
    for minute, s in enumerate(_slices(rng, 30)):
        at = T0 + timedelta(minutes=minute)
        watch = early.open_watch() if minute else {}
        refused += bool(minute and not watch and early.exchange.has_resting())
        traded = [IDS.index(i) for i in watch if s["valid"][IDS.index(i)]]
        for n in rng.permutation(traded).tolist():  # in the order the instruments happen to trade
            opening_fills += len(early.on_open(IDS[n], at, float(s["open"][n]), watch[IDS[n]]).trades)
        early.on_slice(_bars(at, s))
        late.on_slice(_bars(at, s))
        assert _books(early) == _books(late), f"minute {minute}"
        for request in _market_orders(rng, minute):
            early.submit(request)
            late.submit(request)
    return early, late, opening_fills, refused


@pytest.mark.parametrize("seed", range(5))
def test_fills_at_opening_trades_in_any_order_equal_the_minutes_fills(seed: int) -> None:
    early, _, opening_fills, _ = _run(seed, "5000000")
    assert opening_fills > 20  # the watch was given and used
    assert {o.status for o in early.orders()} >= {OrderStatus.FILLED}


@pytest.mark.parametrize("seed", range(5))
def test_with_little_capital_the_books_still_agree_and_some_watches_are_refused(seed: int) -> None:
    early, _, _, refused = _run(seed, "20000")  # buying power binds: orders get cut and rejected
    assert refused > 0
    statuses = {o.status for o in early.orders()}
    assert OrderStatus.REJECTED in statuses or OrderStatus.CANCELLED in statuses


def _one_order_broker(capital: str = "1000000", slippage: SlippageModel | None = None) -> PaperBrokerAdapter:
    broker = PaperBrokerAdapter(_config(capital, slippage))
    one = np.ones(2)
    broker.on_slice(_two(T0, 100.0 * one))
    broker.submit(OrderSubmission("a", "NSE:A", Side.BUY, 10, product=ProductType.MIS))
    return broker


def _two(at: datetime, price: np.ndarray, volume: float = 1e6) -> MinuteBars:
    return MinuteBars(("NSE:A", "NSE:B"), at, price, price, price, price, volume * np.ones(2), price > 0)


def test_a_volume_cap_or_buying_power_that_could_bind_gives_no_watch() -> None:
    assert _one_order_broker().open_watch() == {"NSE:A": (50.0, 200.0)}
    assert _one_order_broker(slippage=VolumeShareSlippage(Decimal("0.1"))).open_watch() == {}
    # ₹1,000 at 2× the mark is ₹2,000 of exposure: more than 5× what ₹1,000 of equity may be worth then
    assert _one_order_broker(capital="1000").open_watch() == {}
    assert _one_order_broker(capital="20000").open_watch() != {}


def test_an_instrument_without_a_mark_or_with_a_limit_order_is_not_watched() -> None:
    broker = _one_order_broker()
    broker.submit(OrderSubmission("c", "NSE:C", Side.BUY, 1, product=ProductType.MIS))  # never had a bar
    assert broker.open_watch() == {}
    broker = _one_order_broker()
    broker.submit(OrderSubmission("b", "NSE:B", Side.BUY, 1, OrderType.LIMIT, ProductType.MIS, Decimal("99")))
    assert set(broker.open_watch()) == {"NSE:A"}  # B's limit order needs the whole bar


def test_an_opening_price_far_from_the_mark_leaves_the_order_for_the_minutes_end() -> None:
    broker = _one_order_broker()
    band = broker.open_watch()["NSE:A"]
    at = T0 + timedelta(minutes=1)
    assert broker.on_open("NSE:A", at, 250.0, band).trades == []
    assert [o.status for o in broker.orders()] == [OrderStatus.OPEN]
    result = broker.on_slice(_two(at, np.array([250.0, 100.0])))
    assert [t.client_order_id for t in result.trades] == ["a"]  # filled at the slice instead
    filled = broker.on_open("NSE:A", at + timedelta(minutes=1), 101.0, band)
    assert filled.trades == []  # nothing rests any more


def test_a_journaled_broker_rebuilds_the_same_books_from_its_opening_fills() -> None:
    rng = np.random.default_rng(11)
    journal = InMemoryPaperJournal()
    broker = JournaledPaperBrokerAdapter(journal, _config("5000000"))
    opening = 0
    for minute, s in enumerate(_slices(rng, 20)):
        at = T0 + timedelta(minutes=minute)
        watch = broker.open_watch() if minute else {}
        for instrument_id, band in watch.items():
            n = IDS.index(instrument_id)
            if s["valid"][n]:
                opening += len(broker.on_open(instrument_id, at, float(s["open"][n]), band).trades)
        broker.on_slice(_bars(at, s))
        for request in _market_orders(rng, minute):
            broker.submit(request)
    assert opening > 10
    assert any('"op":"open"' in line for line in journal.read_all())
    again = JournaledPaperBrokerAdapter(InMemoryPaperJournal(journal.read_all()), _config("5000000"))
    trades = [(t.trade_id, t.client_order_id, t.quantity, t.price) for t in broker.trades()]
    assert [(t.trade_id, t.client_order_id, t.quantity, t.price) for t in again.trades()] == trades
    assert _books(again) == _books(broker)
    at = T0 + timedelta(minutes=3)  # a minute whose slice the journal already holds: ignored
    assert again.on_open(IDS[0], at, 100.0, (0.0, 1e9)).trades == []


def test_inside_a_held_slice_the_slice_line_is_written_before_the_next_line_or_at_the_end() -> None:
    from vyapari.core.deferred_log import deferred

    journal = InMemoryPaperJournal()
    broker = JournaledPaperBrokerAdapter(journal, _config("5000000"))
    rng = np.random.default_rng(3)
    minutes = _slices(rng, 3)
    broker.on_slice(_bars(T0, minutes[0]))  # outside a held block: written at once
    assert [json.loads(x)["op"] for x in journal.read_all()] == ["slice"]
    with deferred.held():
        broker.on_slice(_bars(T0 + timedelta(minutes=1), minutes[1]))
        assert len(journal.read_all()) == 1  # held back while the strategy decides
        broker.submit(OrderSubmission("x", IDS[0], Side.BUY, 5, product=ProductType.MIS))
        assert [json.loads(x)["op"] for x in journal.read_all()] == ["slice", "slice", "place"]
    with deferred.held():
        broker.on_slice(_bars(T0 + timedelta(minutes=2), minutes[2]))
        assert len(journal.read_all()) == 3
    assert [json.loads(x)["op"] for x in journal.read_all()] == ["slice", "slice", "place", "slice"]
    again = JournaledPaperBrokerAdapter(InMemoryPaperJournal(journal.read_all()), _config("5000000"))
    assert _books(again) == _books(broker)
