"""The paper exchange: resting orders filled against a live or replayed stream of bars or ticks.

It applies the backtest's fill and charge rules (:mod:`vyapari.execution`, netted charges from
:mod:`vyapari.costs.netting`) so paper equals backtest; a tick is a bar whose OHLC is its price.
Bars come one instrument at a time (:meth:`PaperExchange.on_bar`), a whole minute at once
(:meth:`PaperExchange.on_slice`) or as a minute's opening trades (:meth:`PaperExchange.on_open`).
The rules it shares with the backtest, and why each is as it is: ``docs/paper-exchange.md``.
"""

from __future__ import annotations

import itertools
import logging
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import numpy as np

from vyapari.brokers.paper.book import PaperOrder, SliceResult, book_entry
from vyapari.brokers.paper.config import PaperConfig
from vyapari.brokers.paper.marks import MarkBook
from vyapari.brokers.types import BrokerOrder, BrokerTrade, Candle, MinuteBars, OrderSubmission
from vyapari.core.ids import split_instrument_id
from vyapari.core.time import IST
from vyapari.costs.netting import ChargeBook
from vyapari.costs.slippage import UNLIMITED
from vyapari.execution.limits import SQUAREOFF_MINUTE
from vyapari.execution.matching import match_order
from vyapari.execution.pricing import fill_price_one, max_fill_quantity, to_price
from vyapari.execution.rules import allowed_quantity, cut_to_buying_power, exposure_fits
from vyapari.model.charges import Charges
from vyapari.model.enums import (
    Exchange,
    InstrumentKind,
    OrderStatus,
    OrderType,
    ProductType,
    segment_for,
)
from vyapari.model.events import Fill
from vyapari.model.orders import Order
from vyapari.model.portfolio import Portfolio

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Bar:
    """One instrument's bar as the matcher reads it: floats in ₹, volume in units; ``late``
    when it starts at/after the 15:20 IST square-off."""

    start_at: datetime
    day: date
    open: float
    high: float
    low: float
    volume: int
    late: bool


OPEN_WATCH_MAX_ORDERS = 64
"""Most resting orders for which :meth:`PaperExchange.open_watch` bounds the minute's fills (it
prices each order's charges once); with more, they are matched when the minute ends."""


def _f(value: Decimal | None) -> float:
    return math.nan if value is None else float(value)


def _minute_facts(start_at: datetime) -> tuple[date, bool]:
    """The IST session date of a bar starting at ``start_at`` and whether it is at/after 15:20."""
    ist = start_at.astimezone(IST)
    return ist.date(), ist.hour * 60 + ist.minute >= SQUAREOFF_MINUTE


