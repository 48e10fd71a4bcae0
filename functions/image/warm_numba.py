"""Compile every kernel at image build: the ahead-of-time module, else numba's JIT cache.

Run as ``python -m functions.image.warm_numba`` (the Dockerfile does, in its build stage, which has a
C compiler, and again in the final stage, which keeps the module the build stage copied over).
Runs :func:`vyapari.workflows.warmup.warm_kernels` (what ``vyapari warmup`` runs after a local install):
it builds the kernels' extension module (:mod:`vyapari.core.aot`) in ``VYAPARI_CACHE_DIR``, which a
cold start loads in a millisecond without importing numba (pycc targets a generic CPU); where that
cannot be built it compiles the kernels into ``NUMBA_CACHE_DIR`` (``NUMBA_CPU_NAME=generic``), which a
cold start loads instead of compiling (about 24 s with an empty cache). Prints what it made; exits
non-zero when neither was made.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def warm() -> int:
    """Compile every kernel signature real runs use; returns 1 for the compiled module, else the
    number of numba cache index files."""
    from vyapari.core.aot import using_compiled
    from vyapari.workflows.warmup import warm_kernels

    warm_kernels()
    if using_compiled():
        return 1
    cache = Path(os.environ["NUMBA_CACHE_DIR"])
    return sum(1 for _ in cache.rglob("*.nbi"))


def main() -> int:
    """Warm the cache; 1 when ``NUMBA_CACHE_DIR`` is unset or nothing was cached."""
    if not os.environ.get("NUMBA_CACHE_DIR"):
        print("NUMBA_CACHE_DIR is not set", file=sys.stderr)
        return 1
    started = time.perf_counter()
    count = warm()
    from vyapari.core.aot import kernels_dir, using_compiled

    made = f"compiled module in {kernels_dir()}" if using_compiled() else f"numba cache: {count} index files"
    print(f"{made} in {time.perf_counter() - started:.1f} s")
    return 0 if count else 1


if __name__ == "__main__":
    sys.exit(main())
