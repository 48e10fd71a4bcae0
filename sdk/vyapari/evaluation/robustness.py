"""Should the user believe it? Robustness checks, each a pure function.

* :func:`block_bootstrap_mean` — a circular block bootstrap of weekly returns: a
  confidence interval for the mean and the probability that it is at least the target.
* :func:`deflated_sharpe_ratio` — Bailey & López de Prado (2014), "The Deflated Sharpe
  Ratio: Correcting for Selection Bias, Backtest Overfitting and Non-Normality": the
  probability that the true Sharpe exceeds the best Sharpe expected from ``trials``
  unskilled trials.
* :func:`cost_sensitivity` — the same run at 1×, 2×, 3× the modelled costs.
* :func:`walk_forward_windows` and :func:`walk_forward` — parameters chosen on rolling
  in-sample windows, scored only out of sample, the out-of-sample pieces chained.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

EULER_GAMMA = 0.5772156649015329


@dataclass(frozen=True)
class BootstrapResult:
    """Mean weekly return (fraction), its ``level`` confidence interval and P(mean ≥ target)."""

    mean: float
    low: float
    high: float
    level: float
    prob_at_least_target: float
    resamples: int
    block: int


def block_bootstrap_mean(
    returns: np.ndarray,
    target: float,
    *,
    block: int = 4,
    resamples: int = 2000,
    level: float = 0.90,
    seed: int = 7,
) -> BootstrapResult:
    """Circular block bootstrap of the mean of ``returns`` (weekly, fractions).

    Each resample joins ``ceil(n / block)`` blocks of ``block`` consecutive returns starting at
    uniform random positions (wrapping around the end), cut to ``n``; the interval is the
    percentile interval of the resampled means.
    """
    r = np.asarray(returns, dtype=float)
    n = r.size
    if n == 0:
        raise ValueError("no returns to bootstrap")
    block = max(1, min(block, n))
    rng = np.random.default_rng(seed)
    count = math.ceil(n / block)
    starts = rng.integers(0, n, size=(resamples, count))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(resamples, -1)[:, :n] % n
    means = r[idx].mean(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return BootstrapResult(
        float(r.mean()), float(low), float(high), level, float((means >= target).mean()), resamples, block
    )


def expected_max_sharpe(trial_sharpe_variance: float, trials: int) -> float:
    """E[max SR] of ``trials`` unskilled trials with Sharpe variance ``trial_sharpe_variance``."""
    if trials < 2:
        return 0.0
    z = NormalDist().inv_cdf
    return math.sqrt(trial_sharpe_variance) * (
        (1 - EULER_GAMMA) * z(1 - 1 / trials) + EULER_GAMMA * z(1 - 1 / (trials * math.e))
    )


def deflated_sharpe_ratio(returns: np.ndarray, trials: int, trial_sharpe_variance: float) -> float:
    """Probability (0..1) that the per-period Sharpe of ``returns`` beats the best of ``trials``
    unskilled trials, adjusting for skewness and (non-excess) kurtosis of ``returns``."""
    r = np.asarray(returns, dtype=float)
    t_count = r.size
    sd = r.std(ddof=1)
    if t_count < 3 or sd == 0:
        return float("nan")
    sr = r.mean() / sd
    centred = (r - r.mean()) / r.std(ddof=0)
    skew, kurt = float((centred**3).mean()), float((centred**4).mean())
    sr0 = expected_max_sharpe(trial_sharpe_variance, trials)
    denom = math.sqrt(max(1 - skew * sr + (kurt - 1) / 4 * sr**2, 1e-12))
    return NormalDist().cdf((sr - sr0) * math.sqrt(t_count - 1) / denom)


def cost_sensitivity(
    run_at: Callable[[float], Any],
    summarise: Callable[[Any], float],
    multipliers: Sequence[float] = (1.0, 2.0, 3.0),
) -> list[dict[str, Any]]:
    """Run at each cost ``multiplier`` and report ``summarise(result)`` (the mean weekly net
    return); a strategy whose figure is ≤ 0 at 2× is flagged ``dies_at_2x``."""
    rows = [{"multiplier": m, "mean_weekly_net_return": float(summarise(run_at(m)))} for m in multipliers]
    at_two = [r["mean_weekly_net_return"] for r in rows if r["multiplier"] == 2.0]
    dies = bool(at_two and at_two[0] <= 0)
    for row in rows:
        row["dies_at_2x"] = dies
    return rows


@dataclass(frozen=True)
class Window:
    """An in-sample and the following out-of-sample span of sessions (inclusive dates)."""

    in_start: date
    in_end: date
    out_start: date
    out_end: date


def walk_forward_windows(
    sessions: Sequence[date], in_sample: int, out_of_sample: int, step: int | None = None
) -> list[Window]:
    """Rolling windows of ``in_sample`` sessions followed by ``out_of_sample`` sessions,
    advancing by ``step`` (default ``out_of_sample``) so out-of-sample spans do not overlap."""
    if in_sample < 1 or out_of_sample < 1:
        raise ValueError("in_sample and out_of_sample must be >= 1 session")
    step = step or out_of_sample
    out, i = [], 0
    while i + in_sample + out_of_sample <= len(sessions):
        out.append(
            Window(
                sessions[i],
                sessions[i + in_sample - 1],
                sessions[i + in_sample],
                sessions[i + in_sample + out_of_sample - 1],
            )
        )
        i += step
    return out


def walk_forward(
    windows: Sequence[Window], choose: Callable[[Window], Any], score: Callable[[Any, Window], pd.Series]
) -> tuple[pd.Series, list[Any]]:
    """Choose parameters on each in-sample span, score them out of sample, and chain the
    out-of-sample equity pieces into one curve starting at the first piece's first value.

    Returns the stitched curve and the parameters chosen per window.
    """
    pieces, chosen = [], []
    level = None
    for window in windows:
        params = choose(window)
        chosen.append(params)
        piece = score(params, window).astype(float)
        scaled = piece / piece.iloc[0] * (level if level is not None else piece.iloc[0])
        level = float(scaled.iloc[-1])
        pieces.append(scaled)
    if not pieces:
        return pd.Series(dtype=float), chosen
    return pd.concat(pieces), chosen
