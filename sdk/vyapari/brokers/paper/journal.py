"""A paper broker whose order book, trade book and account survive restarts.

:class:`JournaledPaperBrokerAdapter` appends every input of the simulated exchange (orders
placed, modified, cancelled; bars) to a JSON-lines journal and rebuilds its state on start
by re-applying the journal, which reproduces the same broker order ids, trade ids, fills and
cash. Order writes are fsync'd; bar lines are flushed (they survive a killed process). A
bar (or slice) for a minute the exchange already saw is ignored, so a restarted engine may
hand it the same bars again. A half-written last line (a crash mid-write) is ignored: that
input never reached the exchange.

A slice (:meth:`JournaledPaperBrokerAdapter.on_slice`) is journaled as one line holding only
the instruments that can change or value the account: those with resting orders or an open
position when it arrives. Re-applying that subset rebuilds the same fills, cash and marks of
held instruments; an instrument left out holds nothing and has no order, so its mark is never
read before a later bar (in which it has an order) sets it again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from vyapari.brokers.paper.adapter import PaperBrokerAdapter
from vyapari.brokers.paper.config import PaperConfig
from vyapari.brokers.paper.exchange import SliceResult
from vyapari.brokers.store import OrderStore
from vyapari.brokers.types import BrokerOrder, Candle, OrderChange, OrderRequest
from vyapari.model.enums import OrderType, ProductType, Side
from vyapari.model.events import Fill


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


class JournaledPaperBrokerAdapter(PaperBrokerAdapter):
    """The paper broker with its state journaled to ``path`` (see the module docstring)."""

    def __init__(
        self, path: str | Path, config: PaperConfig | None = None, *, store: OrderStore | None = None
    ) -> None:
        super().__init__(config, store=store)
        self.journal_path = Path(path)
        self.journal_path.parent.mkdir(parents=True, exist_ok=True)
        self._last_bar: dict[str, datetime] = {}
        self._last_slice: datetime | None = None
        self._file: Any = None
        self._load()
        self._file = self.journal_path.open("a", encoding="utf-8")

    def _load(self) -> None:
        if not self.journal_path.exists():
            return
        for line in self.journal_path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                break  # a torn last line: never applied
            self._apply(record)

    def _apply(self, r: dict[str, Any]) -> None:
        op = r["op"]
        if op == "place":
            self.exchange.place(
                OrderRequest(
                    r["cid"],
                    r["instrument_id"],
                    Side(r["side"]),
                    int(r["quantity"]),
                    OrderType(r["order_type"]),
                    ProductType(r["product"]),
                    _dec(r["limit"]),
                    _dec(r["trigger"]),
                    int(r["lot_size"]),
                )
            )
        elif op == "cancel":
            self.exchange.cancel(r["broker_order_id"])
        elif op == "bar":
            self.on_bar(
                r["instrument_id"],
                Candle(
                    datetime.fromisoformat(r["at"]),
                    Decimal(r["o"]),
                    Decimal(r["h"]),
                    Decimal(r["l"]),
                    Decimal(r["c"]),
                    int(r["v"]),
                ),
            )
        elif op == "slice":
            prices = {key: np.array(r[key], dtype=np.float64) for key in ("o", "h", "l", "c", "v")}
            self.on_slice(
                r["ids"],
                datetime.fromisoformat(r["at"]),
                prices["o"],
                prices["h"],
                prices["l"],
                prices["c"],
                prices["v"],
                np.ones(len(r["ids"]), dtype=bool),
            )
        elif op == "modify":
            order = self.exchange.orders[r["broker_order_id"]]
            change = OrderChange(
                r["quantity"],
                None if r["order_type"] is None else OrderType(r["order_type"]),
                _dec(r["limit"]),
                _dec(r["trigger"]),
            )
            super()._modify_order(_book_entry(order.order, r["broker_order_id"]), change)

    def _write(self, record: dict[str, Any], durable: bool) -> None:
        if self._file is None:
            return
        self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
        self._file.flush()
        if durable:
            os.fsync(self._file.fileno())

    def _place_order(self, request: OrderRequest) -> str:
        broker_id = super()._place_order(request)
        self._write(
            {
                "op": "place",
                "cid": request.client_order_id,
                "instrument_id": request.instrument_id,
                "side": request.side.value,
                "quantity": request.quantity,
                "order_type": request.order_type.value,
                "product": request.product.value,
                "limit": _s(request.limit_price),
                "trigger": _s(request.trigger_price),
                "lot_size": request.lot_size,
            },
            durable=True,
        )
        return broker_id

    def _cancel_order(self, order: BrokerOrder) -> None:
        super()._cancel_order(order)
        self._write({"op": "cancel", "broker_order_id": order.broker_order_id}, durable=True)

    def _modify_order(self, order: BrokerOrder, change: OrderChange) -> None:
        super()._modify_order(order, change)
        self._write(
            {
                "op": "modify",
                "broker_order_id": order.broker_order_id,
                "quantity": change.quantity,
                "order_type": None if change.order_type is None else change.order_type.value,
                "limit": _s(change.limit_price),
                "trigger": _s(change.trigger_price),
            },
            durable=True,
        )

    def on_bar(self, instrument_id: str, bar: Candle) -> list[Fill]:
        """Match resting orders against ``bar`` once per minute and instrument; journal it."""
        last = self._last_bar.get(instrument_id)
        if last is not None and bar.start_at <= last:
            return []
        fills = super().on_bar(instrument_id, bar)
        self._last_bar[instrument_id] = bar.start_at
        self._write(
            {
                "op": "bar",
                "instrument_id": instrument_id,
                "at": bar.start_at.isoformat(),
                "o": str(bar.open),
                "h": str(bar.high),
                "l": str(bar.low),
                "c": str(bar.close),
                "v": bar.volume,
            },
            durable=False,
        )
        return fills

    def on_slice(
        self,
        instruments: Sequence[str],
        start_at: datetime,
        open_: np.ndarray,
        high: np.ndarray,
        low: np.ndarray,
        close: np.ndarray,
        volume: np.ndarray,
        valid: np.ndarray,
    ) -> SliceResult:
        """Match one minute once (a minute already seen is ignored); journal the instruments that matter."""
        if self._last_slice is not None and start_at <= self._last_slice:
            return SliceResult()
        keep = np.flatnonzero(valid & self.exchange.matters(instruments)) if self._file is not None else None
        result = super().on_slice(instruments, start_at, open_, high, low, close, volume, valid)
        self._last_slice = start_at
        if keep is not None:
            cols = keep.tolist()
            self._write(
                {
                    "op": "slice",
                    "at": start_at.isoformat(),
                    "ids": [instruments[n] for n in cols],
                    "o": open_[keep].tolist(),
                    "h": high[keep].tolist(),
                    "l": low[keep].tolist(),
                    "c": close[keep].tolist(),
                    "v": np.trunc(volume[keep]).tolist(),
                },
                durable=False,
            )
        return result

    def close(self) -> None:
        """Close the journal (everything written is already flushed)."""
        if self._file is not None:
            self._file.close()
            self._file = None


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _book_entry(order: Any, broker_order_id: str) -> BrokerOrder:
    return BrokerOrder(
        broker_order_id, order.client_order_id, order.instrument_id, order.side, order.quantity, order.status
    )
