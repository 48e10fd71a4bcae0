"""Compile the kernels ahead of time, so the first real run after an install is not slower.

First the kernels are compiled into one extension module with ``numba.pycc`` (:mod:`vyapari.core.aot`,
kept in vyapari's cache folder; needs a C compiler, once): runs then load it in a millisecond and
never import numba. Without a compiler (or with ``VYAPARI_KERNELS=jit``) the kernels stay
``@njit(cache=True)``: the first call of each type signature compiles it (tens of seconds in all on a
small machine) and writes the machine code to numba's cache (``__pycache__`` beside the sources, or
``$NUMBA_CACHE_DIR``); later processes load it in about a second. Either way :func:`warm_kernels`
runs every reference strategy on a tiny synthetic panel through both engine paths, with charges and
slippage on and off, which calls every kernel with the signatures real runs use (``pairs``' one
kernel is called directly); it also builds the exchange calendars, whose library sessions are then
cached on disk. ``vyapari warmup`` runs it; ``make setup`` runs that once after installing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vyapari.costs.slippage import SlippageModel

# (strategy, engine path, fees, slippage): each compiles the kernels of its path and charges.
PLAN: tuple[tuple[str, str, str, str], ...] = (
    ("sma_cross", "vector", "zerodha", "none"),
    ("sma_cross", "vector", "none", "bps"),
    ("sma_cross", "event", "zerodha", "volume"),
    ("sma_cross_bar", "event", "none", "none"),
    ("vwap_reversion", "auto", "zerodha", "none"),
    ("orb_momentum", "auto", "zerodha", "none"),
)
"""``pairs`` is left out: its cointegration search (statsmodels) is slow and compiles nothing; its
kernel is called directly (:func:`_warm_pairs`)."""


@dataclass(frozen=True)
class WarmStep:
    """One warm-up run: what it ran and its wall time in seconds (compiling, or loading the cache)."""

    strategy: str
    path: str
    fees: str
    slippage: str
    seconds: float
    note: str = ""


def _slippage(kind: str) -> SlippageModel:
    from decimal import Decimal

    from vyapari.costs.slippage import FixedBpsSlippage, NoSlippage, VolumeShareSlippage

    if kind == "bps":
        return FixedBpsSlippage(Decimal(5))
    if kind == "volume":
        return VolumeShareSlippage()
    return NoSlippage()


def _warm_pairs() -> WarmStep:
    import numpy as np

    from vyapari.core.aot import kernel

    start = time.perf_counter()
    kernel("zscore_positions")(np.linspace(-3.0, 3.0, 16), 2.0, 0.5)
    return WarmStep("pairs", "vector", "-", "-", time.perf_counter() - start)


def warm_kernels(on_step: Callable[[WarmStep], None] | None = None) -> list[WarmStep]:
    """Run :data:`PLAN` on a 4-symbol, 3-session synthetic panel; returns each step's timing."""
    from vyapari.backtest.config import BacktestConfig
    from vyapari.backtest.engine import run_backtest
    from vyapari.strategies import make_strategy
    from vyapari.strategy.synthetic import random_walk_panel

    panel = random_walk_panel(4, 3, seed=1)
    steps = [] if _jit_only() else [_compile_ahead()]
    if steps and on_step is not None:
        on_step(steps[0])
    for name, path, fees, slippage in PLAN:
        start = time.perf_counter()
        config = BacktestConfig(fees=fees, path=path, slippage=_slippage(slippage))
        run_backtest(make_strategy(name, {}), panel, config)
        step = WarmStep(name, path, fees, slippage, time.perf_counter() - start)
        steps.append(step)
        if on_step is not None:
            on_step(step)
    for warm in (_warm_pairs, _warm_calendars):
        steps.append(warm())
        if on_step is not None:
            on_step(steps[-1])
    return steps


def _jit_only() -> bool:
    import os

    return os.environ.get("VYAPARI_KERNELS", "").lower() == "jit"


def _compile_ahead() -> WarmStep:
    """Build the compiled kernel module (:func:`vyapari.core.aot.build`); a failure (no numba, no C
    compiler) is noted and the plan then fills numba's JIT cache instead."""
    start = time.perf_counter()
    try:
        from vyapari.core.aot import build

        note = f"built {build()}"
    except Exception as exc:
        note = f"not built ({type(exc).__name__}: {str(exc)[:200]}); the JIT cache is warmed instead"
    return WarmStep("compiled kernels", "-", "-", "-", time.perf_counter() - start, note)


def _warm_calendars() -> WarmStep:
    """Build the NSE and BSE calendars of every year up to next year, so the library's sessions are
    in the disk cache (:mod:`vyapari.market.library_cache`) and later runs need not import it."""
    from datetime import date

    from vyapari.market.calendar import FIRST_YEAR, get_calendar

    start = time.perf_counter()
    for exchange in ("NSE", "BSE"):
        get_calendar(exchange).sessions(date(FIRST_YEAR, 1, 1), date(date.today().year + 1, 12, 31))
    return WarmStep("calendars", "-", "-", "-", time.perf_counter() - start)
