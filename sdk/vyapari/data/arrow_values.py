"""Arrow arrays and scalars built from numpy arrays and Python values without pyarrow's pandas check.

``pa.array``, ``pa.scalar`` and every compute call given a Python value first ask whether the value
is a pandas object, and the first such question imports pandas (about 0.3 s, more than the rest of
an ingest's start-up). The ingest path builds its arrays from buffers instead, so that ``vyapari
ingest`` of exchange files never loads pandas. Values are the same as ``pa.array`` would give.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

_EPOCH = date(1970, 1, 1)
_NUMPY = {pa.float64(): np.float64, pa.int64(): np.int64, pa.int32(): np.int32, pa.date32(): np.int32}


def _validity(valid: np.ndarray | None) -> pa.Buffer | None:
    if valid is None or bool(valid.all()):
        return None
    return pa.py_buffer(np.packbits(np.ascontiguousarray(valid, dtype=bool), bitorder="little"))


def numbers(values: np.ndarray, kind: pa.DataType | None = None, null: np.ndarray | None = None) -> pa.Array:
    """A numeric Arrow array of ``values`` (``kind`` float64 by default, or int64, int32, or date32
    from days since 1970-01-01); rows where the boolean ``null`` is true are null."""
    kind = pa.float64() if kind is None else kind
    data = np.ascontiguousarray(values, dtype=_NUMPY[kind])
    valid = None if null is None else ~np.asarray(null, dtype=bool)
    return pa.Array.from_buffers(kind, len(data), [_validity(valid), pa.py_buffer(data)])


def booleans(mask: np.ndarray) -> pa.Array:
    """A boolean Arrow array (no nulls) of the numpy boolean ``mask``."""
    bits = np.packbits(np.ascontiguousarray(mask, dtype=bool), bitorder="little")
    return pa.Array.from_buffers(pa.bool_(), len(mask), [None, pa.py_buffer(bits)])


def indices(positions: np.ndarray) -> pa.Array:
    """An int64 Arrow array of row positions (for ``take``)."""
    return numbers(positions, pa.int64())


def repeat_text(value: str, n: int) -> pa.Array:
    """A string array holding ``value`` ``n`` times."""
    raw = value.encode()
    offsets = np.arange(n + 1, dtype=np.int32) * np.int32(len(raw))
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(raw * n)])


def repeat_date(value: date, n: int) -> pa.Array:
    """A date32 array holding ``value`` ``n`` times."""
    return numbers(np.full(n, (value - _EPOCH).days, dtype=np.int32), pa.date32())


def null_scalar(kind: pa.DataType) -> pa.Scalar:
    """The null scalar of ``kind``."""
    return pa.nulls(1, kind)[0]


def text_scalar(value: str) -> pa.Scalar:
    """``value`` as an Arrow string scalar."""
    return repeat_text(value, 1)[0]


def float_scalar(value: float) -> pa.Scalar:
    """``value`` as an Arrow float64 scalar."""
    return numbers(np.array([value], dtype=np.float64))[0]


FALSE = booleans(np.zeros(1, dtype=bool))[0]
"""The Arrow boolean scalar ``false``."""


def _one_chunk(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    return values


def _valid(arr: pa.Array) -> np.ndarray | None:
    """Which rows of ``arr`` are valid (``None`` when all are)."""
    if arr.null_count == 0:
        return None
    bits = np.frombuffer(arr.buffers()[0], dtype=np.uint8)
    return np.unpackbits(bits, bitorder="little")[arr.offset:arr.offset + len(arr)].astype(bool)


def to_floats(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A numeric column as a float64 numpy array, NaN for nulls (what ``to_numpy`` gives).

    Read-only when the column is float64 without nulls: a view of Arrow's buffer, not a copy (the
    ingest reads each price column several times; none of its callers writes into the result).
    """
    arr = _one_chunk(values)
    if arr.type != pa.float64():
        arr = arr.cast(pa.float64())
    data = np.frombuffer(arr.buffers()[1], dtype=np.float64, count=len(arr), offset=arr.offset * 8)
    valid = _valid(arr)
    return data if valid is None else np.where(valid, data, np.nan)


def to_ints(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An int64 column without nulls as a numpy array."""
    arr = _one_chunk(values)
    if arr.type != pa.int64():
        arr = arr.cast(pa.int64())
    if arr.null_count:
        raise ValueError("to_ints: the column has nulls")
    return np.frombuffer(arr.buffers()[1], dtype=np.int64, count=len(arr), offset=arr.offset * 8).copy()


def to_bools(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean column as a numpy array, nulls as ``False``."""
    arr = _one_chunk(values)
    if len(arr) == 0:
        return np.zeros(0, dtype=bool)
    bits = np.frombuffer(arr.buffers()[1], dtype=np.uint8)
    out = np.unpackbits(bits, bitorder="little")[arr.offset:arr.offset + len(arr)].astype(bool)
    valid = _valid(arr)
    return out if valid is None else out & valid
