"""Compile every numba kernel into ``NUMBA_CACHE_DIR`` at image build.

Run as ``python -m functions.image.warm_numba`` (the Dockerfile does).
Runs each reference strategy through :func:`vyapari.backtest.engine.run_backtest` on a small synthetic
panel (both engine paths), so the kernels are compiled for the argument types real runs use. With
``NUMBA_CPU_NAME=generic`` (set in the Dockerfile) the cache entries do not depend on the build
machine's CPU, and a Lambda cold start loads them instead of compiling (about 24 s with an empty cache).
Prints the number of cache files written; exits non-zero when nothing was cached.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def warm() -> int:
    """Run every strategy once per engine path; returns the number of numba cache index files."""
    from vyapari.backtest.config import BacktestConfig, EnginePath
    from vyapari.backtest.engine import run_backtest
    from vyapari.strategies import STRATEGIES, make_strategy
    from vyapari.strategy.synthetic import random_walk_panel

    for name in STRATEGIES:
        panel = random_walk_panel(symbols=2, sessions=2, bars_per_session=375, seed=0)
        for path in (EnginePath.AUTO, EnginePath.EVENT):
            run_backtest(make_strategy(name, {}), panel, BacktestConfig(path=path))
    cache = Path(os.environ["NUMBA_CACHE_DIR"])
    return sum(1 for _ in cache.rglob("*.nbi"))


def main() -> int:
    """Warm the cache; 1 when ``NUMBA_CACHE_DIR`` is unset or nothing was cached."""
    if not os.environ.get("NUMBA_CACHE_DIR"):
        print("NUMBA_CACHE_DIR is not set", file=sys.stderr)
        return 1
    started = time.perf_counter()
    count = warm()
    print(f"numba cache: {count} index files in {time.perf_counter() - started:.1f} s")
    return 0 if count else 1


if __name__ == "__main__":
    sys.exit(main())
