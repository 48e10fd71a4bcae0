"""``vyapari warmup`` compiles every kernel a backtest needs: after it, real runs through the CLI
(both engine paths, charges on and off, the reference strategies) write nothing new to numba's
cache, i.e. they compile nothing and the first run after an install is as fast as the second.

Runs in real subprocesses with an empty ``NUMBA_CACHE_DIR`` (a fresh install's cache) and
``VYAPARI_KERNELS=jit``: the JIT cache, what warmup fills where the kernels cannot be compiled ahead of
time (no C compiler); the compiled module is tested in ``test_aot_kernels.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from bt_helpers import write_bar_folder

import vyapari

pytestmark = pytest.mark.slow

SDK = Path(vyapari.__file__).resolve().parents[1]


def _cli(cache: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), VYAPARI_KERNELS="jit")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SDK), env.get("PYTHONPATH", "")) if p)
    done = subprocess.run([sys.executable, "-m", "vyapari.cli.main", *argv], env=env, capture_output=True,
                          text=True, timeout=1200, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _bar_folder(folder: Path) -> Path:
    return write_bar_folder(folder, 3, 4, seed=5)


def _cached(cache: Path) -> set[str]:
    return {str(p.relative_to(cache)) for p in cache.rglob("*") if p.is_file()}


def test_after_warmup_real_runs_compile_nothing(tmp_path):
    cache = tmp_path / "numba-cache"
    cache.mkdir()
    report = json.loads(_cli(cache, "warmup", "--json").stdout)
    assert {s["strategy"] for s in report["steps"]} >= {"sma_cross", "sma_cross_bar", "vwap_reversion",
                                                        "orb_momentum", "pairs"}
    warmed = _cached(cache)
    assert any(name.endswith(".nbc") for name in warmed)  # machine code written ahead of time
    data = _bar_folder(tmp_path / "bars")
    for argv in (
        ("--strategy", "sma_cross", "--params", '{"fast": 5, "slow": 20}', "--path", "vector"),
        ("--strategy", "sma_cross", "--fees", "none", "--slippage", "bps:2"),
        ("--strategy", "sma_cross_bar", "--params", '{"fast": 5, "slow": 20}', "--path", "event"),
        ("--strategy", "vwap_reversion", "--fees", "upstox"),
        ("--strategy", "orb_momentum", "--out", str(tmp_path / "orb")),
    ):
        _cli(cache, "backtest", "--data", str(data), "--json", *argv)
        assert _cached(cache) == warmed, f"backtest {' '.join(argv)} compiled a kernel warmup missed"
