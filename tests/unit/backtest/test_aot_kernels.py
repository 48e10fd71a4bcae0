"""The kernels compiled ahead of time (:mod:`vyapari.core.aot`) against numba's JIT of the same source.

* On random inputs every compiled kernel returns exactly (bit for bit) what the JIT returns.
* A missing, broken or stale module is never used: the JIT runs and the results are the same.
* A plain ``vyapari backtest --json`` on a Parquet folder, in a fresh process, with the module built
  by ``vyapari warmup``, imports neither pandas nor numba nor scipy, and prints what the JIT prints.

The module is the install's (``make setup`` runs ``vyapari warmup``) when it is there for the current
sources, else it is built here once (about a minute; a C compiler is needed).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from bt_helpers import write_bar_folder

import vyapari
from vyapari.core import aot
from vyapari.core.time_arrays import minute_of_day_ist
from vyapari.strategy.synthetic import random_walk_panel

pytestmark = pytest.mark.slow

SDK = Path(vyapari.__file__).resolve().parents[1]
HEAVY = ("pandas", "numba", "scipy", "llvmlite")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the compiled module of the current sources."""
    if aot.load_compiled(aot.kernels_dir()) is not None:
        return aot.kernels_dir()
    if shutil.which(os.environ.get("CC", "cc")) is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler to build the kernels ahead of time (vyapari then runs the JIT)")
    folder = tmp_path_factory.mktemp("aot") / aot.cache_key()
    aot.build(folder)
    return folder


def _same(a: Any, b: Any) -> None:
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
        return
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes()  # bit for bit, NaNs and signed zeros included


def _fills_case(rng: np.random.Generator) -> dict[str, tuple[Any, ...]]:
    """Coherent random inputs of the fill, account, P&L and charge kernels."""
    t_count, n_count = int(rng.integers(50, 400)), int(rng.integers(1, 6))
    shape = (t_count, n_count)
    target = rng.integers(-30, 31, shape).astype(np.int64) * (rng.random(shape) < 0.3)
    target = np.ascontiguousarray(np.maximum.accumulate(np.abs(target), axis=0) * np.sign(target), np.int64)
    valid = rng.random((t_count, n_count)) < 0.95
    cap = rng.integers(0, 40, (t_count, n_count)).astype(np.int64)
    sq_open = rng.random((t_count, n_count)) < 0.02
    sq_close = rng.random((t_count, n_count)) < 0.02
    sq_after = rng.random(t_count) < 0.05
    lot = rng.integers(1, 4, n_count).astype(np.int64)
    ratio = np.where(rng.random((t_count, n_count)) < 0.005, 2.0, 1.0)
    flags = tuple(bool(x) for x in rng.random(3) < 0.5)
    fill_args = (target, valid, cap, sq_open, sq_close, sq_after, lot, *flags, ratio)
    fills, _ = aot.jit_kernel("target_fills")(*fill_args)
    k = fills.shape[0]
    price = np.round(100 + rng.normal(0, 5, k), 2)
    charges = rng.random(k) * 20
    close = 100 + np.cumsum(rng.normal(0, 1, (t_count, n_count)), axis=0)
    dividend = np.where(rng.random((t_count, n_count)) < 0.005, 1.5, 0.0)
    rates = rng.random((k, 7)) * 1e-3
    rule = np.array([1.0, 3e-4, 1.0, 20.0])
    order = np.ascontiguousarray(fills[:, 4])
    m_count = int(order.max()) + 1 if k else 1
    n_col, qty, t = (np.ascontiguousarray(fills[:, i]) for i in (1, 2, 0))
    return {
        "target_fills": fill_args,
        "account": (fills, price, charges, close, valid, 1e6, float(rng.integers(1, 5)), ratio, dividend),
        "realised_pnl": (t, n_col, qty, price, ratio),
        "netted": (n_col, t // 25, order, qty, price, rates, rates[::-1].copy(), rule, rule * 2, *flags,
                   20.0, bool(rng.random() < 0.5), True, n_count, m_count),
    }


def _signal_case(rng: np.random.Generator) -> dict[str, tuple[Any, ...]]:
    """Random inputs of the strategies' and signals' kernels."""
    panel = random_walk_panel(int(rng.integers(1, 4)), int(rng.integers(1, 4)), seed=int(rng.integers(1000)))
    minute = minute_of_day_ist(panel.ts)
    noisy = np.where(rng.random(panel.close.shape) < 0.1, np.nan, panel.close)
    weights = np.round(rng.random(panel.close.shape) * 2 - 0.5)
    rows, cols = np.nonzero(np.vstack([weights[:1] != 0, weights[1:] != weights[:-1]]))
    z = rng.normal(0, 2, 300)
    z[rng.random(300) < 0.05] = np.nan
    return {
        "forward_fill_2d": (noisy,),
        "crossover_state_2d": (panel.close, np.roll(panel.close, 3, axis=0)),
        "hold_sized": (weights, rows, cols, rng.integers(-50, 50, rows.size)),
        "vwap_reversion_weights": (panel.high, panel.low, panel.close, np.nan_to_num(panel.volume),
                                   panel.valid, panel.session, minute, 1.0, 10, 1.0, 0.5, 14 * 60, True),
        "orb_weights": (panel.high, panel.low, panel.close, panel.valid, panel.session, minute, 15, 14, 0.2,
                        1.0, 14 * 60 + 30, True),
        "zscore_positions": (z, 2.0, 0.5),
    }