class PaperExchange:
    """Order book, trade book and portfolio of the paper broker (thread-safe)."""

    def __init__(self, config: PaperConfig) -> None:
        self.config = config
        self.portfolio = Portfolio(initial_cash=config.initial_capital)
        self.charge_book = ChargeBook(config.fees)  # charges netted per (scrip, session)
        self.orders: dict[str, PaperOrder] = {}
        self.trades: list[BrokerTrade] = []
        self.products: dict[str, ProductType] = {}
        self.book = MarkBook()
        self._leverage = {p: float(config.leverage_for(p)) for p in ProductType}  # read per fill
        self._resting: dict[str, list[PaperOrder]] = {}  # instrument → open orders, oldest first
        self._entries: dict[str, BrokerOrder] = {}  # cached order book, by broker order id
        self._stale: dict[str, PaperOrder] = {}  # orders changed since their entry was built
        self._moved: list[PaperOrder] | None = None  # orders changed during the current slice
        self._minute: datetime | None = None  # start of the minute being matched
        self._later: dict[str, Decimal] = {}  # closes of that minute (candles): marks from the next
        self._bands: dict[str, tuple[float, float]] = {}  # fill-price bands open_watch() relied on
        self._opened: set[str] = set()  # instruments matched at their opening trade this minute
        self._ids = itertools.count(1)
        self._trade_ids = itertools.count(1)
        self._lock = threading.RLock()

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
            paper = PaperOrder(order, broker_id, request.lot_size)
            self.orders[broker_id] = paper
            self._resting.setdefault(request.instrument_id, []).append(paper)
            self.touch(paper)
            return broker_id

    def cancel(self, broker_order_id: str) -> None:
        """Cancel a resting order (an error if it is already complete)."""
        with self._lock:
            paper = self.orders[broker_order_id]
            paper.order.transition(OrderStatus.CANCELLED, "cancelled by user")
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
                for paper in self._resting.pop(instrument_id, []):
                    if not paper.order.status.is_terminal:
                        paper.order.transition(OrderStatus.CANCELLED, "cancelled for a corporate action")
                        self.touch(paper)
                        cancelled.append(book_entry(paper))
                mark = self.mark(instrument_id) or Decimal(0)
                self.portfolio.apply_split(instrument_id, ratio, mark)
                if instrument_id in self._later:
                    self._later[instrument_id] = self._later[instrument_id] / ratio
                elif mark:
                    self.book.set(instrument_id, mark / ratio)
                k = self.book.column(instrument_id)
                self.book.qty[k] = self.portfolio.position(instrument_id).quantity
            if dividend_per_share:
                self.portfolio.credit_dividend(instrument_id, dividend_per_share)
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
            one = _Bar(at, day, float(bar.open), float(bar.high), float(bar.low), bar.volume, late)
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
            result = self._match_recorded(
                (
                    instruments[c],
                    _Bar(start_at, day, float(open_[c]), float(high[c]), float(low[c]), int(volume[c]), late),
                )
                for c in self._columns_to_match(instruments, valid)
            )
            if self._bands:  # open_watch() bounded this minute's fills assuming prices in these bands
                self._check_bands(result.fills)
            valid_cols = np.flatnonzero(valid)
            self.book.set_many(layout[valid_cols], close[valid_cols])
            return result

    def _match_recorded(self, bars: Iterable[tuple[str, _Bar]]) -> SliceResult:
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

    # ----- opening trades: fills before the minute ends -------------------------------
    def open_watch(self, max_orders: int = OPEN_WATCH_MAX_ORDERS) -> dict[str, tuple[float, float]]:
        """Instruments whose resting orders may fill at their next opening trade (:meth:`on_open`),
        each with the band of fill prices (₹) that keeps that safe; empty when it is not.

        A market order's fill at the next bar depends only on that bar's open when the slippage
        model is volume-free, so it can be made when the instrument's first trade of the minute
        arrives instead of when the minute ends. Only the buying-power check depends on the order
        in which a minute's instruments are matched, so the watch is given only when no resting
        order can fail it in any order: with every fill price within half and twice its
        instrument's mark (``m``),

            gross exposure ≤ G + 2X  and  equity ≥ E − 2C − 1.5X

        where ``G`` is the gross exposure of instruments without resting orders, ``X`` the sum of
        ``(|position| + resting units) × m`` over those with, ``E`` today's equity and ``C`` the
        charges of every resting order at ``2m``; the watch needs ``G + 2X ≤ L × (E − 2C − 1.5X)``
        with ``L`` the lowest leverage of the resting orders' products. Then filling instruments
        at their opening trades, in the order they trade, gives the same fills, prices, charges
        and cash as matching the minute in column order (:meth:`on_slice`). Only instruments whose
        resting orders are all market orders are watched; none when more than ``max_orders``
        orders rest (their matching then stays at the slice) or an instrument with a resting order
        has no mark yet.
        """
        with self._lock:
            self._bands = {}
            if not self._resting or not self.config.slippage.volume_free:
                return {}
            live = {i: [p for p in ps if not p.order.status.is_terminal] for i, ps in self._resting.items()}
            if sum(len(ps) for ps in live.values()) > max_orders:
                return {}
            n = len(self.book.index)
            qty, marks = self.book.qty[:n], self.book.price[:n]
            gross = float(np.abs(qty) @ marks)
            equity = float(self.portfolio.cash) + float(qty @ marks)
            exposure, charges, leverage = 0.0, Decimal(0), math.inf
            bands: dict[str, tuple[float, float]] = {}
            day = (self._minute or datetime.now(IST)).astimezone(IST).date()
            for instrument_id, orders in live.items():
                k = self.book.index.get(instrument_id)
                mark = self.book.price[k] if k is not None and k < n else 0.0
                if not orders:
                    continue
                if not mark > 0:
                    return {}
                held = abs(float(qty[k]))
                gross -= held * mark
                exposure += (held + sum(p.order.remaining_quantity for p in orders)) * mark
                for p in orders:
                    at_twice = self._charges(p.order, p.order.remaining_quantity, 2.0 * mark, day).total
                    charges += max(at_twice, Decimal(0))  # a refund of a same-day adjustment: none
                    leverage = min(leverage, self._leverage[p.order.product])
                bands[instrument_id] = (mark / 2.0, 2.0 * mark)
            if not bands:
                return {}
            worst_gross = gross + 2.0 * exposure
            worst_equity = equity - 2.0 * float(charges) - 1.5 * exposure
            margin = 1e-6 * (abs(worst_gross) + abs(leverage * worst_equity)) + 1.0  # ₹1 and float error
            if worst_gross + margin > leverage * worst_equity:
                return {}
            self._bands = bands
            return {
                i: band
                for i, band in bands.items()
                if all(p.order.order_type is OrderType.MARKET for p in live[i])
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
            resting = [p for p in self._resting.get(instrument_id, ()) if not p.order.status.is_terminal]
            if not resting or any(p.order.order_type is not OrderType.MARKET for p in resting):
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
            opening = _Bar(start_at, day, price, price, price, 0, late)  # market orders read the open
            return self._match_recorded([(instrument_id, opening)])

    def matters(self, instruments: Sequence[str]) -> np.ndarray:
        """``[N]`` True where an instrument has a resting order or an open position."""
        with self._lock:
            layout = self.book.columns(instruments)  # first: it may grow the book's arrays
            out = self.book.qty[layout] != 0
            positions = self.book.positions_of(instruments)
            for instrument_id in self._resting:
                n = positions.get(instrument_id)
                if n is not None:
                    out[n] = True
            return out

    def _columns_to_match(self, instruments: Sequence[str], valid: np.ndarray) -> list[int]:
        if not self._resting:
            return []
        positions = self.book.positions_of(instruments)
        opened = self._opened  # matched once this minute already (a remainder waits for the next bar)
        cols = [positions[i] for i in self._resting if i in positions and i not in opened]
        return sorted(c for c in cols if valid[c])

    def _match_instrument(self, instrument_id: str, bar: _Bar) -> list[Fill]:
        resting = self._resting.get(instrument_id)
        if not resting:
            return []
        cap = max_fill_quantity(self.config.slippage, bar.volume)
        fills: list[Fill] = []
        for paper in resting:
            if paper.order.status.is_terminal:
                continue
            squareoff = bar.late and self._squares_off(paper)
            fill = self._match(paper, bar, UNLIMITED if squareoff else cap)
            if fill is not None:
                if not squareoff:
                    cap -= fill.quantity
                fills.append(fill)
        still = [p for p in resting if not p.order.status.is_terminal]
        if still:
            self._resting[instrument_id] = still
        else:
            del self._resting[instrument_id]
        return fills

    def _match(self, paper: PaperOrder, bar: _Bar, cap: int) -> Fill | None:
        order = paper.order
        o = bar.open
        m = match_order(
            order.order_type,
            paper.sign,
            _f(order.limit_price),
            _f(order.trigger_price),
            paper.triggered,
            o,
            bar.high,
            bar.low,
            o,
        )
        paper.triggered = paper.triggered or m.triggered
        if math.isnan(m.price):
            return None
        qty = self._allowed(paper, cap)
        if qty == 0:
            return None
        price = m.price
        if m.slippage:
            price = fill_price_one(self.config.slippage, paper.sign, price, qty, bar.volume)
        qty, _ = self._within_buying_power(paper, qty, price, bar)
        return self._book(paper, bar, qty, price) if qty else None

    def _squares_off(self, paper: PaperOrder) -> bool:
        """True for an MIS market order that only closes (part of) a position (see the module doc)."""
        order = paper.order
        if order.product is not ProductType.MIS or order.order_type is not OrderType.MARKET:
            return False
        position = self.portfolio.positions.get(order.instrument_id)
        held = 0 if position is None else position.quantity
        return held != 0 and abs(held + paper.sign * order.remaining_quantity) <= abs(held)

    def _allowed(self, paper: PaperOrder, cap: int) -> int:
        order = paper.order
        held = self.portfolio.position(order.instrument_id).quantity
        qty, refused = allowed_quantity(
            order.remaining_quantity, cap, paper.lot_size, order.side, order.product, held
        )
        if refused is not None:
            self._reject(paper, refused)
        return qty

    def _within_buying_power(self, paper: PaperOrder, qty: int, price: float, bar: _Bar) -> tuple[int, None]:
        """The fillable quantity (whole lots; :func:`~vyapari.execution.rules.cut_to_buying_power`,
        as the backtest cuts it, with the marks of this minute's :class:`MarkBook`)."""
        order = paper.order
        k = self.book.column(order.instrument_id)
        leverage = self._leverage[order.product]

        def fits(q: int, after: int) -> bool:
            charges = self._charges(order, q, price, bar.day)
            cash = float(self.portfolio.cash) - paper.sign * q * price - float(charges.total)
            n = len(self.book.index)
            return exposure_fits(self.book.qty[:n], self.book.price[:n], k, after, price, cash, leverage)

        held = self.portfolio.position(order.instrument_id).quantity
        qty = cut_to_buying_power(held, paper.sign, qty, paper.lot_size, fits)
        if qty == 0:
            self._reject(paper, "insufficient buying power")
        return qty, None

    def _reject(self, paper: PaperOrder, reason: str) -> None:
        partly = paper.order.status is OrderStatus.PARTIALLY_FILLED
        paper.order.transition(OrderStatus.CANCELLED if partly else OrderStatus.REJECTED, reason)
        self.touch(paper)
        if self._moved is not None:
            self._moved.append(paper)

    def _charges(self, order: Order, qty: int, price: float, day: date, *, book: bool = False) -> Charges:
        """The charges (₹) of a fill, netted per scrip-day (:mod:`vyapari.costs.netting`), as the
        backtest books them; booked into the day only when ``book``."""
        exchange, _ = split_instrument_id(order.instrument_id)
        segment = segment_for(InstrumentKind.EQUITY, order.product)
        how = self.charge_book.book if book else self.charge_book.preview
        return how(
            order.instrument_id,
            Exchange(exchange),
            day,
            segment,
            order.client_order_id,
            order.side,
            qty,
            to_price(price),
        )

    def _book(self, paper: PaperOrder, bar: _Bar, qty: int, price: float) -> Fill:
        order = paper.order
        trade_id = f"PAPER-T{next(self._trade_ids):08d}"
        charges = self._charges(order, qty, price, bar.day, book=True)  # = the check's preview
        fill = Fill(
            trade_id,
            order.client_order_id,
            order.instrument_id,
            order.side,
            qty,
            to_price(price),
            bar.start_at,
            order.product,
            charges,
        )
        self.portfolio.apply(fill)
        self.book.fill(order.instrument_id, paper.sign * qty, price)  # later checks this minute see it
        order.record_fill(trade_id, qty, fill.price)
        self.products[order.instrument_id] = order.product
        self.trades.append(
            BrokerTrade(
                trade_id,
                paper.broker_order_id,
                order.instrument_id,
                order.side,
                qty,
                fill.price,
                bar.start_at,
                order.product,
                order.client_order_id,
                charges,
            )
        )
        self.touch(paper)
        if self._moved is not None:
            self._moved.append(paper)
        return fill
