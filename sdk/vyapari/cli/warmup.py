"""``vyapari warmup``: compile the backtest kernels ahead of time once, after installing.

Builds one extension module of every kernel (numba.pycc, a C compiler needed) in vyapari's cache
folder, so runs load it without importing numba; without a compiler, fills numba's JIT cache instead.
``make setup`` (and so ``make demo`` on a fresh checkout) runs it, so the first backtest is as fast
as the second. Safe to rerun: a module already built for these sources and versions is kept.
"""

from __future__ import annotations

import argparse
from typing import Any

from vyapari.cli._common import print_json


def register(subparsers: Any, name: str, help_text: str) -> None:
    """Add the ``warmup`` sub-command to ``subparsers``."""
    parser = subparsers.add_parser(name, help=help_text, description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print each step's time as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the warm-up plan, printing each step."""
    import os
    import time

    from vyapari.workflows.warmup import WarmStep, warm_kernels

    def show(step: WarmStep) -> None:
        if not args.json:
            what = step.note or f"{step.path} path, fees {step.fees}, slippage {step.slippage}"
            print(f"  {step.strategy} ({what}): {step.seconds:.1f} s", flush=True)

    start = time.perf_counter()
    if not args.json:
        print("compiling the backtest kernels ahead of time (once after an install) ...", flush=True)
    steps = warm_kernels(show)
    total = time.perf_counter() - start
    from vyapari.core.aot import kernels_dir, using_compiled

    cache = (str(kernels_dir()) if using_compiled()
             else os.environ.get("NUMBA_CACHE_DIR") or "numba's __pycache__ beside the sources")
    if args.json:
        print_json({"seconds": round(total, 3), "cache": cache, "compiled": using_compiled(),
                    "steps": [{**step.__dict__, "seconds": round(step.seconds, 3)} for step in steps]})
    else:
        print(f"kernels ready in {total:.1f} s (cache: {cache})")
    return 0
