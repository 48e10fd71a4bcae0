"""The live :class:`~vyapari.strategy.context.StrategyContext` and the engine's account.

:class:`LiveAccount` books fills (Decimal, :class:`~vyapari.model.portfolio.Portfolio`) and
keeps float mirrors for the hot path: signed positions and marks per column, cash in ₹.
Marks follow the backtest: a fill moves its column's mark to the fill price; after the
decisions of a slice every symbol with a bar is marked at its close.

:class:`LiveContext` shows a strategy the current slice (row ``bar_index`` of the
:class:`~vyapari.live.history.BarHistory`), the account, and order entry through the
engine (risk checks, intents, the broker).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from vyapari.core.ids import ClientOrderIds
from vyapari.core.money import to_decimal
from vyapari.core.time import IST, ist_from_ns
from vyapari.model.events import Fill
from vyapari.model.orders import Order
from vyapari.model.portfolio import Portfolio
from vyapari.strategy.orders import OrderRequest
from vyapari.strategy.panel import BAR_COLUMNS

if TYPE_CHECKING:
    from vyapari.live.engine import LiveEngine


class LiveAccount:
    """Cash (₹), positions (units) and marks (₹) of the run's symbols."""

    def __init__(self, columns: dict[str, int], capital_inr: float) -> None:
        self.columns = columns
        self.portfolio = Portfolio(initial_cash=to_decimal(capital_inr))
        n = len(columns)
        self.pos = np.zeros(n, dtype=np.int64)
        self.mark = np.zeros(n)
        self.cash = float(capital_inr)
        self.trade_ids: set[str] = set()
        self._sums: tuple[float, float] | None = None  # (Σ pos × mark, Σ |pos| × mark) until a change

    def book(self, fill: Fill) -> int:
        """Apply ``fill`` once (by ``trade_id``); returns its column (-1 if not ours)."""
        self.portfolio.apply(fill)
        self.trade_ids.add(fill.trade_id)
        n = self.columns.get(fill.instrument_id, -1)
        if n >= 0:
            self.pos[n] += fill.signed_quantity
            self.mark[n] = float(fill.price)
        self.cash = float(self.portfolio.cash)
        self._sums = None
        return n

    def settle_corporate_action(self, instrument_id: str, ratio: float, dividend_per_share: float) -> None:
        """A split or bonus (position × ``ratio``, mark ÷ it, a fractional share paid in cash) and a
        cash dividend (₹ per share held) at the start of the ex-date, as the paper exchange and the
        backtest settle them."""
        n = self.columns.get(instrument_id, -1)
        if ratio != 1.0:
            mark = to_decimal(float(self.mark[n])) if n >= 0 else Decimal(0)
            self.portfolio.apply_split(instrument_id, to_decimal(ratio), mark)
            if n >= 0:
                self.mark[n] = self.mark[n] / ratio
                self.pos[n] = self.portfolio.position(instrument_id).quantity
        if dividend_per_share:
            self.portfolio.credit_dividend(instrument_id, to_decimal(dividend_per_share))
        self.cash = float(self.portfolio.cash)
        self._sums = None

    def mark_closes(self, close: np.ndarray, valid: np.ndarray) -> None:
        """Mark symbols with a bar at their close (₹)."""
        self.mark[valid] = close[valid]
        self._sums = None

    def _position_sums(self) -> tuple[float, float]:
        # the risk gate reads both for every order of a slice; positions and marks only move
        # in book() and mark_closes(), which drop the cached sums
        if self._sums is None:
            self._sums = (float(self.pos @ self.mark), float(np.abs(self.pos) @ self.mark))
        return self._sums

    def settle(self) -> None:
        """Work out the position sums now, off the decision path, instead of at its first risk check."""
        self._position_sums()

    @property
    def equity(self) -> float:
        """Cash plus positions at the marks, in ₹."""
        return self.cash + self._position_sums()[0]

    @property
    def gross_exposure(self) -> float:
        """Σ |position| × mark in ₹."""
        return self._position_sums()[1]

    def final_equity(self) -> Decimal:
        """Exact equity in ₹: Decimal cash plus positions at the marks."""
        return self.portfolio.cash + sum(
            (to_decimal(float(self.mark[n])) * int(q) for n, q in enumerate(self.pos.tolist()) if q),
            Decimal(0),
        )


# bar start (UTC ns), past square-off, now, its ISO form, the session date, the slice's order ids
_Times = tuple[int, bool, datetime, str, date, ClientOrderIds]


