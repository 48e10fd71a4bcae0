"""A paper broker whose order book, trade book and account survive restarts.

:class:`JournaledPaperBrokerAdapter` appends every input of the simulated exchange (orders
placed, modified, cancelled; bars) to a JSON-lines journal and rebuilds its state on start
by re-applying the journal, which reproduces the same broker order ids, trade ids, fills and
cash. Order writes are fsync'd; bar lines are flushed (they survive a killed process). A
bar (or slice) for a minute the exchange already saw is ignored, so a restarted engine may
hand it the same bars again. A half-written last line (a crash mid-write) is ignored: that
input never reached the exchange.

A corporate action (:meth:`JournaledPaperBrokerAdapter.settle_corporate_action`) is journaled
once per instrument and ex-date bar; announced again (a restarted replay), it is ignored.

A fill at an opening trade (:meth:`JournaledPaperBrokerAdapter.on_open`) is journaled as one
line (instrument, minute, price, band) when it changed anything; re-applied on the same state,
it fills the same orders at the same prices.

Inside a live engine's slice (:mod:`vyapari.core.deferred_log`), a slice's line is built and
written after the strategy has decided: before any later line and before the engine records the
slice as done (:meth:`JournaledPaperBrokerAdapter.flush_journal`), so a replay sees inputs in the
order they were applied and a checkpointed slice is always in the journal.

A slice (:meth:`JournaledPaperBrokerAdapter.on_slice`) is journaled as one line holding only
the instruments that can change or value the account: those with resting orders or an open
position when it arrives. Re-applying that subset rebuilds the same fills, cash and marks of
held instruments; an instrument left out holds nothing and has no order, so its mark is never
read before a later bar (in which it has an order) sets it again.

Where the lines go is a port, :class:`PaperJournal` (``append`` lines, ``read_all`` of them,
``close``): :class:`FilePaperJournal` is the local JSON-lines file (what a ``path`` gives),
:class:`InMemoryPaperJournal` a list (tests), and the AWS service plugs in a DynamoDB journal
(``functions.shared.dynamo_paper_journal``) so the account outlives the container. One line is
one input of the exchange; an input is applied to the simulated exchange, then appended, and the
call returns only once ``append`` has returned (orders with ``durable=True``).
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Protocol

import numpy as np

from vyapari.brokers.paper.adapter import PaperBrokerAdapter
from vyapari.brokers.paper.book import SliceResult
from vyapari.brokers.paper.config import PaperConfig
from vyapari.brokers.types import BrokerOrder, Candle, MinuteBars, OrderChange, OrderSubmission
from vyapari.core.deferred_log import deferred
from vyapari.model.enums import OrderType, ProductType, Side
from vyapari.model.events import Fill

_TAIL_BLOCK = 1 << 16  # bytes read at a time when looking for the end of the last whole line


class PaperJournal(Protocol):
    """Where a journaled paper broker keeps its inputs: an append-only sequence of text lines.

    A line is one JSON record without a newline. ``read_all`` returns every line appended before,
    in order (a line cut short by a crash may come last: the reader stops at a line that is not
    JSON). ``append`` returns once the lines are stored: with ``durable=True`` (orders) they
    survive a crash of the machine, else (bars, slices) at least a crash of the process.
    """

    def append(self, lines: Sequence[str], *, durable: bool) -> None:
        """Store ``lines`` after everything appended before."""
        ...

    def read_all(self) -> Iterable[str]:
        """Every stored line, oldest first."""
        ...

    def close(self) -> None:
        """Release what the journal holds open (later appends may reopen it)."""
        ...


class FilePaperJournal:
    """The journal as a local JSON-lines file (UTF-8, one record per newline-terminated line).

    Every append is flushed to the operating system (it survives a killed process); a durable one
    is also ``fsync``'d (it survives a power cut). A last line without its newline is a write cut
    short by a crash: ``read_all`` leaves it out, and the first append cuts it off the file so the
    next line starts on a line of its own.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file: IO[str] | None = None

    def __repr__(self) -> str:
        return f"FilePaperJournal({str(self.path)!r})"

    def read_all(self) -> Iterator[str]:
        """Every whole line of the file, oldest first (none when there is no file)."""
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        whole = data[: data.rfind(b"\n") + 1].decode("utf-8")
        yield from whole.split("\n")[:-1]

    def append(self, lines: Sequence[str], *, durable: bool) -> None:
        """Write ``lines``, flush, and ``fsync`` when ``durable``; ``ValueError`` on a line with a newline."""
        if any("\n" in line for line in lines):
            raise ValueError(f"{self.path}: a journal line must not contain a newline")
        file = self._file or self._open()
        file.write("".join(f"{line}\n" for line in lines))
        file.flush()
        if durable:
            os.fsync(file.fileno())

    def _open(self) -> IO[str]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            whole = _whole_lines_length(self.path)
            if whole < self.path.stat().st_size:
                os.truncate(self.path, whole)  # a torn last line: never applied, never kept
        self._file = self.path.open("a", encoding="utf-8")
        return self._file

    def close(self) -> None:
        """Close the file (everything written is already flushed)."""
        if self._file is not None:
            self._file.close()
            self._file = None


