"""Row order of Arrow tables by a key: a cheap "already in order?" test and the stable sort order.

Curated day files are sorted by their dataset key, and exchange files usually arrive sorted already;
testing the order costs one comparison of neighbouring rows per key column, where sorting costs a
sort and a copy of every column. A strictly increasing key also proves that no two rows share it,
which spares the duplicate check its hashing.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from vyapari.data import arrow_values as av


def _nan_as_null(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """``col`` with NaN as null, so that both sort first (pandas ``na_position="first"``)."""
    if pa.types.is_floating(col.type):
        return pc.if_else(pc.is_nan(col), av.null_scalar(col.type), col)
    return col


def in_key_order(table: pa.Table, keys: Sequence[str], *, strict: bool = False) -> bool:
    """True when the rows are sorted by ``keys`` (``strict``: strictly increasing, so all distinct).

    Conservative: a null or NaN in a key column gives ``False`` (the caller then sorts, or checks
    duplicates the exact way), never a wrong ``True``. Text compares by UTF-8 bytes, as
    :func:`key_order` sorts it.
    """
    if table.num_rows < 2:
        return True
    cols = [table.column(k) for k in keys]
    if any(c.null_count for c in cols):
        return False
    ok: pa.ChunkedArray | None = None
    for col in reversed(cols):
        prev, nxt = col.slice(0, len(col) - 1), col.slice(1)
        if ok is None:  # the last key decides ties of all the others
            ok = pc.greater(nxt, prev) if strict else pc.greater_equal(nxt, prev)
        else:
            ok = pc.or_(pc.greater(nxt, prev), pc.and_(pc.equal(nxt, prev), ok))
    return bool(pc.all(ok).as_py())


def key_order(table: pa.Table, keys: Sequence[str]) -> pa.Array:
    """Indices that sort ``table`` stably by ``keys`` ascending, nulls and NaN first."""
    sort_keys = pa.Table.from_arrays([_nan_as_null(table.column(k)) for k in keys], names=list(keys))
    return pc.sort_indices(sort_keys, sort_keys=[(k, "ascending", "at_start") for k in keys])


def sort_by_key(table: pa.Table, keys: Sequence[str]) -> pa.Table:
    """``table`` sorted stably by ``keys`` (see :func:`key_order`); the same table when in order."""
    return table if in_key_order(table, keys) else table.take(key_order(table, keys))
