"""The engine on a paper broker fed whole slices books exactly what candle-by-candle feeding books."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
from tests.integration.live.live_helpers import make_engine

from vyapari.brokers.paper import PaperBrokerAdapter, PaperConfig
from vyapari.brokers.types import Candle, MinuteBars
from vyapari.costs import FixedBpsSlippage, fee_model_from_spec
from vyapari.execution.pricing import to_price
from vyapari.live.replay import replay
from vyapari.strategy.synthetic import random_walk_panel


class CandleOnlyPaperBroker(PaperBrokerAdapter):
    """The paper broker fed one candle per instrument, saying nothing of what a minute changed
    (as a venue that fills on its own does): the engine must read its books."""

    def on_minute(self, bars: MinuteBars) -> None:
        o, h, low, c, v = bars.open, bars.high, bars.low, bars.close, bars.volume
        for n in bars.valid.nonzero()[0].tolist():
            candle = Candle(
                bars.start_at, to_price(o[n]), to_price(h[n]), to_price(low[n]), to_price(c[n]), int(v[n])
            )
            self.on_bar(bars.instruments[n], candle)


def _config() -> PaperConfig:
    # little cash: buying power binds; with leverage ≠ 1 the check depends on the marks of every
    # position, so on the order in which a slice's instruments are marked and matched
    return PaperConfig(
        Decimal("80000"), FixedBpsSlippage(Decimal("5")), fee_model_from_spec("zerodha"), Decimal("2")
    )


def _run(broker: PaperBrokerAdapter) -> Any:
    panel = random_walk_panel(symbols=40, sessions=1, bars_per_session=120, seed=21)
    params = {"fast": 2, "slow": 5, "qty": 25, "product": "MIS"}
    engine = make_engine("sma_cross_bar", params, panel, broker=broker)
    replay(engine, panel)
    return engine


def _intents(engine: Any) -> dict[str, tuple[object, ...]]:
    """State, fills, reason and closing step of every intent (a late status shows in the step)."""
    return {
        cid: (i.state, i.filled_quantity, i.reason, i.closed_step) for cid, i in engine.orders.intents.items()
    }


def test_slices_and_candles_give_the_same_fills_orders_and_account() -> None:
    by_slice, by_candle = _run(PaperBrokerAdapter(_config())), _run(CandleOnlyPaperBroker(_config()))
    fills = [(f.trade_id, f.client_order_id, f.quantity, f.price) for f in by_slice.account.portfolio.fills]
    assert fills == [
        (f.trade_id, f.client_order_id, f.quantity, f.price) for f in by_candle.account.portfolio.fills
    ]
    assert _intents(by_slice) == _intents(by_candle)
    assert np.array_equal(by_slice.account.pos, by_candle.account.pos)
    assert by_slice.account.final_equity() == by_candle.account.final_equity()
    assert by_slice.broker.portfolio.cash == by_candle.broker.portfolio.cash
    reasons = {i.reason for i in by_slice.orders.intents.values()}
    assert len(fills) > 100 and "insufficient buying power" in reasons
