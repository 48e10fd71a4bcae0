"""The paper broker's side of the live engine's venue seam (:class:`vyapari.brokers.venue.Venue`).

The engine hands every venue each finished minute and, when asked, the first trade of an
instrument in a minute. The paper broker's two latency shortcuts live here, not in the engine:

* **a minute held back**: when nothing rests at the exchange, matching a minute can fill nothing
  (it only moves marks), so the minute is matched later, before anything could read or depend on
  it: the next order placed, the venue's :meth:`~PaperFeed.catch_up` (the engine's ``sync``
  before it writes an order intent or records the minute done), the next minute;
* **fills at opening trades**: after each minute the exchange says which instruments' resting
  market orders may fill at their next opening trade and within which band of prices
  (:meth:`PaperExchange.open_watch`, only when the fills are then the minute's own); the first
  trade of such an instrument fills them at once (:meth:`PaperExchange.on_open`).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from vyapari.brokers.paper.book import SliceResult
from vyapari.brokers.paper.exchange import PaperExchange
from vyapari.brokers.types import MinuteBars


class _Matcher(Protocol):
    """The paper broker's market-data calls (a journaled broker journals them)."""

    @property
    def exchange(self) -> PaperExchange: ...

    def on_slice(self, bars: MinuteBars) -> SliceResult: ...

    def open_watch(self) -> dict[str, tuple[float, float]]: ...

    def on_open(
        self, instrument_id: str, start_at: datetime, price: float, band: tuple[float, float]
    ) -> SliceResult: ...


class PaperFeed:
    """Minutes and first trades into a paper broker (see the module docstring)."""

    def __init__(self, matcher: _Matcher) -> None:
        self._matcher = matcher
        self._held: MinuteBars | None = None  # a minute not matched yet: nothing rested
        self._bands: dict[str, tuple[float, float]] = {}  # instruments watched for their opening trade

    def on_minute(self, bars: MinuteBars) -> SliceResult:
        """Match ``bars`` (or hold them while nothing rests); returns what changed."""
        self.catch_up()
        self._bands = {}
        if not self._matcher.exchange.has_resting():  # nothing can fill: only marks move
            self._held = bars
            return SliceResult()
        return self._matcher.on_slice(bars)

    def catch_up(self) -> None:
        """Match the minute held back, if any (nothing rested, so nothing fills)."""
        held, self._held = self._held, None
        if held is not None:
            self._matcher.on_slice(held)

    def first_trades_wanted(self) -> Collection[str]:
        """The instruments whose resting orders may fill at their next opening trade."""
        self.catch_up()
        self._bands = self._matcher.open_watch()
        return self._bands.keys()

    def on_first_trade(self, instrument_id: str, minute_start: datetime, price: float) -> SliceResult:
        """Fill ``instrument_id``'s resting market orders at its opening trade ``price`` ₹."""
        band = self._bands.pop(instrument_id, None)
        if band is None:
            return SliceResult()
        return self._matcher.on_open(instrument_id, minute_start, price, band)
