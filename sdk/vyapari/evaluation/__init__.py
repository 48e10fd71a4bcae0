"""vyapari.evaluation: is a strategy meeting its weekly target, and should the user believe it?

* :mod:`.criteria` — :class:`TargetCriteria` (targets as fractions, ``from_env``) and :class:`Badge`.
* :mod:`.weekly` — :class:`WeeklyTargetEvaluator` (Indian trading weeks from the exchange
  calendar, partial weeks flagged and excluded); :mod:`.result` — :class:`WeeklyEvaluation`.
* :mod:`.robustness` — block bootstrap, deflated Sharpe, cost sensitivity, walk-forward (pure).
* :mod:`.inputs` and :mod:`.run` — read equity/trades files and backtest folders;
  :mod:`.report` — ``report.json`` and a self-contained ``report.html``, the tear sheet
  (:mod:`.tearsheet` computes it, :mod:`.report_figures` and :mod:`.report_tables` draw it,
  :mod:`.benchmark` finds NIFTY 50 in the lake); :mod:`.sweep_report` — a sweep's ``report.html``.
* :mod:`.checks` — cost sensitivity and walk-forward wired to the backtest engine.

Names are exported lazily so importing the package does not import pandas or plotly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vyapari.evaluation.criteria import Badge, TargetCriteria
    from vyapari.evaluation.report import write_report
    from vyapari.evaluation.result import Criterion, WeeklyEvaluation
    from vyapari.evaluation.robustness import (
        BootstrapResult,
        Window,
        block_bootstrap_mean,
        cost_sensitivity,
        deflated_sharpe_ratio,
        expected_max_sharpe,
        walk_forward,
        walk_forward_windows,
    )
    from vyapari.evaluation.weekly import WeeklyTargetEvaluator

_EXPORTS = {
    "Badge": "criteria",
    "TargetCriteria": "criteria",
    "write_report": "report",
    "Criterion": "result",
    "WeeklyEvaluation": "result",
    "BootstrapResult": "robustness",
    "Window": "robustness",
    "block_bootstrap_mean": "robustness",
    "cost_sensitivity": "robustness",
    "deflated_sharpe_ratio": "robustness",
    "expected_max_sharpe": "robustness",
    "walk_forward": "robustness",
    "walk_forward_windows": "robustness",
    "WeeklyTargetEvaluator": "weekly",
}

__all__ = [
    "Badge",
    "BootstrapResult",
    "Criterion",
    "TargetCriteria",
    "WeeklyEvaluation",
    "WeeklyTargetEvaluator",
    "Window",
    "block_bootstrap_mean",
    "cost_sensitivity",
    "deflated_sharpe_ratio",
    "expected_max_sharpe",
    "walk_forward",
    "walk_forward_windows",
    "write_report",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vyapari.evaluation' has no attribute {name!r}")
    return getattr(importlib.import_module(f"vyapari.evaluation.{module}"), name)