class LiveContext:
    """What a strategy sees at the current slice of a live run (never anything later)."""

    close: np.ndarray
    valid: np.ndarray

    def __init__(self, engine: LiveEngine) -> None:
        self._engine = engine
        self.symbols = engine.history.symbols
        self.lot_sizes = engine.history.lot_sizes
        self._columns = {s: i for i, s in enumerate(self.symbols)}
        self.bar_index = 0
        self._now = datetime.min.replace(tzinfo=IST)
        self.now_iso = self._now.isoformat()
        self.session_day = date.min  # the slice's session date, worked out with its times
        self._squareoff = False
        self.order_ids = ClientOrderIds("", "", "")  # the slice's: run, strategy, now_iso (set_row)
        # worked out early:
        self._ahead: _Times = (-1, False, self._now, self.now_iso, date.min, self.order_ids)

    def set_row(self, t: int) -> None:
        """Move to slice ``t`` of the history."""
        h = self._engine.history
        self.bar_index = t
        self.close, self.valid = h.row("close", t), h.row("valid", t)  # open, high, low, volume: on read
        ts = h.ts(t)
        times = self._ahead if self._ahead[0] == ts else self._times(ts, h.session_date(t))
        _, self._squareoff, self._now, self.now_iso, self.session_day, self.order_ids = times

    def prepare(self, ts_ns: int, session_date: date) -> None:
        """Work out the times of a slice starting at ``ts_ns`` (UTC ns) in ``session_date`` ahead of
        it, after the current slice (off the decision path): :meth:`set_row` takes them when that
        slice comes, and works them out itself for any other."""
        self._ahead = self._times(ts_ns, session_date)

    def _times(self, ts_ns: int, session_date: date) -> _Times:
        engine = self._engine
        now = ist_from_ns(ts_ns)
        iso = now.isoformat()  # order ids hash the ISO 8601 IST form
        ids = ClientOrderIds(engine.config.run_id, engine.strategy.name, iso)  # + symbol, leg
        # past 15:20 is asked once per order
        return ts_ns, engine.after_squareoff(ts_ns), now, iso, session_date, ids

    @property
    def open(self) -> np.ndarray:
        """The current slice's opens in ₹ ``[N]`` (NaN where a symbol had no bar)."""
        return self._engine.history.row("open", self.bar_index)

    @property
    def high(self) -> np.ndarray:
        """The current slice's highs in ₹ ``[N]``."""
        return self._engine.history.row("high", self.bar_index)

    @property
    def low(self) -> np.ndarray:
        """The current slice's lows in ₹ ``[N]``."""
        return self._engine.history.row("low", self.bar_index)

    @property
    def volume(self) -> np.ndarray:
        """The current slice's volumes in units ``[N]``."""
        return self._engine.history.row("volume", self.bar_index)

    @property
    def now(self) -> datetime:
        """Start of the current bar (IST)."""
        return self._now

    @property
    def session_date(self) -> date:
        """The current session's date (IST)."""
        return self._engine.history.session_date(self.bar_index)

    def history(self, field: str, length: int) -> np.ndarray:
        """The last ``length`` rows (up to now) of ``field``: ``[<=length, N]``, in today's shares."""
        if field not in BAR_COLUMNS:
            raise KeyError(f"unknown field {field!r}; use one of {', '.join(BAR_COLUMNS)}")
        return self._engine.history.tail_adjusted(field, self.bar_index, length)

    @property
    def split_factor(self) -> np.ndarray:
        """``[N]`` shares now per share of the run's first session (splits and bonuses so far)."""
        return self._engine.history.split_factor(self.bar_index)

    @property
    def positions(self) -> np.ndarray:
        """Signed units per symbol (a copy)."""
        return self._engine.account.pos.copy()

    @property
    def cash(self) -> float:
        """Cash in ₹ after charges."""
        return self._engine.account.cash

    @property
    def equity(self) -> float:
        """Cash plus positions at the last marks, in ₹."""
        return self._engine.account.equity

    def column(self, symbol: str) -> int:
        """Column of ``symbol``; ``KeyError`` naming it if unknown."""
        try:
            return self._columns[symbol]
        except KeyError:
            raise KeyError(f"symbol {symbol!r} is not in this live run") from None

    def submit(self, request: OrderRequest) -> str:
        """Submit an order through the risk gate; returns its ``client_order_id``."""
        return self._engine.submit_strategy_order(request)

    def cancel(self, client_order_id: str) -> None:
        """Cancel an open order of the strategy (no-op if terminal)."""
        self._engine.cancel_strategy_order(client_order_id)

    def open_orders(self) -> list[Order]:
        """The strategy's open orders, oldest first."""
        return self._engine.strategy_open_orders()

    def is_squareoff_time(self) -> bool:
        """True from the MIS square-off time (15:20 IST) to the end of the session."""
        return self._squareoff