@pytest.mark.parametrize("seed", range(6))
def test_compiled_kernels_equal_the_jit_bit_for_bit(compiled: Path, seed: int) -> None:
    kernels = aot.load_kernels(compiled)
    assert kernels is not None
    rng = np.random.default_rng(seed)
    cases = _fills_case(rng) | _signal_case(rng)
    assert set(cases) == set(aot.KERNELS)  # every exported kernel is compared
    for name, args in cases.items():
        _same(kernels[name](*args), aot.jit_kernel(name)(*args))


def test_arguments_the_signature_does_not_take_go_to_the_jit(compiled: Path) -> None:
    """A float array where int64 is declared is not truncated: the JIT compiles its own signature."""
    kernels = aot.load_kernels(compiled)
    assert kernels is not None
    weights = np.array([[0.0], [1.0], [1.0], [0.0]])
    rows, cols = np.array([1, 3]), np.array([0, 0])
    as_float = kernels["hold_sized"](weights, rows, cols, np.array([7.9, 0.0]))
    _same(as_float, aot.jit_kernel("hold_sized")(weights, rows, cols, np.array([7.9, 0.0])))
    strided = np.arange(20, dtype=np.int64)[::2]  # not contiguous: copied, same values
    _same(kernels["realised_pnl"](strided[:3], np.zeros(3, np.int64), np.array([5, -5, 2]),
                                  np.array([10.0, 12.0, 11.0]), np.ones((20, 1))),
          aot.jit_kernel("realised_pnl")(strided[:3], np.zeros(3, np.int64), np.array([5, -5, 2]),
                                         np.array([10.0, 12.0, 11.0]), np.ones((20, 1))))


def test_a_missing_or_broken_module_is_not_loaded(tmp_path: Path) -> None:
    assert aot.load_compiled(tmp_path) is None
    (tmp_path / f"{aot.MODULE}.cpython-311-x86_64-linux-gnu.so").write_bytes(b"not a shared object")
    assert aot.load_compiled(tmp_path) is None
    assert aot.load_kernels(tmp_path) is None


def test_a_changed_kernel_source_names_another_folder(tmp_path: Path) -> None:
    """A module built from other sources (a stale one) sits under another key, so it is never found."""
    copy = tmp_path / "sdk"
    shutil.copytree(SDK / "vyapari", copy / "vyapari", ignore=shutil.ignore_patterns("__pycache__"))
    probe = "from vyapari.core.aot import cache_key; print(cache_key())"

    def key() -> str:
        env = dict(os.environ, PYTHONPATH=str(copy))
        return subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                              check=True).stdout.strip()

    before = key()
    assert before == aot.cache_key()
    kernels = copy / "vyapari" / "backtest" / "kernels.py"
    kernels.write_text(kernels.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert key() != before


def _bar_folder(folder: Path) -> Path:
    return write_bar_folder(folder, 4, 6, seed=11)


def _run(cache: Path, *argv: str, **extra: str) -> tuple[str, set[str]]:
    """Run the CLI in a fresh process: (stdout, top-level packages imported, from ``-X importtime``)."""
    env = dict(os.environ, VYAPARI_CACHE_DIR=str(cache), NUMBA_CACHE_DIR=str(cache / "numba"))
    env.pop("VYAPARI_KERNELS", None)
    env.update(extra)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SDK), env.get("PYTHONPATH", "")) if p)
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "vyapari.cli.main", *argv], env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    imported = {line.rsplit("|", 1)[1].strip().split(".")[0] for line in done.stderr.splitlines()
                if line.startswith("import time:") and "|" in line}
    return done.stdout, imported


@pytest.fixture(scope="module")
def warmed(compiled: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh vyapari cache folder after ``vyapari warmup`` (the module copied in, as built once)."""
    cache = tmp_path_factory.mktemp("cache")
    shutil.copytree(compiled, cache / "kernels" / aot.cache_key())
    out, _ = _run(cache, "warmup", "--json")
    report = json.loads(out)
    assert report["compiled"] is True
    assert report["steps"][0]["strategy"] == "compiled kernels"
    return cache


def test_a_json_backtest_imports_no_pandas_numba_or_scipy(warmed: Path, tmp_path: Path) -> None:
    data = _bar_folder(tmp_path / "bars")
    argv = ("backtest", "--strategy", "sma_cross", "--params", '{"fast": 5, "slow": 20, "qty": 10}',
            "--data", str(data), "--json")
    for path in ("vector", "event"):
        out, imported = _run(warmed, *argv, "--path", path)
        assert not imported & set(HEAVY), f"--path {path} imported {sorted(imported & set(HEAVY))}"
        jit_out, jit_imported = _run(warmed, *argv, "--path", path, VYAPARI_KERNELS="jit")
        assert out == jit_out  # the same summary, to the byte
        if path == "vector":
            assert "numba" in jit_imported  # the fallback really ran the JIT
        assert json.loads(out)["fills"] > 0


def test_a_broken_module_falls_back_to_the_jit_with_the_same_results(warmed: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(warmed, cache, ignore=shutil.ignore_patterns("numba"))
    for module in (cache / "kernels" / aot.cache_key()).iterdir():
        module.write_bytes(b"truncated")
    data = _bar_folder(tmp_path / "bars")
    argv = ("backtest", "--strategy", "sma_cross", "--params", '{"fast": 5, "slow": 20, "qty": 10}',
            "--data", str(data), "--json", "--path", "vector")
    broken, imported = _run(cache, *argv)
    assert "numba" in imported
    good, _ = _run(warmed, *argv)
    assert broken == good

