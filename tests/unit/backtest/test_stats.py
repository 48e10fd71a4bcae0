import numpy as np
import pytest

from vyapari.backtest.stats import max_drawdown


@pytest.mark.parametrize(
    ("equity", "depth", "slices"),
    [
        ([100, 90, 95, 100, 80, 81, 82, 83, 120, 110], 0.20, 4),  # longest run: 80..83 below the 100 peak
        ([1, 2, 3], 0.0, 0),
        ([5, 4, 3], 0.4, 2),  # never recovered: the run lasts to the end
        ([], 0.0, 0),
    ],
)
def test_max_drawdown_depth_and_longest_underwater_run(equity, depth, slices):
    worst, duration = max_drawdown(np.asarray(equity, dtype=float))
    assert worst == pytest.approx(depth)
    assert duration == slices
