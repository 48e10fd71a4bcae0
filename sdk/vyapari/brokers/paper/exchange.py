"""The paper exchange: the broker's view (order ids, Decimal prices, datetimes, trades, an order
book) over the :class:`~vyapari.execution.exchange.SimulatedExchange` the backtest uses.

Matching, the fill rules, netted charges and booking are the simulated exchange's, so paper equals
backtest; this adapter turns broker requests and bars into its calls and its fills into trades. A
tick is a bar whose OHLC is its price. Bars come one instrument at a time
(:meth:`PaperExchange.on_bar`), a whole minute at once (:meth:`PaperExchange.on_slice`) or as a
minute's opening trades (:meth:`PaperExchange.on_open`). The rules, and why each is as it is:
``docs/paper-exchange.md``.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

import numpy as np

from vyapari.brokers.paper.book import PaperOrder, SliceResult, book_entry
from vyapari.brokers.paper.config import PaperConfig
from vyapari.brokers.types import BrokerOrder, BrokerTrade, Candle, MinuteBars, OrderSubmission
from vyapari.core.time import IST
from vyapari.execution.exchange import Bar, Resting, SimulatedExchange
from vyapari.execution.limits import SQUAREOFF_MINUTE
from vyapari.execution.marks import MarkBook
from vyapari.execution.pricing import fill_price_one
from vyapari.model.enums import InstrumentKind, OrderStatus, OrderType, ProductType, segment_for
from vyapari.model.events import Fill
from vyapari.model.orders import Order
from vyapari.model.portfolio import Portfolio

log = logging.getLogger(__name__)

OPEN_WATCH_MAX_ORDERS = 64
"""Most resting orders for which :meth:`PaperExchange.open_watch` bounds the minute's fills (it
prices each order's charges once); with more, they are matched when the minute ends."""


def _minute_facts(start_at: datetime) -> tuple[date, bool]:
    """The IST session date of a bar starting at ``start_at`` and whether it is at/after 15:20."""
    ist = start_at.astimezone(IST)
    return ist.date(), ist.hour * 60 + ist.minute >= SQUAREOFF_MINUTE