def _whole_lines_length(path: Path) -> int:
    """Bytes of ``path`` up to and including its last newline (0 when it has none)."""
    with path.open("rb") as f:
        end = f.seek(0, os.SEEK_END)
        while end > 0:
            start = max(0, end - _TAIL_BLOCK)
            f.seek(start)
            found = f.read(end - start).rfind(b"\n")
            if found >= 0:
                return start + found + 1
            end = start
    return 0


class InMemoryPaperJournal:
    """The journal as a list of lines (tests; one adapter after another may share it)."""

    def __init__(self, lines: Iterable[str] = ()) -> None:
        self.lines: list[str] = list(lines)
        self._lock = threading.Lock()

    def append(self, lines: Sequence[str], *, durable: bool) -> None:
        """Keep ``lines`` (``durable`` changes nothing in memory)."""
        with self._lock:
            self.lines.extend(lines)

    def read_all(self) -> list[str]:
        """A copy of the lines, oldest first."""
        with self._lock:
            return list(self.lines)

    def close(self) -> None:
        """Nothing to release."""


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


class JournaledPaperBrokerAdapter(PaperBrokerAdapter):
    """The paper broker with its state journaled (see the module docstring).

    Parameters
    ----------
    journal : PaperJournal, str or Path
        Where the inputs go: a :class:`PaperJournal`, or the path of a JSON-lines file
        (a :class:`FilePaperJournal`; ``journal_path`` is then that path).
    config : PaperConfig, optional
        Capital, slippage and fees (the defaults of :class:`PaperConfig`).
    """

    def __init__(
        self,
        journal: PaperJournal | str | os.PathLike[str],
        config: PaperConfig | None = None,
    ) -> None:
        super().__init__(config)
        if isinstance(journal, str | os.PathLike):
            self.journal_path: Path | None = Path(journal)
            self.journal: PaperJournal = FilePaperJournal(self.journal_path)
        else:
            self.journal_path = None
            self.journal = journal
        self._last_bar: dict[str, datetime] = {}
        self._last_slice: datetime | None = None
        self._settled: set[tuple[str, datetime]] = set()  # corporate actions applied, by (instrument, at)
        self._recording = False  # off while the journal is re-applied, and after close()
        self._pending_slice: tuple[MinuteBars, np.ndarray] | None = None  # its line, not yet written
        self._load()
        self._recording = True

    def _load(self) -> None:
        for line in self.journal.read_all():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                break  # a torn last line: never applied
            self._apply(record)

    def _apply(self, r: dict[str, Any]) -> None:
        op = r["op"]
        if op == "place":
            self.exchange.place(
                OrderSubmission(
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
                MinuteBars(
                    r["ids"],
                    datetime.fromisoformat(r["at"]),
                    prices["o"],
                    prices["h"],
                    prices["l"],
                    prices["c"],
                    prices["v"],
                    np.ones(len(r["ids"]), dtype=bool),
                )
            )
        elif op == "open":
            low, high = r["band"]
            self.on_open(r["instrument_id"], datetime.fromisoformat(r["at"]), float(r["price"]), (low, high))
        elif op == "action":
            at = datetime.fromisoformat(r["at"])
            self.settle_corporate_action(r["instrument_id"], at, Decimal(r["ratio"]), Decimal(r["dividend"]))
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
        if self._pending_slice is not None:  # lines stay in the order their inputs were applied
            self.flush_journal()
        if self._recording:
            self.journal.append([json.dumps(record, separators=(",", ":"))], durable=durable)

    def _place_order(self, request: OrderSubmission) -> str:
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

    def on_slice(self, bars: MinuteBars) -> SliceResult:
        """Match one minute once (a minute already seen is ignored); journal the instruments that matter."""
        b = bars
        if self._last_slice is not None and b.start_at <= self._last_slice:
            return SliceResult()
        keep = np.flatnonzero(b.valid & self.exchange.matters(b.instruments)) if self._recording else None
        result = super().on_slice(b)
        self._last_slice = b.start_at
        if keep is not None:
            self._pending_slice = (b, keep)
            # now, or, while a live engine decides a slice, at its end (still before its checkpoint,
            # and before any later line of ours: _write flushes it first)
            deferred.later(self.flush_journal)
        return result

    def sync(self) -> None:
        """Match a minute held back, then write the slice line still held back."""
        super().sync()
        self.flush_journal()

    def flush_journal(self) -> None:
        """Write the slice line still held back (see :meth:`on_slice`); the live engine calls it
        before it records a slice as done."""
        pending, self._pending_slice = self._pending_slice, None
        if pending is None:
            return
        b, keep = pending
        cols = keep.tolist()
        self._write(
            {
                "op": "slice",
                "at": b.start_at.isoformat(),
                "ids": [b.instruments[n] for n in cols],
                "o": b.open[keep].tolist(),
                "h": b.high[keep].tolist(),
                "l": b.low[keep].tolist(),
                "c": b.close[keep].tolist(),
                "v": np.trunc(b.volume[keep]).tolist(),
            },
            durable=False,
        )

    def on_open(
        self, instrument_id: str, start_at: datetime, price: float, band: tuple[float, float]
    ) -> SliceResult:
        """Fill at an opening trade (a minute whose slice was already seen is ignored); journal it."""
        if self._last_slice is not None and start_at <= self._last_slice:
            return SliceResult()
        result = super().on_open(instrument_id, start_at, price, band)
        if result.trades or result.orders:
            self._write(
                {
                    "op": "open",
                    "instrument_id": instrument_id,
                    "at": start_at.isoformat(),
                    "price": price,
                    "band": list(band),
                },
                durable=False,
            )
        return result

    def settle_corporate_action(
        self, instrument_id: str, at: datetime, ratio: Decimal, dividend_per_share: Decimal
    ) -> list[BrokerOrder]:
        """Settle a corporate action once per ``(instrument_id, at)`` (a restarted replay may
        announce it again) and journal it; returns the orders it cancelled."""
        if (instrument_id, at) in self._settled:
            return []
        self._settled.add((instrument_id, at))
        cancelled = super().settle_corporate_action(instrument_id, at, ratio, dividend_per_share)
        self._write(
            {
                "op": "action",
                "instrument_id": instrument_id,
                "at": at.isoformat(),
                "ratio": str(ratio),
                "dividend": str(dividend_per_share),
            },
            durable=True,
        )
        return cancelled

    def close(self) -> None:
        """Stop journaling and close the journal (everything appended is already stored)."""
        if self._recording:
            self.flush_journal()
            self._recording = False
            self.journal.close()


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _book_entry(order: Any, broker_order_id: str) -> BrokerOrder:
    return BrokerOrder(
        broker_order_id, order.client_order_id, order.instrument_id, order.side, order.quantity, order.status
    )
