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
    circular: bool = True,
) -> BootstrapResult:
    """Block bootstrap of the mean of ``returns`` (weekly returns, fractions).

    Each resample joins ``ceil(n / block)`` blocks of ``block`` consecutive returns, cut to
    ``n``. Circular (default): a block starts anywhere and wraps around the end, so every
    return is drawn equally often. Moving (``circular=False``): a block starts in
    ``[0, n - block]`` and never wraps. Blocks keep the short-range dependence of the weeks.

    Parameters
    ----------
    returns : numpy.ndarray
        The weekly returns (fractions).
    target : float
        The weekly target (fraction) for ``prob_at_least_target``.
    block : int
        Block length in weeks (clipped to ``[1, n]``).
    resamples : int
        Number of bootstrap resamples.
    level : float
        Confidence level of the percentile interval (0.90: the 5th to the 95th percentile of
        the resampled means, numpy's ``linear`` quantile method).
    seed : int
        Seed of ``numpy.random.default_rng``: the same inputs give the same result.
    circular : bool
        Circular (True) or moving (False) blocks.

    Returns
    -------
    BootstrapResult
        The sample mean, the interval and the share of resampled means ≥ ``target``.
    """
    r = np.asarray(returns, dtype=float)
    n = r.size
    if n == 0:
        raise ValueError("no returns to bootstrap")
    if resamples < 1 or not 0 < level < 1:
        raise ValueError("resamples must be >= 1 and level in (0, 1)")
    block = max(1, min(block, n))
    rng = np.random.default_rng(seed)
    count = math.ceil(n / block)
    starts = rng.integers(0, n if circular else n - block + 1, size=(resamples, count))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(resamples, -1)[:, :n] % n
    means = r[idx].mean(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return BootstrapResult(
        float(r.mean()), float(low), float(high), level, float((means >= target).mean()), resamples, block
    )


def expected_max_sharpe(trial_sharpe_variance: float, trials: int) -> float:
    """Expected maximum Sharpe ratio of ``trials`` unskilled trials (Bailey & López de Prado 2014).

    ``SR0 = sqrt(V) * ((1 - γ) Z⁻¹(1 - 1/N) + γ Z⁻¹(1 - 1/(N e)))`` with ``V`` the variance of the
    trials' Sharpe ratios (same period as the returns), ``N`` the number of trials, ``γ`` the
    Euler–Mascheroni constant and ``Z⁻¹`` the standard normal quantile. 0 for fewer than 2 trials.
    """
    if trials < 2:
        return 0.0
    z = NormalDist().inv_cdf
    return math.sqrt(trial_sharpe_variance) * (
        (1 - EULER_GAMMA) * z(1 - 1 / trials) + EULER_GAMMA * z(1 - 1 / (trials * math.e))
    )


def deflated_sharpe_ratio(returns: np.ndarray, trials: int, trial_sharpe_variance: float) -> float:
    """The deflated Sharpe ratio: P(true Sharpe > the best Sharpe expected by luck), in 0..1.

    Bailey, D. H. and López de Prado, M. (2014), "The Deflated Sharpe Ratio: Correcting for
    Selection Bias, Backtest Overfitting and Non-Normality", Journal of Portfolio Management
    40(5), 94-107, equation (2)::

        DSR = Φ( (SR − SR0) √(T − 1) / √(1 − γ3·SR + (γ4 − 1)/4 · SR²) )

    where ``SR`` is the per-period Sharpe of ``returns`` (mean / sample std, not annualised),
    ``T`` the number of returns, ``γ3`` their skewness, ``γ4`` their (non-excess) kurtosis, and
    ``SR0`` :func:`expected_max_sharpe` of ``trials`` with ``trial_sharpe_variance`` (the
    variance of the per-period Sharpes across the sweep's trials).

    Parameters
    ----------
    returns : numpy.ndarray
        Per-period returns of the selected strategy (fractions).
    trials : int
        Number of configurations tried in the sweep (1: no deflation, SR0 = 0).
    trial_sharpe_variance : float
        Variance of the trials' per-period Sharpe ratios.

    Returns
    -------
    float
        The probability, or NaN with fewer than 3 returns or zero dispersion.
    """
    r = np.asarray(returns, dtype=float)
    t_count = r.size
    sd = r.std(ddof=1)
    if t_count < 3 or not sd > 1e-12:  # constant returns: no dispersion, no Sharpe
        return float("nan")
    sr = r.mean() / sd
    centred = (r - r.mean()) / r.std(ddof=0)
    skew, kurt = float((centred**3).mean()), float((centred**4).mean())
    sr0 = expected_max_sharpe(trial_sharpe_variance, trials)
    denom = math.sqrt(max(1 - skew * sr + (kurt - 1) / 4 * sr**2, 1e-12))
    return NormalDist().cdf((sr - sr0) * math.sqrt(t_count - 1) / denom)


def mean_weekly_net_return_of(result: Any) -> float:
    """Mean weekly net return (fraction) of a run's outcome.

    Accepts a number (taken as the figure itself), an object with ``mean_weekly_net_return``
    (a :class:`~vyapari.evaluation.result.WeeklyEvaluation`), or an equity curve (pandas Series,
    ₹ by timestamp), which is evaluated with the default :class:`WeeklyTargetEvaluator`.
    """
    if isinstance(result, int | float | np.floating):
        return float(result)
    if hasattr(result, "mean_weekly_net_return"):
        return float(result.mean_weekly_net_return)
    if isinstance(result, pd.Series):
        from vyapari.evaluation.weekly import WeeklyTargetEvaluator

        return WeeklyTargetEvaluator().evaluate(result).mean_weekly_net_return
    raise TypeError(f"cannot take a mean weekly net return from {type(result).__name__}")


def cost_sensitivity(
    run_at: Callable[[float], Any],
    summarise: Callable[[Any], float] | None = None,
    multipliers: Sequence[float] = (1.0, 2.0, 3.0),
) -> list[dict[str, Any]]:
    """The same run at each cost multiplier, flagging a strategy that dies at twice the costs.

    Parameters
    ----------
    run_at : callable
        ``run_at(multiplier)`` runs with the modelled costs scaled by ``multiplier`` and returns
        an equity curve, a :class:`WeeklyEvaluation` or the figure itself.
    summarise : callable, optional
        Maps that outcome to its mean weekly net return (fraction); by default
        :func:`mean_weekly_net_return_of`.
    multipliers : sequence of float
        Cost multipliers, 1×, 2× and 3× by default.

    Returns
    -------
    list of dict
        ``{"multiplier", "mean_weekly_net_return", "dies_at_2x"}`` per multiplier; ``dies_at_2x``
        (the same on every row) is True when the figure at 2× is ≤ 0 (or not a number).
    """
    figure = summarise or mean_weekly_net_return_of
    rows = [{"multiplier": float(m), "mean_weekly_net_return": float(figure(run_at(m)))} for m in multipliers]
    at_two = [r["mean_weekly_net_return"] for r in rows if r["multiplier"] == 2.0]
    dies = bool(at_two and not at_two[0] > 0)
    for row in rows:
        row["dies_at_2x"] = dies
    return rows


@dataclass(frozen=True)
class Window:
    """An in-sample span of sessions and the out-of-sample span that follows it (inclusive dates).

    ``in_sessions`` and ``out_sessions`` list the session dates of each span.
    """

    in_start: date
    in_end: date
    out_start: date
    out_end: date
    in_sessions: tuple[date, ...] = ()
    out_sessions: tuple[date, ...] = ()


def walk_forward_windows(
    sessions: Sequence[date], in_sample: int, out_of_sample: int, step: int | None = None
) -> list[Window]:
    """Rolling windows of ``in_sample`` sessions followed by ``out_of_sample`` sessions.

    The windows advance by ``step`` sessions (default ``out_of_sample``, so out-of-sample spans
    tile without overlapping; a smaller step makes them overlap, which :func:`walk_forward`
    rejects). Sessions that do not fill a last whole window are left out.
    """
    if in_sample < 1 or out_of_sample < 1:
        raise ValueError("in_sample and out_of_sample must be >= 1 session")
    step = step or out_of_sample
    if step < 1:
        raise ValueError("step must be >= 1 session")
    days = list(sessions)
    out, i = [], 0
    while i + in_sample + out_of_sample <= len(days):
        ins, oos = days[i : i + in_sample], days[i + in_sample : i + in_sample + out_of_sample]
        out.append(Window(ins[0], ins[-1], oos[0], oos[-1], tuple(ins), tuple(oos)))
        i += step
    return out


def _as_windows(
    items: Sequence[Window] | Sequence[date],
    in_sample: int | None,
    out_of_sample: int | None,
    step: int | None,
) -> list[Window]:
    windows = [w for w in items if isinstance(w, Window)]
    if len(windows) == len(items):
        return windows
    if in_sample is None or out_of_sample is None:
        raise ValueError("walk_forward over sessions needs in_sample and out_of_sample")
    return walk_forward_windows([d for d in items if isinstance(d, date)], in_sample, out_of_sample, step)


def walk_forward(
    windows: Sequence[Window] | Sequence[date],
    choose: Callable[[Window], Any],
    score: Callable[[Any, Window], pd.Series],
    *,
    in_sample: int | None = None,
    out_of_sample: int | None = None,
    step: int | None = None,
) -> tuple[pd.Series, list[Any]]:
    """Choose parameters in sample, score them out of sample, and stitch the out-of-sample curves.

    Parameters
    ----------
    windows : sequence of Window, or of session dates
        The windows, or the sessions to split with :func:`walk_forward_windows` (then
        ``in_sample`` and ``out_of_sample`` are required, ``step`` optional).
    choose : callable
        ``choose(window) -> params``; must look only at the in-sample span.
    score : callable
        ``score(params, window) -> equity`` (pandas Series, ₹ by time) over the out-of-sample span.

    Returns
    -------
    (pandas.Series, list)
        The stitched out-of-sample curve (each piece rescaled to start where the previous ended,
        the first at its own first value, so the curve compounds the pieces' returns) and the
        parameters chosen per window.
    """
    pieces: list[pd.Series] = []
    chosen: list[Any] = []
    for window in _as_windows(windows, in_sample, out_of_sample, step):
        params = choose(window)
        chosen.append(params)
        piece = score(params, window).astype(float)
        if pieces and len(piece) and piece.index[0] <= pieces[-1].index[-1]:
            raise ValueError(f"out-of-sample pieces overlap at {piece.index[0]} (step < out_of_sample?)")
        level = float(pieces[-1].iloc[-1]) if pieces else float(piece.iloc[0])
        pieces.append(piece / float(piece.iloc[0]) * level)
    if not pieces:
        return pd.Series(dtype=float), chosen
    return pd.concat(pieces), chosen
