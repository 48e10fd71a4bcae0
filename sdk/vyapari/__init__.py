"""vyapari: an algorithmic-trading platform for Indian equity markets (NSE and BSE).

The package is pure: it never talks to AWS or reads settings outside ``vyapari.cli``.
See README.md for the two commands and docs on the layers.

The research API, for notebooks and scripts (imported on first use, so ``import vyapari`` stays light)::

    from vyapari import Strategy, backtest, evaluate, load_bars, costs

    run = backtest("sma_cross", load_bars("bars/"), params={"fast": 20, "slow": 50})
    run.trades, run.round_trips, run.equity   # pandas DataFrames
    run.stats, run.plot(), run.report()       # a Series; plotly figures
    evaluate(run)                             # the weekly verdict

``backtest`` is the :mod:`vyapari.backtest` package made callable (it runs
:func:`vyapari.research.api.run_backtest`, also exported as ``run_backtest``); ``costs`` is the
:mod:`vyapari.costs` package (``costs.round_trip(...)`` prices a trade).
"""

from __future__ import annotations

import importlib
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from vyapari import costs
    from vyapari.research.api import evaluate, load_bars, run_backtest, synthetic_bars
    from vyapari.research.run import BacktestRun
    from vyapari.research.sweeps import SweepRun, sweep
    from vyapari.strategy.strategy import Strategy

# public name -> module holding it (a module itself when the name is a package)
_EXPORTS = {
    "Strategy": "vyapari.strategy.strategy",
    "run_backtest": "vyapari.research.api",
    "load_bars": "vyapari.research.api",
    "synthetic_bars": "vyapari.research.api",
    "evaluate": "vyapari.research.api",
    "sweep": "vyapari.research.sweeps",
    "SweepRun": "vyapari.research.sweeps",
    "BacktestRun": "vyapari.research.run",
}
_PACKAGES = ("costs",)

__all__ = [
    "BacktestRun",
    "Strategy",
    "SweepRun",
    "__version__",
    "backtest",
    "costs",
    "evaluate",
    "load_bars",
    "run_backtest",
    "sweep",
    "synthetic_bars",
]


def __getattr__(name: str) -> Any:
    if name in _PACKAGES:
        return importlib.import_module(f"vyapari.{name}")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vyapari' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


class _CallablePackage(types.ModuleType):
    """``vyapari.backtest(...)``: the backtest package, callable as :func:`run_backtest`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from vyapari.research.api import run_backtest

        return run_backtest(*args, **kwargs)


from vyapari import backtest  # noqa: E402  # light: the package's __init__ imports nothing

backtest.__class__ = _CallablePackage
