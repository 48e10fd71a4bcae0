"""A stepped signal and stepped targets equal the full recomputation, row for row, bit for bit."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from vyapari.strategies.sma_cross import SmaCross, SmaCrossSignal
from vyapari.strategies.vwap_reversion import VwapReversion
from vyapari.strategy.panel import BarPanel
from vyapari.strategy.signals import VectorSignal
from vyapari.strategy.sizing import FixedNotional, Kelly
from vyapari.strategy.strategy import Strategy
from vyapari.strategy.synthetic import random_walk_panel


def _gappy_panel(seed: int, symbols: int = 9, missing: float = 0.3) -> BarPanel:
    """A random walk over two sessions where a share of the bars is missing; lots of 1 to 50."""
    panel = random_walk_panel(symbols=symbols, sessions=2, bars_per_session=80, seed=seed)
    rng = np.random.default_rng(seed)
    valid = panel.valid & (rng.random(panel.valid.shape) > missing)
    valid[:, 0] = True  # one symbol with every bar, one with none at all
    valid[:, 1] = False
    nan = {c: np.where(valid, getattr(panel, c), np.nan) for c in ("open", "high", "low", "close", "volume")}
    lots = rng.choice([1, 5, 50], symbols).astype(np.int64)
    return panel.with_arrays(valid=valid, lot_sizes=lots, **nan)


class _NoStepper(VectorSignal):
    """SMA cross without a stepper: advance must fall back to the full recomputation."""

    def compute(self, panel: BarPanel) -> np.ndarray:
        return SmaCrossSignal(3, 8).compute(panel)


def _gaps_from(panel: BarPanel, row: int, seed: int) -> BarPanel:
    """``panel`` with every bar up to ``row`` and some bars missing after it."""
    gappy = _gappy_panel(seed)
    valid = gappy.valid.copy()
    valid[:row] = True
    close = np.where(valid, panel.close, np.nan)
    return panel.with_arrays(valid=valid, close=close)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(("fast", "slow"), [(1, 2), (2, 3), (5, 20)])
@pytest.mark.parametrize("bars", ["all", "gaps", "gaps later"])
def test_sma_cross_stepper_rows_equal_the_full_computation(
    seed: int, fast: int, slow: int, bars: str
) -> None:
    full_panel = random_walk_panel(9, 2, 80, seed=seed)
    panel = {
        "all": full_panel,
        "gaps": _gappy_panel(seed),
        "gaps later": _gaps_from(full_panel, 50, seed),
    }[bars]
    signal = SmaCrossSignal(fast, slow)
    full = signal.compute(panel)
    stepper = signal.stepper()
    rows = np.array([stepper.step(panel.head(t + 1)) for t in range(panel.shape[0])])
    assert rows.dtype == full.dtype
    assert np.array_equal(rows, full)
    assert 0 < full.sum() < full.size  # some rows long, some flat


def _targets_by_advance(strategy: Strategy, panel: BarPanel, capital: float, skip: int = -1) -> np.ndarray:
    rows = []
    for t in range(panel.shape[0]):
        if t == skip:  # a slice the strategy never saw: advance must catch up
            continue
        strategy.advance(panel.head(t + 1), capital)
        strategy.advance(panel.head(t + 1), capital)  # a second call for the same row changes nothing
        rows.append(strategy.current_targets(SimpleNamespace(bar_index=t)))
    return np.array(rows)


def _cases() -> list[tuple[str, Strategy]]:
    notional = SmaCross(3, 8)
    notional.sizer = FixedNotional(25_000.0)
    kelly = SmaCross(3, 8)
    kelly.sizer = Kelly(lookback=10)
    return [
        ("fixed quantity", SmaCross(3, 8, qty=7)),
        ("fixed notional", notional),
        ("kelly (recomputed)", kelly),
        ("no stepper (recomputed)", Strategy(_NoStepper())),
        ("vwap reversion (recomputed)", VwapReversion(k=1.0, lookback=10)),
    ]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("case", range(len(_cases())), ids=[name for name, _ in _cases()])
def test_advanced_targets_equal_prepared_targets_row_by_row(seed: int, case: int) -> None:
    panel = _gappy_panel(seed)
    _, stepped = _cases()[case]
    _, prepared = _cases()[case]
    prepared.prepare(panel, 300_000.0)
    expected = [prepared.current_targets(SimpleNamespace(bar_index=t)) for t in range(panel.shape[0])]
    got = _targets_by_advance(stepped, panel, 300_000.0)
    assert np.array_equal(got, np.array(expected))
    assert np.abs(got).sum() > 0
    assert stepped.steps_incrementally == ("recomputed" not in _cases()[case][0])


def test_advance_catches_up_after_a_missed_row() -> None:
    panel = _gappy_panel(5)
    prepared = SmaCross(2, 5)
    prepared.prepare(panel, 300_000.0)
    rows = [t for t in range(panel.shape[0]) if t != 40]
    expected = [prepared.current_targets(SimpleNamespace(bar_index=t)) for t in rows]
    got = _targets_by_advance(SmaCross(2, 5), panel, 300_000.0, skip=40)
    assert np.array_equal(got, np.array(expected))
