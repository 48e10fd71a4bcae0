"""Cold-start import time of each Lambda handler module, each in a fresh interpreter.

Run: ``.venv/bin/python benchmarks/bench_cold_start.py [--repeat 3]`` from the project root. For each
``functions/<name>/handler.py`` it runs ``python -c "import functions.<name>.handler"`` with a local
``LAKE_URI`` (no AWS calls at import), reports the best wall time of the import in milliseconds and
whether pandas was imported (handlers that do not need it must not import it at module level).
Never asserted in CI; figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = (
    "import sys, time; t = time.perf_counter(); import functions.{name}.handler; "
    "print(round((time.perf_counter() - t) * 1000, 1), 'pandas' in sys.modules)"
)


def handlers() -> list[str]:
    """Names of every Lambda handler (``functions/<name>/handler.py``), the API's included."""
    return sorted(p.parent.name for p in (ROOT / "functions").glob("*/handler.py"))


def measure(name: str, repeat: int, lake: str) -> tuple[float, bool]:
    """Best import time (ms) over ``repeat`` fresh interpreters, and whether pandas got imported."""
    env = {**os.environ, "LAKE_URI": lake, "POWERTOOLS_TRACE_DISABLED": "true", "PYTHONPATH": str(ROOT),
           "VYAPARI_API_BACKEND": "local", "VYAPARI_API_STATE_DIR": lake, "AWS_REGION": "ap-south-1",
           "AWS_DEFAULT_REGION": "ap-south-1", "VYAPARI_WS_TOKEN_SECRET": "benchmark-only",
           "WS_ENDPOINT_URL": "https://example.invalid/dev", "VYAPARI_SECRETS_PREFIX": "vyapari/bench",
           "ORDER_STATE_TABLE": "vyapari-bench-order-state"}
    best, pandas = float("inf"), False
    for _ in range(repeat):
        done = subprocess.run(
            [sys.executable, "-c", PROBE.format(name=name)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        ms, has_pandas = done.stdout.split()
        best, pandas = min(best, float(ms)), has_pandas == "True"
    return best, pandas


def main() -> int:
    """Print one line per handler (and JSON with ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as lake:
        for name in handlers():
            ms, pandas = measure(name, args.repeat, lake)
            results[name] = {"import_ms": ms, "imports_pandas": pandas}
            print(f"{name:28s} {ms:8.1f} ms   pandas={'yes' if pandas else 'no'}")
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
