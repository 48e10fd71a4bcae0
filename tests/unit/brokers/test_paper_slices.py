"""A whole minute handed to the paper broker as float arrays fills exactly as bar-by-bar candles do."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from vyapari.brokers.paper import PaperBrokerAdapter, PaperConfig
from vyapari.brokers.paper.journal import JournaledPaperBrokerAdapter
from vyapari.brokers.types import Candle, MinuteBars, OrderSubmission
from vyapari.core.time import IST
from vyapari.costs import FixedBpsSlippage, NoSlippage, VolumeShareSlippage, ZerodhaFees, fee_model_from_spec
from vyapari.execution.pricing import to_price
from vyapari.model.enums import OrderStatus, OrderType, ProductType, Side

T0 = datetime(2026, 1, 5, 9, 15, tzinfo=IST)
IDS = [f"NSE:S{n:02d}" for n in range(12)]


def _config(slippage: str, capital: str = "60000", leverage: str = "1") -> PaperConfig:
    slip = FixedBpsSlippage(Decimal("5")) if slippage == "fixed" else VolumeShareSlippage(Decimal("0.1"))
    return PaperConfig(Decimal(capital), slip, ZerodhaFees(), Decimal(leverage))


def _bars(at: datetime, s: dict[str, np.ndarray]) -> MinuteBars:
    """The minute ``s`` of :func:`_slices` across ``IDS``, starting at ``at``."""
    return MinuteBars(IDS, at, s["open"], s["high"], s["low"], s["close"], s["volume"], s["valid"])


def _slices(rng: np.random.Generator, count: int) -> list[dict[str, np.ndarray]]:
    """Random minutes for IDS: prices on the paisa, some instruments without a bar."""
    base = rng.uniform(50, 500, len(IDS))
    out = []
    for _ in range(count):
        base = base * np.exp(rng.normal(0, 0.01, len(IDS)))
        o, a, b, c = (np.round(base * np.exp(rng.normal(0, 0.004, len(IDS))), 2) for _ in range(4))
        valid = rng.random(len(IDS)) > 0.2
        volume = rng.integers(0, 2_000, len(IDS)).astype(float) + rng.random(len(IDS))
        high, low = np.maximum.reduce([o, a, b, c]), np.minimum.reduce([o, a, b, c])
        out.append(
            {
                "open": o,
                "high": high,
                "low": low,
                "close": c,
                "volume": np.where(valid, volume, np.nan),
                "valid": valid,
            }
        )
    return out


def _orders(rng: np.random.Generator, minute: int, closes: np.ndarray) -> list[OrderSubmission]:
    out = []
    for k in range(int(rng.integers(0, 7))):
        n = int(rng.integers(0, len(IDS)))
        order_type = OrderType(rng.choice([t.value for t in OrderType]))
        side = Side.BUY if rng.random() < 0.6 else Side.SELL
        near = Decimal(str(round(float(closes[n]) * (1 + rng.normal(0, 0.005)), 2)))
        limit = near if order_type in (OrderType.LIMIT, OrderType.SL) else None
        trigger = near if order_type in (OrderType.SL, OrderType.SL_M) else None
        lot = int(rng.choice([1, 5]))
        qty = lot * int(rng.integers(1, 40))
        product = ProductType.CNC if rng.random() < 0.5 else ProductType.MIS
        out.append(
            OrderSubmission(f"m{minute}k{k}", IDS[n], side, qty, order_type, product, limit, trigger, lot)
        )
    return out


def _feed_candles(broker: PaperBrokerAdapter, at: datetime, s: dict[str, np.ndarray]) -> None:
    for n in np.flatnonzero(s["valid"]).tolist():
        candle = Candle(
            at,
            to_price(s["open"][n]),
            to_price(s["high"][n]),
            to_price(s["low"][n]),
            to_price(s["close"][n]),
            int(s["volume"][n]),
        )
        broker.on_bar(IDS[n], candle)


def _state(broker: PaperBrokerAdapter) -> tuple[object, ...]:
    trades = [(t.trade_id, t.client_order_id, t.quantity, t.price, t.filled_at) for t in broker.trades()]
    orders = [(o.client_order_id, o.status, o.filled_quantity, o.average_price) for o in broker.orders()]
    positions = [(p.instrument_id, p.quantity, p.average_price, p.unrealised_pnl) for p in broker.positions()]
    return trades, orders, positions, broker.portfolio.cash, broker.equity()


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("slippage", ["fixed", "volume"])
def test_paper_slices_fill_exactly_as_candles_one_instrument_at_a_time(seed: int, slippage: str) -> None:
    rng = np.random.default_rng(seed)
    by_candle, by_slice = PaperBrokerAdapter(_config(slippage)), PaperBrokerAdapter(_config(slippage))
    slices = _slices(rng, 40)
    moved_total = 0
    for minute, s in enumerate(slices):
        for request in _orders(rng, minute, s["close"]):
            by_candle.submit(request)
            by_slice.submit(request)
        at = T0 + timedelta(minutes=minute)
        _feed_candles(by_candle, at, s)
        before = {o.client_order_id: o for o in by_slice.orders()}
        result = by_slice.on_slice(_bars(at, s))
        after = {o.client_order_id: o for o in by_slice.orders()}
        changed = {cid for cid, o in after.items() if o != before[cid]}
        assert {o.client_order_id for o in result.orders} == changed
        assert all(after[o.client_order_id] == o for o in result.orders)
        assert [t.trade_id for t in result.trades] == [f.trade_id for f in result.fills]
        moved_total += len(result.orders)
        assert _state(by_slice) == _state(by_candle)
    statuses = {o.status for o in by_slice.orders()}
    assert moved_total > 20 and OrderStatus.FILLED in statuses and OrderStatus.REJECTED in statuses


def test_a_fill_exactly_at_the_buying_power_limit_is_allowed_and_one_more_is_not() -> None:
    config = PaperConfig(Decimal("1000"), NoSlippage(), fee_model_from_spec("none"), Decimal("1"))
    broker = PaperBrokerAdapter(config)
    broker.submit(OrderSubmission("exact", "NSE:A", Side.BUY, 10, product=ProductType.MIS))
    broker.submit(OrderSubmission("over", "NSE:B", Side.BUY, 1, product=ProductType.MIS))
    one = np.ones(2)
    bars = MinuteBars(["NSE:A", "NSE:B"], T0, 100 * one, 100 * one, 100 * one, 100 * one, 1e6 * one, one > 0)
    result = broker.on_slice(bars)
    assert [(t.client_order_id, t.quantity) for t in result.trades] == [("exact", 10)]
    assert {o.client_order_id: o.status for o in result.orders} == {
        "exact": OrderStatus.FILLED,
        "over": OrderStatus.REJECTED,
    }
    assert broker.portfolio.cash == Decimal("0")


def test_a_journaled_slice_rebuilds_the_same_account_and_is_taken_once(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    path = tmp_path / "journal.jsonl"
    broker = JournaledPaperBrokerAdapter(path, _config("volume", capital="200000"))
    slices = _slices(rng, 30)
    for minute, s in enumerate(slices):
        for request in _orders(rng, minute, s["close"]):
            broker.submit(request)
        at = T0 + timedelta(minutes=minute)
        broker.on_slice(_bars(at, s))
    s = slices[-1]
    again = broker.on_slice(_bars(at, s))
    assert not again.trades and not again.orders
    broker.close()
    reopened = JournaledPaperBrokerAdapter(path, _config("volume", capital="200000"))
    assert len(broker.trades()) > 10
    assert _state(reopened) == _state(broker)
    held = [p.instrument_id for p in broker.positions() if p.quantity]
    assert held and all(reopened.exchange.mark(i) == broker.exchange.mark(i) for i in held)
    reopened.close()


def test_a_journaled_first_slice_of_more_instruments_than_the_marks_hold_is_taken(tmp_path: Path) -> None:
    ids = tuple(f"NSE:W{n:03d}" for n in range(200))  # more than the mark book's first 64 slots
    broker = JournaledPaperBrokerAdapter(tmp_path / "journal.jsonl", _config("fixed"))
    price = np.full(len(ids), 100.0)
    result = broker.on_slice(MinuteBars(ids, T0, price, price, price, price, price * 10, price > 0))
    assert result.trades == [] and broker.exchange.mark(ids[-1]) == Decimal("100")
