"""Last prices and positions of the simulated exchange as arrays, for cheap exposure checks.

:class:`MarkBook` gives every instrument the exchange has seen a fixed index and keeps, per
index, the last price (₹, ``0.0`` until the first bar, as the exchange's exact check treats
an unmarked instrument) and the signed position (units, int64) as a mirror of the Decimal
:class:`~vyapari.model.portfolio.Portfolio`. The exact Decimal mark of an instrument is the
``to_price`` of its float (floats set from bars round-trip through their shortest repr);
a Decimal set through :meth:`MarkBook.set` that a float cannot carry exactly is kept aside.

The buying-power check reads the float arrays (:func:`vyapari.execution.rules.exposure_fits`).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from vyapari.execution.pricing import to_price

_LAYOUTS_KEPT = 8


class MarkBook:
    """Per-instrument float marks (₹) and int64 positions (units) with fixed indices."""

    def __init__(self, capacity: int = 64) -> None:
        self.index: dict[str, int] = {}
        self.ids: list[str] = []
        self.price = np.zeros(capacity)
        self.qty = np.zeros(capacity, dtype=np.int64)
        self._exact: dict[str, Decimal] = {}
        self._seen = np.zeros(capacity, dtype=bool)
        self._layouts: dict[tuple[str, ...], tuple[np.ndarray, dict[str, int]]] = {}
        self._last: tuple[tuple[str, ...], tuple[np.ndarray, dict[str, int]]] | None = None

    def __len__(self) -> int:
        return len(self.index)

    def column(self, instrument_id: str) -> int:
        """The index of ``instrument_id`` (a new one when first seen)."""
        k = self.index.get(instrument_id)
        if k is None:
            self._add([instrument_id])
            k = self.index[instrument_id]
        return k

    def _add(self, instrument_ids: list[str]) -> None:
        """Give new instruments the next indices, in order."""
        start = len(self.ids)
        self.ids.extend(instrument_ids)
        self.index.update(zip(instrument_ids, range(start, len(self.ids)), strict=True))
        if len(self.ids) > len(self.price):
            self._grow(len(self.ids))

    def columns(self, instruments: Sequence[str]) -> np.ndarray:
        """Indices of ``instruments`` in order (cached per distinct list)."""
        return self._layout(instruments)[0]

    def positions_of(self, instruments: Sequence[str]) -> dict[str, int]:
        """``{instrument_id: its position in instruments}`` (cached per distinct list)."""
        return self._layout(instruments)[1]

    def _layout(self, instruments: Sequence[str]) -> tuple[np.ndarray, dict[str, int]]:
        if self._last is not None and instruments is self._last[0]:  # the same tuple: no hashing
            return self._last[1]
        key = tuple(instruments)
        found = self._layouts.get(key)
        if found is None:
            if len(self._layouts) >= _LAYOUTS_KEPT:
                del self._layouts[next(iter(self._layouts))]
            self._add([i for i in dict.fromkeys(key) if i not in self.index])
            if self.ids == list(key):  # e.g. the first layout: indices are positions
                indices, positions = np.arange(len(key), dtype=np.int64), dict(self.index)
            else:
                indices = np.fromiter(map(self.index.__getitem__, key), np.int64, len(key))
                positions = dict(zip(key, range(len(key)), strict=True))
            found = self._layouts[key] = (indices, positions)
        if isinstance(instruments, tuple):
            self._last = (instruments, found)
        return found

    def _grow(self, at_least: int) -> None:
        size = max(at_least, 2 * len(self.price))
        more = size - len(self.price)
        self.price = np.concatenate([self.price, np.zeros(more)])
        self.qty = np.concatenate([self.qty, np.zeros(more, dtype=np.int64)])
        self._seen = np.concatenate([self._seen, np.zeros(more, dtype=bool)])

    # ----- marks --------------------------------------------------------------------
    def set(self, instrument_id: str, price: Decimal) -> None:
        """Mark ``instrument_id`` at ``price`` ₹ (exact)."""
        k = self.column(instrument_id)
        value = float(price)
        self.price[k] = value
        self._seen[k] = True
        if to_price(value) != price:
            self._exact[instrument_id] = price
        elif self._exact:
            self._exact.pop(instrument_id, None)

    def set_many(self, indices: np.ndarray, prices: np.ndarray) -> None:
        """Mark the instruments at ``indices`` at float ``prices`` ₹."""
        self.price[indices] = prices
        self._seen[indices] = True
        if self._exact:
            for k in indices.tolist():
                self._exact.pop(self.ids[k], None)

    def get(self, instrument_id: str) -> Decimal | None:
        """The exact mark of ``instrument_id`` in ₹, None before its first bar."""
        exact = self._exact.get(instrument_id)
        if exact is not None:
            return exact
        k = self.index.get(instrument_id)
        if k is None or not self._seen[k]:
            return None
        return to_price(float(self.price[k]))

    def as_dict(self) -> dict[str, Decimal]:
        """Every mark as ``{instrument_id: ₹}``."""
        out = {}
        for instrument_id in self.ids:
            mark = self.get(instrument_id)
            if mark is not None:
                out[instrument_id] = mark
        return out

    # ----- positions and exposure ---------------------------------------------------
    def fill(self, k: int, signed_quantity: int, price: float) -> None:
        """A fill of ``signed_quantity`` units at ``price`` ₹ in column ``k``: the position mirror
        moves and the float mark of later buying-power checks is the fill price."""
        self.qty[k] += signed_quantity
        self.price[k] = price
