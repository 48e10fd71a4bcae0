"""Market data into a bar-driven (simulated) broker.

A broker that exposes ``on_bar(instrument_id, Candle)`` fills resting orders against
bars (the paper broker). The engine hands it each finished slice before the strategy
decides, so an order decided on slice ``t`` fills at slice ``t+1``'s open, as in the
backtest. Real brokers do not expose ``on_bar``; they fill from the exchange.

A broker that also exposes ``on_slice`` takes the whole minute at once as float arrays
(no Decimal candle per instrument) and reports what the slice changed: its trades and the
orders whose status moved. The engine then books exactly those instead of reading the
broker's whole trade and order books.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from vyapari.brokers.types import BrokerOrder, BrokerTrade, Candle, MinuteBars
from vyapari.core.time import ist_from_ns
from vyapari.execution.pricing import to_price
from vyapari.live.bars import BarSlice


@runtime_checkable
class BarDrivenBroker(Protocol):
    """A broker that matches resting orders when given a bar."""

    def on_bar(self, instrument_id: str, bar: Candle) -> list[Any]:
        """Match resting orders of ``instrument_id`` against ``bar``; returns fills."""
        ...


class SliceOutcome(Protocol):
    """What a slice changed at a simulated broker."""

    @property
    def trades(self) -> Sequence[BrokerTrade]:
        """Executions of the slice."""
        ...

    @property
    def orders(self) -> Sequence[BrokerOrder]:
        """Current book entries of the orders whose status or fills moved in the slice."""
        ...


@runtime_checkable
class SliceDrivenBroker(Protocol):
    """A bar-driven broker that takes a whole minute across instruments as float arrays."""

    def on_slice(self, bars: MinuteBars) -> SliceOutcome:
        """Match resting orders against one minute's bars."""
        ...


def is_bar_driven(broker: object) -> bool:
    """True when ``broker`` fills from bars handed to it (paper)."""
    return isinstance(broker, BarDrivenBroker)


def feed_bar_driven_broker(broker: Any, instruments: Sequence[str], bar: BarSlice) -> SliceOutcome | None:
    """Give ``broker`` the slice ``bar`` (prices ₹ on the paisa, volume in units).

    Pass the same ``instruments`` tuple every time: a slice-driven broker caches its layout
    by identity.

    Returns what the slice changed when the broker takes whole slices (``on_slice``); for a
    broker that only takes candles (one per instrument with a bar), None: read its books.
    """
    start = ist_from_ns(bar.ts_ns)
    o, h, low, c, v = bar.ohlcv  # the five rows, once (each field of a BarSlice is a new view)
    on_slice = getattr(broker, "on_slice", None)  # a SliceDrivenBroker (isinstance is slow per slice)
    if on_slice is not None:
        outcome: SliceOutcome = on_slice(MinuteBars(instruments, start, o, h, low, c, v, bar.valid))
        return outcome
    for n in bar.valid.nonzero()[0].tolist():
        candle = Candle(start, to_price(o[n]), to_price(h[n]), to_price(low[n]), to_price(c[n]), int(v[n]))
        broker.on_bar(instruments[n], candle)
    return None
