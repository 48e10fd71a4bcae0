"""Upstox through the official ``upstox-python-sdk``: orders v3, order book/trades/portfolio v2,
historical candles v3.

Orders go to ``OrderApiV3.place_order(PlaceOrderV3Request(..., tag=client_order_id))``;
instruments are translated to Upstox instrument keys through the day's instrument snapshot
when one is given (``instruments=``), else the instrument master (``UPSTOX_INSTRUMENTS_URL``,
read once), parsed by the snapshot's own parser so ids agree with the lake's. Book rows whose
key the map lacks load the master first, so a row is never named by a fallback while the
master could name it. The access token is re-read through the session provider before each call.
"""

from __future__ import annotations

import urllib.request
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
from vyapari.brokers.upstox.client import API_VERSION, make_upstox_client, upstox_failure
from vyapari.brokers.upstox.config import UpstoxConfig
from vyapari.brokers.upstox.parsing import (
    PRODUCT_CODES,
    InstrumentMap,
    candle_from_upstox,
    holding_from_upstox,
    info_from_record,
    order_from_upstox,
    position_from_upstox,
    trade_from_upstox,
)
from vyapari.core.ids import split_instrument_id
from vyapari.core.time import IST
from vyapari.instruments.parsers import parse_upstox_json
from vyapari.instruments.records import InstrumentRecord

_UNITS = {"minute": ("minutes", "1"), "day": ("days", "1"), "week": ("weeks", "1"), "month": ("months", "1")}


def _num(value: object) -> float:
    return 0.0 if value is None else float(str(value))


def _rows(response: Any) -> list[dict[str, Any]]:
    return [item.to_dict() if hasattr(item, "to_dict") else dict(item) for item in (response.data or [])]


def interval_units(interval: str) -> tuple[str, str]:
    """Upstox (unit, count) of ``interval``: minute, Nminute, day, week or month."""
    if interval in _UNITS:
        return _UNITS[interval]
    count = interval.removesuffix("minute")
    if count.isdigit():
        return "minutes", count
    raise InvalidOrder(f"interval {interval!r} is not minute, Nminute, day, week or month")


