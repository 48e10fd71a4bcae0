"""``orb_momentum``: opening-range breakout on F&O stocks (intraday, MIS).

Per symbol and session: the opening range is the high and low of the first
``range_minutes`` (15 or 30) minutes from 09:15 IST. After it, before
``entry_cutoff`` (14:30 IST by default), the first close above the range high by at least
``atr_filter`` × ATR enters long (below the range low: short, when allowed); one entry per
session. ATR is the mean true range of the last ``atr_len`` bars (past only). The stop
is ``atr_stop`` × ATR from the entry close; otherwise the position is closed by the
15:20 IST square-off. Fills at the next bar's open; sized by notional.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from vyapari.core.errors import InvalidInput
from vyapari.core.time_arrays import minute_of_day_ist
from vyapari.model.enums import ProductType
from vyapari.strategies._params import check_known, positive_float, positive_int
from vyapari.strategies.vwap_reversion import parse_hhmm
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.signals import VectorSignal
from vyapari.strategy.sizing import FixedNotional
from vyapari.strategy.strategy import Strategy

DEFAULTS: dict[str, Any] = {
    "range_minutes": 15,
    "atr_len": 14,
    "atr_filter": 0.25,
    "atr_stop": 2.0,
    "notional_inr": 100_000.0,
    "entry_cutoff": "14:30",
    "allow_short": True,
}


class OrbSignal(VectorSignal):
    """+1 / −1 / 0 weights from the breakout state machine (module docstring)."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self.p = params

    def compute(self, panel: BarPanel) -> np.ndarray:
        from vyapari.core.aot import kernel

        p = self.p
        return kernel("orb_weights")(
            panel.high,
            panel.low,
            panel.close,
            panel.valid,
            panel.session,
            minute_of_day_ist(panel.ts),
            p["range_minutes"],
            p["atr_len"],
            p["atr_filter"],
            p["atr_stop"],
            parse_hhmm(p["entry_cutoff"], "entry_cutoff"),
            p["allow_short"],
        )


class OrbMomentum(Strategy):
    """The opening-range breakout strategy (intraday, MIS)."""

    name: ClassVar[str] = "orb_momentum"

    def __init__(self, **params: Any) -> None:
        p = {**DEFAULTS, **params}
        check_known(self.name, p, set(DEFAULTS))
        if p["range_minutes"] not in (15, 30):
            raise InvalidInput("--params", f"range_minutes must be 15 or 30, got {p['range_minutes']!r}")
        self._params: dict[str, Any] = {
            "range_minutes": int(p["range_minutes"]),
            "atr_len": positive_int(p, "atr_len", 14),
            "atr_filter": float(p["atr_filter"]),
            "atr_stop": positive_float(p, "atr_stop", 2.0),
            "notional_inr": positive_float(p, "notional_inr", 100_000.0),
            "entry_cutoff": str(p["entry_cutoff"]),
            "allow_short": bool(p["allow_short"]),
        }
        super().__init__(
            OrbSignal(self._params), FixedNotional(self._params["notional_inr"]), product=ProductType.MIS
        )

    @property
    def params(self) -> Mapping[str, Any]:
        return dict(self._params)
