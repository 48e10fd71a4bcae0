"""Zerodha Kite Connect v3 through the official ``kiteconnect`` client.

Orders go to ``POST /orders/regular`` with ``tag`` = our ``client_order_id`` (≤ 20
characters) so the order book can be searched by it after a time-out; MARKET and SL-M
orders carry ``market_protection``. The access token is read through the session provider
before each call (a new daily token is used at once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import pandas as pd

from vyapari.brokers.base import BrokerAdapter
from vyapari.brokers.candle_rows import candle_rows_frame
from vyapari.brokers.errors import BrokerFailure, InvalidOrder
from vyapari.brokers.retry import RetryPolicy
from vyapari.brokers.session import BrokerSession, SessionProvider
from vyapari.brokers.ticks import TickStream
from vyapari.brokers.types import (
    BrokerOrder,
    BrokerPosition,
    BrokerTrade,
    Candle,
    Holding,
    InstrumentInfo,
    OrderChange,
    OrderSubmission,
)
from vyapari.brokers.zerodha.client import kite_failure, make_kite_client
from vyapari.brokers.zerodha.config import KiteConfig
from vyapari.brokers.zerodha.parsing import (
    candle_from_kite,
    holding_from_kite,
    instrument_from_kite,
    order_from_kite,
    position_from_kite,
    trade_from_kite,
)
from vyapari.core.ids import split_instrument_id
from vyapari.core.time import IST
from vyapari.instruments.records import InstrumentRecord
from vyapari.model.enums import OrderType

VARIETY = "regular"
_PROTECTED = (OrderType.MARKET, OrderType.SL_M)


def _num(value: object) -> float | None:
    return None if value is None else float(str(value))


class KiteBrokerAdapter(BrokerAdapter):
    """Kite Connect v3 (see the module docstring).

    ``instruments`` are the Kite snapshot's records in force on the session date (from
    :class:`vyapari.instruments.InstrumentSnapshots`): their tokens are used without downloading
    the exchange's instrument dump.
    """

    name = "zerodha"

    def __init__(
        self,
        config: KiteConfig,
        session: SessionProvider,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        instruments: Iterable[InstrumentRecord] | None = None,
    ) -> None:
        extra = {"sleep": sleep} if sleep is not None else {}
        super().__init__(limiter=config.rate_limiter(), retry=retry, session=session, **extra)
        self.config = config
        self.client: Any = make_kite_client(config)
        self._tokens: dict[str, str] = {r.instrument_id: r.broker_token for r in instruments or ()}

    def _apply_session(self, session: BrokerSession) -> None:
        self.client.set_access_token(session.access_token)

    def _place_order(self, request: OrderSubmission) -> str:
        exchange, symbol = split_instrument_id(request.instrument_id)
        protected = request.order_type in _PROTECTED
        return str(self.client.place_order(
            variety=VARIETY, exchange=exchange, tradingsymbol=symbol,
            transaction_type=request.side.value, quantity=request.quantity,
            product=request.product.value, order_type=request.order_type.value,
            price=_num(request.limit_price), trigger_price=_num(request.trigger_price),
            tag=request.client_order_id,
            market_protection=self.config.market_protection if protected else None,
        ))

    def _modify_order(self, order: BrokerOrder, change: OrderChange) -> None:
        order_type = change.order_type or order.order_type
        self.client.modify_order(
            VARIETY, order.broker_order_id, quantity=change.quantity, price=_num(change.limit_price),
            order_type=change.order_type.value if change.order_type else None,
            trigger_price=_num(change.trigger_price),
            market_protection=self.config.market_protection if order_type in _PROTECTED else None,
        )

    def _cancel_order(self, order: BrokerOrder) -> None:
        self.client.cancel_order(VARIETY, order.broker_order_id)

    def _order_book(self) -> list[BrokerOrder]:
        return [order_from_kite(d) for d in self.client.orders()]

    def _trade_book(self) -> list[BrokerTrade]:
        tags = {o.broker_order_id: o.client_order_id for o in self._order_book()}
        return [trade_from_kite(d, tags) for d in self.client.trades()]

    def _positions(self) -> list[BrokerPosition]:
        return [position_from_kite(d) for d in self.client.positions().get("net", [])]

    def _holdings(self) -> list[Holding]:
        return [holding_from_kite(d) for d in self.client.holdings()]

    def _instruments(self, exchange: str | None) -> list[InstrumentInfo]:
        infos = [instrument_from_kite(d) for d in self.client.instruments(exchange)]
        self._tokens.update({i.instrument_id: i.broker_token for i in infos})
        return infos

    def instrument_token(self, instrument_id: str) -> str:
        """Kite's numeric instrument token for ``instrument_id`` (loads the exchange's master once)."""
        if instrument_id not in self._tokens:
            self._instruments(split_instrument_id(instrument_id)[0])
        try:
            return self._tokens[instrument_id]
        except KeyError:
            raise InvalidOrder(f"{instrument_id} is not in Kite's instruments", broker=self.name) from None

    def _historical_candles(
        self, instrument_id: str, interval: str, start: datetime, end: datetime
    ) -> list[Candle]:
        token = self.instrument_token(instrument_id)
        fmt = "%Y-%m-%d %H:%M:%S"
        rows = self.client.historical_data(
            int(token), start.astimezone(IST).strftime(fmt), end.astimezone(IST).strftime(fmt), interval
        )
        return [candle_from_kite(d) for d in rows]

    def _historical_frame(
        self, instrument_id: str, interval: str, start: datetime, end: datetime
    ) -> pd.DataFrame:
        """The same request as ``historical_data`` without its per-bar ``dateutil`` parsing."""
        token = self.instrument_token(instrument_id)
        fmt = "%Y-%m-%d %H:%M:%S"
        route = {"instrument_token": token, "interval": interval}
        data = self.client._get("market.historical", url_args=route,
                                params={"from": start.astimezone(IST).strftime(fmt),
                                        "to": end.astimezone(IST).strftime(fmt), "interval": interval,
                                        "continuous": 0, "oi": 0})
        return candle_rows_frame(data["candles"])

    def _ticks(self) -> TickStream:
        from vyapari.brokers.zerodha.ticks import KiteTickStream

        if self.session_provider is None:  # pragma: no cover - always set for Kite
            raise InvalidOrder("no session", broker=self.name)
        return KiteTickStream(self.config, self.session_provider, self.instrument_token)

    def _failure(self, exc: Exception) -> BrokerFailure | None:
        return kite_failure(exc)
