"""Lines for a chart with no visible loss: per-session min/max downsampling.

A minute equity curve of a year is ~94,000 points, more than a chart has pixels; drawing it costs
the report O(bars). :func:`session_minmax` keeps, in each bucket of consecutive points, the first,
the lowest, the highest and the last (in time order), so every peak, trough and step survives and
the line looks the same at any zoom a screen can show. Buckets never cross an IST session (a
calendar day in IST): each session's open, low, high and close of the line are kept exactly. With
few sessions a session is split into equal buckets, so the line still has about
``4 × target_buckets`` points at most.
"""

from __future__ import annotations

import numpy as np

NS_PER_DAY = 86_400_000_000_000
IST_OFFSET_NS = 19_800_000_000_000  # +05:30
TARGET_BUCKETS = 1_000


def session_minmax(ts_ns: np.ndarray, values: np.ndarray, target_buckets: int = TARGET_BUCKETS) -> np.ndarray:
    """Sorted positions to keep of a line (``ts_ns``: UTC-epoch ns, ascending; ``values``: floats).

    Each IST session is split into ``ceil(target_buckets / sessions)`` equal buckets (one per session
    once there are ``target_buckets`` sessions or more); each bucket keeps the positions of its
    first, minimum, maximum and last value. A line of ``4 × target_buckets`` points or fewer is kept
    whole. NaNs are never chosen as a minimum or maximum unless the whole bucket is NaN.
    """
    ts = np.asarray(ts_ns, dtype=np.int64)
    y = np.asarray(values, dtype=float)
    n = ts.size
    if n <= 4 * target_buckets:
        return np.arange(n)
    day = (ts + IST_OFFSET_NS) // NS_PER_DAY
    starts = np.flatnonzero(np.r_[True, day[1:] != day[:-1]])
    session = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, n]))
    per_session = -(-target_buckets // starts.size)
    longest = int(np.diff(np.r_[starts, n]).max())
    width = -(-longest // per_session)
    bucket = session * per_session + (np.arange(n) - starts[session]) // width
    edges = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
    last = np.r_[edges[1:], n] - 1
    lowest = _first_extreme(np.where(np.isnan(y), np.inf, y), edges, np.minimum)  # NaN never the minimum ...
    highest = _first_extreme(np.where(np.isnan(y), -np.inf, y), edges, np.maximum)  # ... nor the maximum
    return np.unique(np.concatenate([edges, lowest, highest, last]))


def _first_extreme(y: np.ndarray, edges: np.ndarray, reduce: np.ufunc) -> np.ndarray:
    """Position of the first minimum (``np.minimum``) or maximum (``np.maximum``) of each bucket of
    ``y`` (buckets: runs starting at ``edges``); O(points), no sort."""
    extreme = reduce.reduceat(y, edges)
    counts = np.diff(np.r_[edges, y.size])
    hits = np.flatnonzero(y == np.repeat(extreme, counts))  # every bucket has at least one
    bucket_of_hit = np.repeat(np.arange(edges.size), counts)[hits]
    return hits[np.r_[True, bucket_of_hit[1:] != bucket_of_hit[:-1]]]
