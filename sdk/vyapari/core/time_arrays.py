"""Vectorised IST time arithmetic on numpy arrays of UTC-epoch nanoseconds.

Kept apart from :mod:`vyapari.core.time` so that importing the scalar helpers (every Lambda does)
does not import numpy: the light functions are deployed without it.
"""

from __future__ import annotations

import numpy as np

from vyapari.core.time import IST_OFFSET_NS, NS_PER_MINUTE


def minute_of_day_ist(ts_ns: np.ndarray) -> np.ndarray:
    """Minutes since midnight IST of UTC-epoch-nanosecond timestamps (vectorised)."""
    return ((np.asarray(ts_ns) + IST_OFFSET_NS) // NS_PER_MINUTE) % (24 * 60)
