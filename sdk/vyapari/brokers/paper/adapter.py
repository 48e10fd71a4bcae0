"""The paper broker: the :class:`BrokerAdapter` workflow over a :class:`PaperExchange`.

Feed it bars (:meth:`PaperBrokerAdapter.on_bar`), whole minutes across instruments as float
arrays (:meth:`PaperBrokerAdapter.on_slice`, what the live engine uses) or ticks
(:meth:`PaperBrokerAdapter.on_tick`) from a live or replayed stream; resting orders fill
against them with the backtest's rules, slippage and fee models, so paper equals backtest.
No network, no session, no rate limit.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal

from vyapari.brokers.base import BrokerAdapter
from vyapari.brokers.errors import BrokerFailure, OrderNotFound, OrderRejected
from vyapari.brokers.paper.book import PaperOrder, SliceResult
from vyapari.brokers.paper.config import PaperConfig
from vyapari.brokers.paper.exchange import PaperExchange
from vyapari.brokers.paper.venue import PaperFeed
from vyapari.brokers.retry import NO_RETRY
from vyapari.brokers.ticks import TickStream
from vyapari.brokers.types import (
    BrokerOrder,
    BrokerPosition,
    BrokerTrade,
    Candle,
    Holding,
    InstrumentInfo,
    MinuteBars,
    OrderChange,
    OrderSubmission,
    Tick,
)
from vyapari.core.errors import IllegalTransition
from vyapari.core.money import ZERO
from vyapari.model.enums import ProductType
from vyapari.model.events import Fill
from vyapari.model.portfolio import Portfolio


class PaperTickStream(TickStream):
    """A tick stream fed in-process: :meth:`push` delivers a tick to subscribers."""

    def _open(self) -> None:
        self.handle_open()

    def _close(self) -> None:
        self.handle_close("closed")

    def _send_subscribe(self, instrument_ids: Sequence[str]) -> None:
        """Nothing to send in-process."""

    def _send_unsubscribe(self, instrument_ids: Sequence[str]) -> None:
        """Nothing to send in-process."""

    def _decode(self, payload: bytes | str) -> tuple[list[Tick], int]:
        raise TypeError("the paper stream carries Tick objects, not frames")

    def push(self, tick: Tick) -> None:
        """Deliver ``tick`` to callbacks when its instrument is subscribed."""
        if tick.instrument_id in self._subscribed:  # a set lookup (``subscriptions`` copies the set)
            for callback in self._tick_callbacks:
                self._safely(callback, tick)


class PaperBrokerAdapter(BrokerAdapter):
    """Paper trading with the backtest's fill rules; ``config`` from :func:`paper_config_from_env`."""

    name = "paper"

    def __init__(self, config: PaperConfig | None = None) -> None:
        super().__init__(retry=NO_RETRY)
        self.config = config or PaperConfig()
        self.exchange = PaperExchange(self.config)
        self.feed = PaperFeed(self)  # the live engine's minutes and first trades
        self._streams: list[PaperTickStream] = []

    @property
    def portfolio(self) -> Portfolio:
        """The paper account (cash, positions, charges paid)."""
        return self.exchange.portfolio

    # ----- market data in ----------------------------------------------------------
    def on_bar(self, instrument_id: str, bar: Candle) -> list[Fill]:
        """Fill resting orders of ``instrument_id`` against ``bar``; returns the fills."""
        return self.exchange.on_bar(instrument_id, bar)

    def on_slice(self, bars: MinuteBars) -> SliceResult:
        """One minute's bars across instruments (see :meth:`PaperExchange.on_slice`); returns its
        fills, trades and the orders it moved."""
        return self.exchange.on_slice(bars)

    def open_watch(self) -> dict[str, tuple[float, float]]:
        """Instruments whose resting orders may fill at their next opening trade, with the band of
        fill prices that keeps those fills the same as the minute's (see
        :meth:`PaperExchange.open_watch`)."""
        return self.exchange.open_watch()

    def on_open(
        self, instrument_id: str, start_at: datetime, price: float, band: tuple[float, float]
    ) -> SliceResult:
        """Fill ``instrument_id``'s resting market orders at its opening trade ``price`` ₹ of the
        minute starting ``start_at`` (see :meth:`PaperExchange.on_open`); returns what changed."""
        return self.exchange.on_open(instrument_id, start_at, price, band)

    # the live engine's venue seam (vyapari.brokers.venue.Venue): see vyapari.brokers.paper.venue
    def on_minute(self, bars: MinuteBars) -> SliceResult | None:
        """A finished minute (see :meth:`PaperFeed.on_minute`)."""
        return self.feed.on_minute(bars)

    def first_trades_wanted(self) -> Collection[str]:
        """Instruments to fill at their next opening trade (see :meth:`PaperFeed.first_trades_wanted`)."""
        return self.feed.first_trades_wanted()

    def on_first_trade(self, instrument_id: str, minute_start: datetime, price: float) -> SliceResult:
        """An opening trade asked for (see :meth:`PaperFeed.on_first_trade`)."""
        return self.feed.on_first_trade(instrument_id, minute_start, price)

    def sync(self) -> None:
        """Match a minute held back (see :meth:`PaperFeed.catch_up`)."""
        self.feed.catch_up()

    def on_tick(self, tick: Tick) -> list[Fill]:
        """Fill resting orders against ``tick`` and forward it to subscribed streams."""
        fills = self.exchange.on_tick(tick.instrument_id, tick.price, tick.received_at, tick.last_quantity)
        for stream in self._streams:
            stream.push(tick)
        return fills

    def settle_corporate_action(
        self, instrument_id: str, at: datetime, ratio: Decimal, dividend_per_share: Decimal
    ) -> list[BrokerOrder]:
        """Settle a split, bonus or cash dividend at the paper exchange (see
        :meth:`PaperExchange.settle_corporate_action`); returns the orders it cancelled."""
        return self.exchange.settle_corporate_action(instrument_id, ratio, dividend_per_share)

    # ----- primitives -----------------------------------------------------------------
    def _place_order(self, request: OrderSubmission) -> str:
        self.feed.catch_up()  # a minute held back is matched before anything rests
        return self.exchange.place(request)

    def _modify_order(self, order: BrokerOrder, change: OrderChange) -> None:
        paper = self._paper(order.broker_order_id)
        if paper.order.status.is_terminal:
            status = paper.order.status.value
            raise OrderRejected(f"order {order.broker_order_id} is {status}", broker=self.name)
        target = paper.order
        if change.limit_price is not None:
            target.limit_price = change.limit_price
        if change.trigger_price is not None:
            target.trigger_price = change.trigger_price
        if change.quantity is not None:
            target.quantity = change.quantity
        if change.order_type is not None:
            target.order_type = change.order_type
        self.exchange.touch(paper)

    def _cancel_order(self, order: BrokerOrder) -> None:
        try:
            self.exchange.cancel(order.broker_order_id)
        except KeyError:
            raise OrderNotFound(f"no paper order {order.broker_order_id}", broker=self.name) from None
        except IllegalTransition as exc:
            raise OrderRejected(str(exc), broker=self.name) from None

    def _paper(self, broker_order_id: str) -> PaperOrder:
        try:
            return self.exchange.orders[broker_order_id]
        except KeyError:
            raise OrderNotFound(f"no paper order {broker_order_id}", broker=self.name) from None

    def _order_book(self) -> list[BrokerOrder]:
        return self.exchange.order_book()

    def _trade_book(self) -> list[BrokerTrade]:
        return list(self.exchange.trades)

    def _positions(self) -> list[BrokerPosition]:
        out = []
        for instrument_id, pos in self.exchange.portfolio.positions.items():
            mark = self._mark(instrument_id, pos.average_price)
            unrealised = pos.unrealised_pnl(mark) if pos.quantity else ZERO
            product = self.exchange.products.get(instrument_id, ProductType.CNC)
            out.append(BrokerPosition(instrument_id, pos.quantity, pos.average_price, product,
                                      pos.realised_pnl, unrealised))
        return out

    def _mark(self, instrument_id: str, fallback: Decimal) -> Decimal:
        mark = self.exchange.mark(instrument_id)
        return fallback if mark is None else mark

    def _holdings(self) -> list[Holding]:
        return [
            Holding(p.instrument_id, p.quantity, p.average_price)
            for p in self._positions()
            if p.product is ProductType.CNC and p.quantity > 0
        ]

    def _historical_candles(
        self, instrument_id: str, interval: str, start: datetime, end: datetime
    ) -> list[Candle]:
        return []

    def _instruments(self, exchange: str | None) -> list[InstrumentInfo]:
        return []

    def _ticks(self) -> TickStream:
        stream = PaperTickStream()
        self._streams.append(stream)
        return stream

    def _failure(self, exc: Exception) -> BrokerFailure | None:
        return None

    def equity(self) -> Decimal:
        """Cash plus open positions at the last seen prices, in ₹."""
        marks = {i: self._mark(i, p.average_price) for i, p in self.portfolio.positions.items()}
        return self.portfolio.equity(marks)
