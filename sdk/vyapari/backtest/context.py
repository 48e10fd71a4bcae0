"""The backtest's :class:`~vyapari.strategy.context.StrategyContext`: a window onto the
panel up to the current slice, the account, and order entry into the simulated exchange."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import numpy as np

from vyapari.backtest.results import ts_iso_many
from vyapari.core.ids import ClientOrderIds, instrument_id
from vyapari.core.time import IST, ist_from_ns
from vyapari.model.orders import Order
from vyapari.strategy.actions import adjusted_rows, cumulative_ratio
from vyapari.strategy.orders import OrderRequest

if TYPE_CHECKING:
    from vyapari.backtest.event_loop import EventLoopEngine

FIELDS = ("open", "high", "low", "close", "volume")
_ISO_BLOCK = 4096  # slices whose ISO times are made at once


class EventContext:
    """What a strategy sees at slice ``bar_index`` (never anything later)."""

    def __init__(self, engine: EventLoopEngine) -> None:
        self._engine = engine
        panel = engine.panel
        self.symbols = panel.symbols
        self.lot_sizes = panel.lot_sizes
        self._columns = {s: i for i, s in enumerate(panel.symbols)}
        self._instruments = [instrument_id(engine.config.exchange.value, s) for s in panel.symbols]
        self.bar_index = 0
        self._cum = cumulative_ratio(panel) if panel.has_actions else None  # [T, N] splits so far
        self._ones = np.ones(len(panel.symbols))
        self._now_row = -1
        self._now = datetime.min.replace(tzinfo=IST)
        ids = ClientOrderIds(engine.config.run_id, engine.strategy.name)  # run, name and symbol hashed once
        self._ids = [ids.extended(s) for s in panel.symbols]
        self._iso_from = 0  # ISO texts of slices _iso_from.. (made a block at a time, in one numpy pass)
        self._iso: list[str] = []
        session_days: list[date] = panel.session_dates.astype("datetime64[D]").tolist()
        self._session_days = session_days
        self._session = panel.session
        self._ts = panel.ts
        self._rows = (panel.open, panel.high, panel.low, panel.close, panel.volume, panel.valid)
        self.close, self.valid = panel.close[0], panel.valid[0]

    def set_row(self, t: int) -> None:
        """Move to slice ``t`` (close and valid now; open, high, low and volume when read)."""
        self.bar_index = t
        rows = self._rows
        self.close, self.valid = rows[3][t], rows[5][t]

    @property
    def open(self) -> np.ndarray:
        """Opens of the current slice (₹), ``[N]``."""
        return self._rows[0][self.bar_index]

    @property
    def high(self) -> np.ndarray:
        """Highs of the current slice (₹), ``[N]``."""
        return self._rows[1][self.bar_index]

    @property
    def low(self) -> np.ndarray:
        """Lows of the current slice (₹), ``[N]``."""
        return self._rows[2][self.bar_index]

    @property
    def volume(self) -> np.ndarray:
        """Volumes of the current slice (shares), ``[N]``."""
        return self._rows[4][self.bar_index]

    @property
    def now(self) -> datetime:
        """Start of the current bar (IST)."""
        if self._now_row != self.bar_index:
            self._now = ist_from_ns(int(self._ts[self.bar_index]))
            self._now_row = self.bar_index
        return self._now

    def now_iso(self) -> str:
        """The current bar's start as ISO 8601 IST text (what order ids hash), made for a block of
        slices at once (:func:`~vyapari.backtest.results.ts_iso_many`, as the results name orders)."""
        k = self.bar_index - self._iso_from
        if not 0 <= k < len(self._iso):
            self._iso_from = self.bar_index
            self._iso = ts_iso_many(self._ts[self.bar_index : self.bar_index + _ISO_BLOCK])
            k = 0
        return self._iso[k]

    @property
    def session_date(self) -> date:
        """The current session's date."""
        return self.day_of(self.bar_index)

    def day_of(self, t: int) -> date:
        """The session date of slice ``t``."""
        return self._session_days[self._session[t]]

    def history(self, field: str, length: int) -> np.ndarray:
        """Rows ``max(0, t-length+1) .. t`` of ``field`` (``[<=length, N]``), in the shares of
        slice ``t`` (earlier prices ÷ any split or bonus ratio since, volumes ×)."""
        if field not in FIELDS:
            raise KeyError(f"unknown field {field!r}; use one of {', '.join(FIELDS)}")
        t = self.bar_index
        rows = getattr(self._engine.panel, field)[max(0, t - length + 1) : t + 1]
        if self._cum is None:
            return rows
        return adjusted_rows(rows, self._cum[max(0, t - length + 1) : t + 1], self._cum[t], field)

    @property
    def split_factor(self) -> np.ndarray:
        """``[N]`` shares now per share of the run's first session (splits and bonuses so far)."""
        return self._ones if self._cum is None else self._cum[self.bar_index]

    @property
    def positions(self) -> np.ndarray:
        """Signed quantity per symbol (a copy)."""
        return self._engine.pos.copy()

    @property
    def cash(self) -> float:
        """Cash in ₹ after charges."""
        return self._engine.cash

    @property
    def equity(self) -> float:
        """Cash plus positions at the last close (₹)."""
        return self._engine.cash + float(self._engine.pos @ self._engine.mark)

    def column(self, symbol: str) -> int:
        """Column of ``symbol``; ``KeyError`` naming it if unknown."""
        try:
            return self._columns[symbol]
        except KeyError:
            raise KeyError(f"symbol {symbol!r} is not in this backtest") from None

    def instrument(self, column: int) -> str:
        """``instrument_id`` of a column, e.g. ``"NSE:TCS"``."""
        return self._instruments[column]

    def order_id(self, column: int, sequence: int) -> str:
        """The deterministic ``client_order_id`` of the ``sequence``-th order of the run."""
        return self._ids[column](self.now_iso(), sequence)

    def submit(self, request: OrderRequest) -> str:
        """Submit an order; returns its ``client_order_id``."""
        engine = self._engine
        n = self._columns.get(request.symbol)
        if n is None:
            n = self.column(request.symbol)  # raises, naming it
        order = Order(
            self.order_id(n, len(engine.ledger.order_rows)),
            self._instruments[n],
            request.side,
            request.quantity,
            request.order_type,
            request.product,
            request.limit_price,
            request.trigger_price,
            self.now,
            request.tag,
        )
        engine.submit(order, n)
        return order.client_order_id

    def cancel(self, client_order_id: str) -> None:
        """Cancel an open order by id (unknown ids raise ``KeyError``)."""
        self._engine.cancel(self._engine.by_id[client_order_id])

    def open_orders(self) -> list[Order]:
        """Open orders, oldest first per symbol, symbols in column order."""
        exchange = self._engine.exchange
        if not exchange.has_resting:
            return []
        return [r.order for n in sorted(exchange.resting_columns()) for r in exchange.resting(n)]

    def is_squareoff_time(self) -> bool:
        """True from 15:20 IST to the end of the session."""
        return bool(self._engine.plan.after[self.bar_index])
