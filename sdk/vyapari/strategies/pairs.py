"""``pairs``: cointegration pairs trading with both legs sized together.

1. **Formation**: on the first ``formation_sessions`` sessions, every candidate pair
   (``pairs`` if given, e.g. sector pairs ``[["HDFCBANK", "ICICIBANK"], ...]``, else all pairs
   of the universe) is tested with the Engle-Granger test (``statsmodels.tsa.stattools.coint``
   on log closes); the ``max_pairs`` with p-value below ``p_value`` are traded.
2. **Trading** (after formation only): the hedge ratio β is re-estimated at every bar by
   OLS of log A on log B over the last ``hedge_window`` bars (past only); the spread
   s = log A − β log B is standardised over the last ``z_window`` bars. Enter long the
   spread (long A, short B) when z ≤ −``entry_z``, short when z ≥ ``entry_z``; exit when
   |z| ≤ ``exit_z``.
3. **Sizing**: at entry, leg A gets ⌊``notional_inr`` / price A⌋ shares and leg B
   round(β × value of A / price B) shares, so the legs' rupee exposures follow β;
   sizes are held until the exit.
4. **Product MIS** (intraday): a delivery (CNC) short is not allowed in the Indian cash segment and
   an intraday short must be squared off by 15:20 IST, so both legs are intraday. The engines
   square an MIS position off at 15:20 (:mod:`vyapari.backtest.rules`); the strategy agrees with
   that rule: its targets are flat from 15:20 to the session's end, and a spread is entered only on
   an entry signal within the session (yesterday's state is not re-opened at the next open).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from vyapari.core.errors import InvalidInput
from vyapari.core.time_arrays import minute_of_day_ist
from vyapari.execution.limits import SQUAREOFF_MINUTE
from vyapari.model.enums import ProductType
from vyapari.strategies._params import check_known, positive_float, positive_int
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.signals import VectorSignal, rolling_mean
from vyapari.strategy.strategy import Strategy

DEFAULTS: dict[str, Any] = {
    "pairs": None,
    "formation_sessions": 5,
    "p_value": 0.05,
    "max_pairs": 5,
    "hedge_window": 375,
    "z_window": 120,
    "entry_z": 2.0,
    "exit_z": 0.5,
    "notional_inr": 100_000.0,
}


def select_pairs(
    log_close: np.ndarray,
    symbols: Sequence[str],
    candidates: Sequence[tuple[str, str]],
    p_value: float,
    max_pairs: int,
) -> list[tuple[int, int, float]]:
    """Cointegrated pairs ``(a, b, p)`` among ``candidates`` on the formation window, best first.

    Needs statsmodels, the optional ``pairs`` extra (``pip install 'vyapari[pairs]'``, ~210 MiB,
    used only here); without it a ``MissingDependency`` says so.
    """
    coint = _coint()

    found = []
    for a_sym, b_sym in candidates:
        a, b = symbols.index(a_sym), symbols.index(b_sym)
        both = ~np.isnan(log_close[:, a]) & ~np.isnan(log_close[:, b])
        if both.sum() < 30:
            continue
        p = float(coint(log_close[both, a], log_close[both, b])[1])
        if p < p_value:
            found.append((a, b, p))
    return sorted(found, key=lambda x: x[2])[:max_pairs]


class MissingDependency(ImportError):
    """An optional dependency of one strategy is not installed; the message names the extra."""


def _coint() -> Any:
    """``statsmodels.tsa.stattools.coint``, or :class:`MissingDependency` naming the ``pairs`` extra."""
    try:
        from statsmodels.tsa.stattools import coint
    except ModuleNotFoundError as missing:
        raise MissingDependency(
            "the pairs strategy needs statsmodels (cointegration test): install the 'pairs' extra, "
            "pip install 'vyapari[pairs]'"
        ) from missing
    return coint


def rolling_beta(y: np.ndarray, x: np.ndarray, window: int) -> np.ndarray:
    """OLS slope of ``y`` on ``x`` over the last ``window`` rows (NaN before; past only)."""
    mx, my = rolling_mean(x, window), rolling_mean(y, window)
    cov = rolling_mean(x * y, window) - mx * my
    var = rolling_mean(x * x, window) - mx * mx
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(var > 1e-18, cov / var, np.nan)


def spread_zscore(
    y: np.ndarray, x: np.ndarray, hedge_window: int, z_window: int
) -> tuple[np.ndarray, np.ndarray]:
    """β and the z-score of the spread ``y − β x`` (both ``[T]``, past data only)."""
    beta = rolling_beta(y, x, hedge_window)
    spread = y - beta * x
    mean = rolling_mean(np.nan_to_num(spread), z_window)
    sd = np.sqrt(np.maximum(rolling_mean(np.nan_to_num(spread) ** 2, z_window) - mean**2, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(sd > 0, (spread - mean) / sd, np.nan)
    valid_from = hedge_window + z_window - 2
    z[:valid_from] = np.nan
    return beta, z


def _intraday_state(z: np.ndarray, session: np.ndarray, late: np.ndarray, entry: float,
                    exit_: float) -> np.ndarray:
    """Spread state ``[T]`` run afresh in each session and flat from 15:20 IST (``late``)."""
    from vyapari.core.aot import kernel

    zscore_positions = kernel("zscore_positions")

    state = np.zeros(z.shape[0])
    starts = np.flatnonzero(np.r_[True, session[1:] != session[:-1]])
    for lo, hi in zip(starts, np.r_[starts[1:], z.shape[0]], strict=True):
        day = z[lo:hi].copy()
        day[late[lo:hi]] = np.nan
        state[lo:hi] = zscore_positions(day, entry, exit_)
    state[late] = 0.0
    return state


class PairsSignal(VectorSignal):
    """The spread state of every selected pair (used through :meth:`Pairs.target_quantities`)."""

    def compute(self, panel: BarPanel) -> np.ndarray:
        raise NotImplementedError("pairs sizes both legs together: use Pairs.target_quantities")


class Pairs(Strategy):
    """The pairs-trading strategy (module docstring)."""

    name: ClassVar[str] = "pairs"

    def __init__(self, **params: Any) -> None:
        p = {**DEFAULTS, **params}
        check_known(self.name, p, set(DEFAULTS))
        pairs = p["pairs"]
        if pairs is not None and not all(isinstance(x, list | tuple) and len(x) == 2 for x in pairs):
            raise InvalidInput("--params", "pairs must be a list of [A, B] symbol pairs")
        self._params: dict[str, Any] = {
            "pairs": [tuple(x) for x in pairs] if pairs else None,
            "formation_sessions": positive_int(p, "formation_sessions", 5),
            "p_value": positive_float(p, "p_value", 0.05),
            "max_pairs": positive_int(p, "max_pairs", 5),
            "hedge_window": positive_int(p, "hedge_window", 375),
            "z_window": positive_int(p, "z_window", 120),
            "entry_z": positive_float(p, "entry_z", 2.0),
            "exit_z": float(p["exit_z"]),
            "notional_inr": positive_float(p, "notional_inr", 100_000.0),
        }
        super().__init__(PairsSignal(), product=ProductType.MIS)
        self.selected: list[tuple[str, str, float]] = []

    @property
    def params(self) -> Mapping[str, Any]:
        return {k: (list(map(list, v)) if k == "pairs" and v else v) for k, v in self._params.items()}

    def target_quantities(self, panel: BarPanel, capital: float) -> np.ndarray:
        """Target shares ``[T, N]`` of all selected pairs (legs of several pairs add up)."""
        p = self._params
        log_close = np.log(panel.close)
        formation_end = int(np.searchsorted(panel.session, p["formation_sessions"]))
        symbols = list(panel.symbols)
        candidates = p["pairs"] or list(itertools.combinations(symbols, 2))
        missing = sorted({s for pair in candidates for s in pair} - set(symbols))
        if missing:
            raise InvalidInput("--params", f"pairs name symbols not in the data: {', '.join(missing)}")
        chosen = select_pairs(log_close[:formation_end], symbols, candidates, p["p_value"], p["max_pairs"])
        self.selected = [(symbols[a], symbols[b], pv) for a, b, pv in chosen]
        targets = np.zeros(panel.shape, dtype=np.int64)
        late = minute_of_day_ist(panel.ts) >= SQUAREOFF_MINUTE
        for a, b, _ in chosen:
            y, x = log_close[:, a], log_close[:, b]
            beta, z = spread_zscore(y, x, p["hedge_window"], p["z_window"])
            z[:formation_end] = np.nan
            state = _intraday_state(z, panel.session, late, p["entry_z"], p["exit_z"])
            self._size_legs(targets, panel, a, b, state, beta)
        return targets

    def _size_legs(
        self, targets: np.ndarray, panel: BarPanel, a: int, b: int, state: np.ndarray, beta: np.ndarray
    ) -> None:
        qa = qb = 0
        prev = 0.0
        for t in range(len(state)):
            if state[t] != prev:
                qa = qb = 0
                if state[t] != 0 and panel.valid[t, a] and panel.valid[t, b]:
                    shares_a = int(self._params["notional_inr"] // panel.close[t, a])
                    qa = int(state[t]) * shares_a
                    qb = -int(state[t]) * round(beta[t] * shares_a * panel.close[t, a] / panel.close[t, b])
                prev = state[t]
            targets[t, a] += qa
            targets[t, b] += qb
