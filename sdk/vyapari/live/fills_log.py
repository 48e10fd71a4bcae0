"""The day's fills of a live or paper run, one JSON line per execution, kept for the end-of-day
charges reconciliation (``vyapari charges reconcile``, :mod:`vyapari.costs.reconcile`).

Layout: ``<state-dir>/fills/<YYYY-MM-DD>.jsonl``, the file of the IST session date of each fill.
A line is ``{"trade_id", "client_order_id", "broker_order_id", "instrument_id", "side", "quantity",
"price", "filled_at", "product", "charges": {brokerage, stt, exchange_txn, ipft, sebi_fee,
stamp_duty, gst, dp}}``: ₹ amounts as decimal text (no paisa lost), ``filled_at`` ISO 8601 with
its offset, ``broker_order_id`` the broker's order id (charges are per executed order).

:class:`FillLog` is the engine's ``fill_sink``: each fill is appended and flushed as it is booked,
so a SIGTERM or even a SIGKILL loses nothing already booked; after a restart the engine books the
day's trades again (replay and reconciliation) and the log writes only the ``trade_id`` s it does not
hold yet, so every execution is in the file exactly once. A line cut short by a kill mid-write is
dropped when the file is next opened (its fill is written again on the restart).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import fields
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from vyapari.core.errors import DataError
from vyapari.core.money import to_decimal
from vyapari.core.time import IST
from vyapari.model.charges import Charges
from vyapari.model.enums import ProductType, Side
from vyapari.model.events import Fill

FILLS_DIR = "fills"
"""The fills log's folder under a ``vyapari live --state-dir``."""


def session_of(fill: Fill) -> date:
    """The IST session date of ``fill``."""
    return fill.filled_at.astimezone(IST).date()


def fills_path(folder: Path, session_date: date) -> Path:
    """``folder/<YYYY-MM-DD>.jsonl``."""
    return folder / f"{session_date.isoformat()}.jsonl"


def fill_to_record(fill: Fill) -> dict[str, Any]:
    """``fill`` as its JSON line's object (₹ amounts as text)."""
    return {
        "trade_id": fill.trade_id,
        "client_order_id": fill.client_order_id,
        "broker_order_id": fill.broker_order_id,
        "instrument_id": fill.instrument_id,
        "side": fill.side.value,
        "quantity": fill.quantity,
        "price": str(fill.price),
        "filled_at": fill.filled_at.isoformat(),
        "product": fill.product.value,
        "charges": {name: str(value) for name, value in fill.charges.as_dict().items()},
    }


def record_to_fill(record: Mapping[str, Any]) -> Fill:
    """The :class:`Fill` of one line's object; ``KeyError``/``ValueError`` on a malformed one."""
    charges = record.get("charges") or {}
    known = {f.name for f in fields(Charges)}
    return Fill(
        str(record["trade_id"]),
        str(record["client_order_id"]),
        str(record["instrument_id"]),
        Side(record["side"]),
        int(record["quantity"]),
        to_decimal(record["price"], name="price"),
        datetime.fromisoformat(record["filled_at"]),
        ProductType(record.get("product", ProductType.CNC.value)),
        Charges(**{k: to_decimal(v, name=k) for k, v in charges.items() if k in known}),
        broker_order_id=None if record.get("broker_order_id") is None else str(record["broker_order_id"]),
    )


class FillLog:
    """Appends each fill once (by ``trade_id``) to ``folder/<session date>.jsonl``, flushed per line.

    Use an instance as :attr:`LiveEngine.fill_sink <vyapari.live.engine.LiveEngine>`; call
    :meth:`sync` with the engine's fills and :meth:`close` when the run stops.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files: dict[date, IO[str]] = {}
        self._written: dict[date, set[str]] = {}

    def __call__(self, fill: Fill) -> None:
        """Engine hook: :meth:`write` ``fill``."""
        self.write(fill)

    def write(self, fill: Fill) -> bool:
        """Append ``fill`` unless its ``trade_id`` is already in its day's file; True when written."""
        day = session_of(fill)
        handle = self._files.get(day)
        if handle is None:
            handle = self._open(day)
        written = self._written[day]
        if fill.trade_id in written:
            return False
        handle.write(json.dumps(fill_to_record(fill), separators=(",", ":")) + "\n")
        handle.flush()
        written.add(fill.trade_id)
        return True

    def sync(self, fills: Iterable[Fill]) -> int:
        """Write the ``fills`` not in the log yet (the engine's, on close); returns how many."""
        return sum(self.write(fill) for fill in fills)

    def close(self) -> None:
        """Close the open day files."""
        for handle in self._files.values():
            handle.close()
        self._files.clear()

    def _open(self, day: date) -> IO[str]:
        path = fills_path(self.folder, day)
        self.folder.mkdir(parents=True, exist_ok=True)
        ids: set[str] = set()
        if path.exists():
            _drop_partial_line(path)
            ids = {f.trade_id for f in read_fills(path)}
        handle = path.open("a", encoding="utf-8")
        self._files[day], self._written[day] = handle, ids
        return handle


def _drop_partial_line(path: Path) -> None:
    """Cut a last line left without its newline by a kill mid-write."""
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        path.write_bytes(data[: data.rfind(b"\n") + 1])


def read_fills(path: Path) -> list[Fill]:
    """The fills of one log file, in file order, each ``trade_id`` once.

    Raises
    ------
    DataError
        Naming the file (and line) when it is missing or a line is not a fill record.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DataError(f"fills file {path}: not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"fills file {path}: cannot read ({exc})") from None
    out: dict[str, Fill] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            fill = record_to_fill(json.loads(line))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise DataError(f"fills file {path} line {number}: not a fill record ({exc})") from None
        out.setdefault(fill.trade_id, fill)
    return list(out.values())


def fills_file(path: Path, session_date: date | None) -> Path:
    """The fills log to read for ``path``: a ``.jsonl`` file as is; a ``vyapari live`` state folder
    (it has ``fills/``) or a fills folder: its ``<session_date>.jsonl``.

    Raises
    ------
    DataError
        When the folder has no log for ``session_date`` (or none is given for a folder).
    """
    if not path.is_dir():
        return path
    folder = path / FILLS_DIR if (path / FILLS_DIR).is_dir() else path
    if session_date is None:
        raise DataError(f"fills folder {path}: give --date to pick the session's log")
    found = fills_path(folder, session_date)
    if not found.is_file():
        raise DataError(f"fills folder {path}: no fills log {found.name} for {session_date.isoformat()}")
    return found
