"""Compile every numba kernel into ``NUMBA_CACHE_DIR`` at image build.

Run as ``python -m functions.image.warm_numba`` (the Dockerfile does).
Runs :func:`vyapari.workflows.warmup.warm_kernels` (what ``vyapari warmup`` runs after a local install:
every reference strategy on a small synthetic panel, both engine paths, with and without charges and
slippage), so the kernels are compiled for the argument types real runs use. With
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
    """Compile every kernel signature real runs use; returns the number of numba cache index files."""
    from vyapari.workflows.warmup import warm_kernels

    warm_kernels()
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
