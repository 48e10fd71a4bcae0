"""``vwap_reversion``: intraday mean reversion to the session VWAP (NIFTY 50 universe).

Per symbol and session: VWAP is Σ(typical price × volume) / Σ volume from the first bar
(typical = (high + low + close) / 3). The deviation d = close − VWAP is standardised by
the standard deviation of its last ``lookback`` values in the session. Entry (from
``lookback`` bars into the session, before ``entry_cutoff``, 15:00 IST by default):
long when z ≤ −k, short when z ≥ k (MIS only), and only on a bar whose volume is at
least ``volume_mult`` × the mean of the last ``lookback`` bars. Exit when the close
returns to VWAP, at a stop ``stop_pct`` % beyond the entry close, or at the 15:20 IST
square-off. Orders fill at the next bar's open. Sized by notional (₹ per position).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from vyapari.core.time_arrays import minute_of_day_ist
from vyapari.model.enums import ProductType
from vyapari.strategies._params import check_known, positive_float, positive_int
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.signals import VectorSignal
from vyapari.strategy.sizing import FixedNotional
from vyapari.strategy.strategy import Strategy

DEFAULTS: dict[str, Any] = {
    "k": 2.0,
    "lookback": 20,
    "volume_mult": 1.0,
    "stop_pct": 1.0,
    "notional_inr": 100_000.0,
    "entry_cutoff": "15:00",
    "allow_short": True,
}


def parse_hhmm(text: str, name: str) -> int:
    """``"15:00"`` → minutes since midnight; ``ValueError`` naming ``name`` otherwise."""
    try:
        hours, minutes = (int(x) for x in str(text).split(":"))
    except ValueError:
        raise ValueError(f"--params: {name} must be HH:MM, got {text!r}") from None
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise ValueError(f"--params: {name} must be HH:MM, got {text!r}")
    return hours * 60 + minutes


class VwapReversionSignal(VectorSignal):
    """+1 / −1 / 0 weights from the state machine described in the module docstring."""

    def __init__(
        self,
        k: float,
        lookback: int,
        volume_mult: float,
        stop_pct: float,
        entry_cutoff: int,
        allow_short: bool,
    ) -> None:
        self.k, self.lookback, self.volume_mult = k, lookback, volume_mult
        self.stop_frac, self.entry_cutoff, self.allow_short = stop_pct / 100, entry_cutoff, allow_short

    def compute(self, panel: BarPanel) -> np.ndarray:
        from vyapari.core.aot import kernel

        return kernel("vwap_reversion_weights")(
            panel.high,
            panel.low,
            panel.close,
            np.nan_to_num(panel.volume),
            panel.valid,
            panel.session,
            minute_of_day_ist(panel.ts),
            self.k,
            self.lookback,
            self.volume_mult,
            self.stop_frac,
            self.entry_cutoff,
            self.allow_short,
        )


class VwapReversion(Strategy):
    """The VWAP mean-reversion strategy (intraday, MIS)."""

    name: ClassVar[str] = "vwap_reversion"
    needs_volume: ClassVar[bool] = True

    def __init__(self, **params: Any) -> None:
        p = {**DEFAULTS, **params}
        check_known(self.name, p, set(DEFAULTS))
        self._params: dict[str, Any] = {
            "k": positive_float(p, "k", 2.0),
            "lookback": positive_int(p, "lookback", 20),
            "volume_mult": float(p["volume_mult"]),
            "stop_pct": positive_float(p, "stop_pct", 1.0),
            "notional_inr": positive_float(p, "notional_inr", 100_000.0),
            "entry_cutoff": str(p["entry_cutoff"]),
            "allow_short": bool(p["allow_short"]),
        }
        signal = VwapReversionSignal(
            self._params["k"],
            self._params["lookback"],
            self._params["volume_mult"],
            self._params["stop_pct"],
            parse_hhmm(self._params["entry_cutoff"], "entry_cutoff"),
            self._params["allow_short"],
        )
        super().__init__(signal, FixedNotional(self._params["notional_inr"]), product=ProductType.MIS)

    @property
    def params(self) -> Mapping[str, Any]:
        return dict(self._params)
