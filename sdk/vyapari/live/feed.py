"""Market data into a bar-driven (simulated) broker.

A broker that exposes ``on_bar(instrument_id, Candle)`` fills resting orders against
bars (the paper broker). The engine hands it each finished slice before the strategy
decides, so an order decided on slice ``t`` fills at slice ``t+1``'s open, as in the
backtest. Real brokers do not expose ``on_bar``; they fill from the exchange.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from vyapari.brokers.types import Candle
from vyapari.core.time import ist_from_ns
from vyapari.execution.pricing import to_price
from vyapari.live.bars import BarSlice


@runtime_checkable
class BarDrivenBroker(Protocol):
    """A broker that matches resting orders when given a bar."""

    def on_bar(self, instrument_id: str, bar: Candle) -> list[Any]:
        """Match resting orders of ``instrument_id`` against ``bar``; returns fills."""
        ...


def is_bar_driven(broker: object) -> bool:
    """True when ``broker`` fills from bars handed to it (paper)."""
    return isinstance(broker, BarDrivenBroker)


def feed_bar_driven_broker(broker: Any, instruments: Sequence[str], bar: BarSlice) -> None:
    """Give ``broker`` one candle per instrument with a bar in ``bar`` (prices ₹ on the paisa)."""
    start = ist_from_ns(bar.ts_ns)
    for n in bar.valid.nonzero()[0].tolist():
        candle = Candle(
            start,
            to_price(bar.open[n]),
            to_price(bar.high[n]),
            to_price(bar.low[n]),
            to_price(bar.close[n]),
            int(bar.volume[n]),
        )
        broker.on_bar(instruments[n], candle)