class PaperExchange:
    """Order book, trade book and portfolio of the paper broker (thread-safe)."""

    def __init__(self, config: PaperConfig) -> None:
        self.config = config
        self._trade_ids = itertools.count(1)
        self.sim = SimulatedExchange(
            capital=config.initial_capital,
            fees=config.fees,
            slippage=config.slippage,
            leverage={p: float(config.leverage_for(p)) for p in ProductType},
            segments={p: segment_for(InstrumentKind.EQUITY, p) for p in ProductType},
            events=self,
            trade_id=lambda: f"PAPER-T{next(self._trade_ids):08d}",
        )
        self.orders: dict[str, PaperOrder] = {}
        self.trades: list[BrokerTrade] = []
        self.products: dict[str, ProductType] = {}
        self._entries: dict[str, BrokerOrder] = {}  # cached order book, by broker order id
        self._stale: dict[str, PaperOrder] = {}  # orders changed since their entry was built
        self._moved: list[PaperOrder] | None = None  # orders changed during the current slice
        self._fills: list[Fill] = []  # fills of the current match
        self._minute: datetime | None = None  # start of the minute being matched
        self._later: dict[str, Decimal] = {}  # closes of that minute (candles): marks from the next
        self._bands: dict[str, tuple[float, float]] = {}  # fill-price bands open_watch() relied on
        self._opened: set[str] = set()  # instruments matched at their opening trade this minute
        self._bar_keys = itertools.count()  # one per bar matched (the volume cap is per bar)
        self._ids = itertools.count(1)
        self._lock = threading.RLock()

    @property
    def portfolio(self) -> Portfolio:
        """The paper account (cash, positions, charges paid), booked by the simulated exchange."""
        return self.sim.portfolio

    @property
    def book(self) -> MarkBook:
        """The simulated exchange's marks and positions per instrument."""
        return self.sim.book

    def has_resting(self) -> bool:
        """True when an order rests (else a bar can fill nothing: it only moves marks)."""
        with self._lock:
            return self.sim.has_resting

    # ----- orders in ------------------------------------------------------------------
    def place(self, request: OrderSubmission) -> str:
        """Rest ``request`` until the next bar of its instrument; returns the paper order id."""
        with self._lock:
            broker_id = f"PAPER-{next(self._ids):08d}"
            order = Order(
                request.client_order_id,
                request.instrument_id,
                request.side,
                request.quantity,
                request.order_type,
                request.product,
                request.limit_price,
                request.trigger_price,
                tag=request.client_order_id,
            )
            order.transition(OrderStatus.SUBMITTED)
            order.transition(OrderStatus.OPEN)
            column = self.sim.column(request.instrument_id)
            resting = Resting(order, column, request.client_order_id, request.lot_size)
            paper = PaperOrder(order, broker_id, request.lot_size, resting)
            resting.handle = paper
            self.orders[broker_id] = paper
            self.sim.rest(resting)
            self.touch(paper)
            return broker_id

    def cancel(self, broker_order_id: str) -> None:
        """Cancel a resting order (an error if it is already complete)."""
        with self._lock:
            paper = self.orders[broker_order_id]
            self.sim.cancel(paper.resting, "cancelled by user")
            self.touch(paper)

    def touch(self, paper: PaperOrder) -> None:
        """Note that ``paper`` changed (its order book entry is rebuilt when next read)."""
        self._stale[paper.broker_order_id] = paper

    def order_book(self) -> list[BrokerOrder]:
        """Every order of the day, in placement order (entries rebuilt only for changed orders)."""
        with self._lock:
            for broker_id, paper in self._stale.items():
                self._entries[broker_id] = book_entry(paper)
            self._stale.clear()
            return list(self._entries.values())

    @property
    def marks(self) -> dict[str, Decimal]:
        """The last price in ₹ of every instrument that had a bar."""
        with self._lock:
            return self.book.as_dict() | self._later

    def mark(self, instrument_id: str) -> Decimal | None:
        """The last price in ₹ of ``instrument_id`` (None before its first bar)."""
        with self._lock:
            later = self._later.get(instrument_id)
            return later if later is not None else self.book.get(instrument_id)

    def _start_minute(self, at: datetime) -> None:
        """Begin matching bars of the minute starting ``at``: the previous minute's closes
        become the marks of buying-power checks and its fill marks are dropped."""
        if at == self._minute:
            return
        self._minute = at
        for instrument_id, close in self._later.items():
            self.book.set(instrument_id, close)
        self._later.clear()
        self._opened.clear()

    # ----- what the simulated exchange tells the broker ----------------------------------
    def filled(self, resting: Resting, fill: Fill, price: float) -> None:
        """A fill booked by the simulated exchange becomes a trade of the paper order."""
        paper = resting.handle
        assert isinstance(paper, PaperOrder)
        order = paper.order
        self.products[order.instrument_id] = order.product
        self.trades.append(
            BrokerTrade(
                fill.trade_id,
                paper.broker_order_id,
                order.instrument_id,
                order.side,
                fill.quantity,
                fill.price,
                fill.filled_at,
                order.product,
                order.client_order_id,
                fill.charges,
            )
        )
        self._fills.append(fill)
        self._changed(paper)

    def rejected(self, resting: Resting, reason: str) -> None:
        """A rejection by the simulated exchange changes the paper order's book entry."""
        paper = resting.handle
        assert isinstance(paper, PaperOrder)
        self._changed(paper)

    def _changed(self, paper: PaperOrder) -> None:
        self.touch(paper)
        if self._moved is not None:
            self._moved.append(paper)

    # ----- corporate actions -----------------------------------------------------------
    def settle_corporate_action(
        self, instrument_id: str, ratio: Decimal = Decimal(1), dividend_per_share: Decimal = Decimal(0)
    ) -> list[BrokerOrder]:
        """Settle a split or bonus (``ratio`` shares after / before) and a cash dividend (₹ per
        share) of ``instrument_id`` at the start of its ex-date, as the backtest does
        (:mod:`vyapari.strategy.actions`): resting orders of a split instrument are cancelled, the
        position's quantity × ratio and average ÷ ratio (a fractional share paid in cash at the
        adjusted mark), its mark ÷ ratio; the dividend is credited on the shares held. Returns
        the book entries of the orders it cancelled."""
        cancelled: list[BrokerOrder] = []
        with self._lock:
            if ratio != 1:
                column = self.sim.column(instrument_id)
                for resting in self.sim.cancel_column(column, "cancelled for a corporate action"):
                    paper = resting.handle
                    assert isinstance(paper, PaperOrder)
                    self.touch(paper)
                    cancelled.append(book_entry(paper))
                mark = self.mark(instrument_id) or Decimal(0)
                self.sim.split(instrument_id, ratio, mark)
                if instrument_id in self._later:
                    self._later[instrument_id] = self._later[instrument_id] / ratio
                elif mark:
                    self.book.set(instrument_id, mark / ratio)
            if dividend_per_share:
                self.sim.dividend(instrument_id, dividend_per_share)
        return cancelled

    # ----- market data in -----------------------------------------------------------
    def on_tick(self, instrument_id: str, price: Decimal, at: datetime, quantity: int = 0) -> list[Fill]:
        """Match resting orders against a trade of ``quantity`` units at ``price`` ₹ at ``at``.

        The tick is treated as a bar whose open, high, low and close are ``price``.
        """
        return self.on_bar(instrument_id, Candle(at, price, price, price, price, quantity))

    def on_bar(self, instrument_id: str, bar: Candle) -> list[Fill]:
        """Match resting orders of ``instrument_id`` (oldest first) against ``bar``; returns the fills."""
        with self._lock:
            at = bar.start_at
            self._start_minute(at)
            day, late = _minute_facts(at)
            o = float(bar.open)
            one = Bar(next(self._bar_keys), day, at, o, float(bar.high), float(bar.low), bar.volume, o, late)
            fills = self._match_instrument(instrument_id, one)
            self.book.column(instrument_id)  # known from now on (a stable order of marks)
            self._later[instrument_id] = bar.close
            return fills

    def on_slice(self, bars: MinuteBars) -> SliceResult:
        """One minute across ``bars.instruments``: the same as ``on_bar`` for each valid column in
        order. Only instruments with resting orders are matched; then every valid instrument is
        marked at its close."""
        instruments, start_at, valid = bars.instruments, bars.start_at, bars.valid
        open_, high, low, close, volume = bars.open, bars.high, bars.low, bars.close, bars.volume
        with self._lock:
            self._start_minute(start_at)
            layout = self.book.columns(instruments)
            day, late = _minute_facts(start_at)
            keys = self._bar_keys
            result = self._match_recorded(
                (
                    instruments[c],
                    Bar(next(keys), day, start_at, float(open_[c]), float(high[c]), float(low[c]),
                        int(volume[c]), float(open_[c]), late),
                )
                for c in self._columns_to_match(instruments, valid)
            )
            if self._bands:  # open_watch() bounded this minute's fills assuming prices in these bands
                self._check_bands(result.fills)
            valid_cols = np.flatnonzero(valid)
            self.book.set_many(layout[valid_cols], close[valid_cols])
            return result

    def _match_recorded(self, bars: Iterable[tuple[str, Bar]]) -> SliceResult:
        """Match each ``(instrument, bar)`` in order; returns the fills, their trades and the book
        entries of the orders that moved."""
        trades_before = len(self.trades)
        fills: list[Fill] = []
        moved: list[PaperOrder] = []
        self._moved = moved
        try:
            for instrument_id, bar in bars:
                fills += self._match_instrument(instrument_id, bar)
        finally:
            self._moved = None
        changed = {p.broker_order_id: p for p in moved}.values()
        return SliceResult(fills, self.trades[trades_before:], [book_entry(p) for p in changed])

    def _match_instrument(self, instrument_id: str, bar: Bar) -> list[Fill]:
        column = self.book.index.get(instrument_id)
        if column is None:
            return []
        self._fills = []
        self.sim.match(column, bar)
        fills, self._fills = self._fills, []
        return fills

    # ----- opening trades: fills before the minute ends -------------------------------
    def open_watch(self, max_orders: int = OPEN_WATCH_MAX_ORDERS) -> dict[str, tuple[float, float]]:
        """Instruments whose resting orders may fill at their next opening trade (:meth:`on_open`),
        each with the band of fill prices (₹) that keeps that safe; empty when it is not.

        A market order's fill at the next bar depends only on that bar's open when the slippage
        model is volume-free, so it can be made when the instrument's first trade of the minute
        arrives instead of when the minute ends. Only the buying-power check depends on the order
        in which a minute's instruments are matched, so the watch is given only when no resting
        order can fail it in any order (:meth:`SimulatedExchange.opening_bands`): then filling
        instruments at their opening trades, in the order they trade, gives the same fills, prices,
        charges and cash as matching the minute in column order (:meth:`on_slice`). Only
        instruments whose resting orders are all market orders are watched.
        """
        with self._lock:
            day = (self._minute or datetime.now(IST)).astimezone(IST).date()
            ids = self.book.ids
            bands = {ids[k]: band for k, band in self.sim.opening_bands(max_orders, day).items()}
            self._bands = bands
            return {
                i: band
                for i, band in bands.items()
                if all(r.order.order_type is OrderType.MARKET for r in self.sim.resting(self.book.index[i]))
            }

    def _check_bands(self, fills: list[Fill]) -> None:
        """Warn when a fill at the minute's end fell outside the band :meth:`open_watch` assumed
        (a move of more than 2× in a minute): had buying power been that close, the fills made
        at opening trades might differ from matching the minute in column order."""
        bands, self._bands = self._bands, {}
        for fill in fills:
            band = bands.get(fill.instrument_id)
            if band is not None and not band[0] <= float(fill.price) <= band[1]:
                log.warning(
                    "paper: %s filled at %s, outside the %.2f-%.2f band its minute's early fills assumed",
                    fill.instrument_id,
                    fill.price,
                    band[0],
                    band[1],
                )

    def on_open(
        self, instrument_id: str, start_at: datetime, price: float, band: tuple[float, float]
    ) -> SliceResult:
        """Fill ``instrument_id``'s resting market orders at its opening trade ``price`` ₹ of the
        minute starting ``start_at`` (see :meth:`open_watch`, which gives ``band``).

        Nothing fills (the orders wait for :meth:`on_slice`) when an order that is not a market
        order rests there, or when any of the fill prices would fall outside ``band``. The slice of
        that minute then matches only the instruments still resting.
        """
        with self._lock:
            column = self.book.index.get(instrument_id)
            resting = [] if column is None else self.sim.resting(column)
            if not resting or any(r.order.order_type is not OrderType.MARKET for r in resting):
                return SliceResult()
            slippage, low, high = self.config.slippage, band[0], band[1]
            for p in resting:
                fill = fill_price_one(slippage, p.sign, price, p.order.remaining_quantity, 0)
                if not low <= fill <= high:
                    log.warning(
                        "paper: %s opened at %s, a fill at %s is outside %.2f-%.2f; matched at the "
                        "minute's end instead",
                        instrument_id,
                        price,
                        fill,
                        low,
                        high,
                    )
                    return SliceResult()
            self._start_minute(start_at)
            self._opened.add(instrument_id)
            day, late = _minute_facts(start_at)
            opening = Bar(next(self._bar_keys), day, start_at, price, price, price, 0, price, late)
            return self._match_recorded([(instrument_id, opening)])

    def matters(self, instruments: Sequence[str]) -> np.ndarray:
        """``[N]`` True where an instrument has a resting order or an open position."""
        with self._lock:
            layout = self.book.columns(instruments)  # first: it may grow the book's arrays
            out = self.book.qty[layout] != 0
            positions = self.book.positions_of(instruments)
            ids = self.book.ids
            for k in self.sim.resting_columns():
                n = positions.get(ids[k])
                if n is not None:
                    out[n] = True
            return out

    def _columns_to_match(self, instruments: Sequence[str], valid: np.ndarray) -> list[int]:
        if not self.sim.has_resting:
            return []
        positions = self.book.positions_of(instruments)
        opened = self._opened  # matched once this minute already (a remainder waits for the next bar)
        ids = self.book.ids
        cols = [positions[i] for i in map(ids.__getitem__, self.sim.resting_columns())
                if i in positions and i not in opened]
        return sorted(c for c in cols if valid[c])