class UpstoxBrokerAdapter(BrokerAdapter):
    """Upstox (see the module docstring).

    ``instruments`` are the Upstox snapshot's records in force on the session date (from
    :class:`vyapari.instruments.InstrumentSnapshots`); without them the master is downloaded
    when first needed.
    """

    name = "upstox"

    def __init__(
        self,
        config: UpstoxConfig,
        session: SessionProvider,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        instruments: Iterable[InstrumentRecord] | None = None,
    ) -> None:
        extra = {"sleep": sleep} if sleep is not None else {}
        super().__init__(limiter=config.rate_limiter(), retry=retry, session=session, **extra)
        self.config = config
        self.client: Any = make_upstox_client(config)
        self.names = InstrumentMap()
        self._master_loaded = instruments is not None
        if instruments is not None:
            self.names.add(info_from_record(r) for r in instruments)
        self._timeout = {"_request_timeout": config.timeout_s}

    def _apply_session(self, session: BrokerSession) -> None:
        self.client.configuration.access_token = session.access_token

    def _api(self, name: str) -> Any:
        import upstox_client

        return getattr(upstox_client, name)(self.client)

    def instrument_key(self, instrument_id: str) -> str:
        """Upstox's instrument key for ``instrument_id`` (loads the master once)."""
        if instrument_id not in self.names.by_id and not self._master_loaded:
            self._instruments(None)
        try:
            return self.names.by_id[instrument_id].broker_token
        except KeyError:
            raise InvalidOrder(f"{instrument_id} is not in Upstox's instruments", broker=self.name) from None

    def _place_order(self, request: OrderSubmission) -> str:
        import upstox_client

        body = upstox_client.PlaceOrderV3Request(
            quantity=request.quantity, product=PRODUCT_CODES[request.product], validity="DAY",
            price=_num(request.limit_price), tag=request.client_order_id,
            instrument_token=self.instrument_key(request.instrument_id),
            order_type=request.order_type.value, transaction_type=request.side.value,
            disclosed_quantity=0, trigger_price=_num(request.trigger_price), is_amo=False, slice=False,
        )
        response = self._api("OrderApiV3").place_order(body, **self._timeout)
        return str(response.data.order_ids[0])

    def _modify_order(self, order: BrokerOrder, change: OrderChange) -> None:
        import upstox_client

        body = upstox_client.ModifyOrderRequest(
            quantity=change.quantity or order.quantity, validity="DAY",
            price=_num(change.limit_price or order.limit_price), order_id=order.broker_order_id,
            order_type=(change.order_type or order.order_type).value, disclosed_quantity=0,
            trigger_price=_num(change.trigger_price or order.trigger_price),
        )
        self._api("OrderApiV3").modify_order(body, **self._timeout)

    def _cancel_order(self, order: BrokerOrder) -> None:
        self._api("OrderApiV3").cancel_order(order.broker_order_id, **self._timeout)

    def _named(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``rows``, after loading the master once if one names a key the map lacks."""
        keys = {str(d.get("instrument_token") or "").strip() for d in rows} - {""}
        if not self._master_loaded and keys - self.names.by_key.keys():
            self._instruments(None)
        return rows

    def _order_book(self) -> list[BrokerOrder]:
        response = self._api("OrderApi").get_order_book(API_VERSION, **self._timeout)
        return [order_from_upstox(d, self.names) for d in self._named(_rows(response))]

    def _trade_book(self) -> list[BrokerTrade]:
        tags = {o.broker_order_id: o.client_order_id for o in self._order_book()}
        response = self._api("OrderApi").get_trade_history(API_VERSION, **self._timeout)
        return [trade_from_upstox(d, self.names, tags) for d in self._named(_rows(response))]

    def _positions(self) -> list[BrokerPosition]:
        response = self._api("PortfolioApi").get_positions(API_VERSION, **self._timeout)
        return [position_from_upstox(d, self.names) for d in self._named(_rows(response))]

    def _holdings(self) -> list[Holding]:
        response = self._api("PortfolioApi").get_holdings(API_VERSION, **self._timeout)
        return [holding_from_upstox(d, self.names) for d in self._named(_rows(response))]

    def _historical_candles(
        self, instrument_id: str, interval: str, start: datetime, end: datetime
    ) -> list[Candle]:
        unit, count = interval_units(interval)
        response = self._api("HistoryV3Api").get_historical_candle_data1(
            self.instrument_key(instrument_id), unit, count,
            end.astimezone(IST).date().isoformat(), start.astimezone(IST).date().isoformat(),
            **self._timeout,
        )
        candles = [candle_from_upstox(row) for row in response.data.candles or []]
        return sorted((c for c in candles if start <= c.start_at <= end), key=lambda c: c.start_at)

    def _historical_frame(
        self, instrument_id: str, interval: str, start: datetime, end: datetime
    ) -> pd.DataFrame:
        unit, count = interval_units(interval)
        response = self._api("HistoryV3Api").get_historical_candle_data1(
            self.instrument_key(instrument_id), unit, count,
            end.astimezone(IST).date().isoformat(), start.astimezone(IST).date().isoformat(),
            **self._timeout,
        )
        frame = candle_rows_frame(response.data.candles or [])
        return frame[(frame["ts"] >= start) & (frame["ts"] <= end)].reset_index(drop=True)

    def _instruments(self, exchange: str | None) -> list[InstrumentInfo]:
        with urllib.request.urlopen(self.config.instruments_url, timeout=self.config.timeout_s) as response:
            raw = response.read()
        infos = [info_from_record(r) for r in parse_upstox_json(raw).records]  # gzip or plain JSON
        self.names.add(infos)
        self._master_loaded = True
        return [i for i in infos if exchange is None or split_instrument_id(i.instrument_id)[0] == exchange]

    def _ticks(self) -> TickStream:
        from vyapari.brokers.upstox.ticks import UpstoxTickStream

        if self.session_provider is None:  # pragma: no cover - always set for Upstox
            raise InvalidOrder("no session", broker=self.name)
        return UpstoxTickStream(self.config, self.session_provider, self.instrument_key, self.names)

    def _failure(self, exc: Exception) -> BrokerFailure | None:
        return upstox_failure(exc)
