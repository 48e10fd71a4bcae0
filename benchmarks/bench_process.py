"""Whole-process benchmark: what a user waits for, each figure beside its peer, in one run.

Every figure is a fresh process (imports, data load and writing included), best of ``--repeat``
(default 3) with the tools alternated within each round, so a shared machine's load hits both
alike. Peers run from their own virtualenv, ``benchmarks/.venv`` (``benchmarks/setup-peers``
creates it; never the project's). Workloads:

* 4.69 M bars: 50 symbols x 250 sessions x 375 minutes (seeded random walk written as Parquet,
  ``benchmarks/process_data.py``), ``sma_cross`` fast 20 / slow 50, 10 shares: ``vyapari backtest
  --out`` (results, report.json, report.html) and without ``--out``, against vectorbt (imports,
  Parquet load, ``MA.run`` x2, ``Portfolio.from_signals``, total return; no report).
* 187.5 k bars: 10 symbols x 50 sessions, vector and event paths, against backtesting.py (imports,
  Parquet load, one ``Backtest.run`` per symbol of the same SMA cross).
* The report of the 4.69 M-bar run on its own (``evaluate_run_dir``: read the results, the weekly
  verdict, the tear sheet, report.json and report.html), timed inside a fresh process after its
  imports and the calendar are loaded, as in ``backtest --out`` (``--only-report`` runs just this).
* A 10 x 10 sweep of ``sma_cross`` (fast 5..50 x slow 60..240, 10 shares, no fees) on the
  4.69 M bars: ``vyapari sweep --data`` on both cores against vectorbt's broadcasting of the same
  grid (``MA.run`` with lists of windows, ``Portfolio.from_signals``; symbols in chunks of 5 so it
  fits in memory), fills per grid point compared, and each tool's CPU seconds (``wait4``'s usage of
  the process, its reaped worker processes included) beside its wall seconds, as a utilisation
  (both cores busy: about 200 %; the load average is printed, as others' work lowers it).
  ``--sweep-data DIR`` runs the comparison on another folder (e.g. a smaller one written by
  ``process_data.py``).
* ``vyapari --help``, ``--version``, and every ``<command> --help`` (the slowest one shown; target
  ≤ 0.15 s each, checked here only, never in a test).
* First run after a fresh install (empty numba and vyapari caches: no compiled kernel module, no
  calendar cache) with and without ``vyapari warmup``, and a warm run, 187.5 k bars.
  ``--only-startup`` runs just these, the 187.5 k-bar runs and backtesting.py.
* Ingest of the 195 real NSE bhavcopies in ``<repo>/../shared/data`` (turned into the official
  UDiFF layout first) through the CLI, against ``pyarrow.csv.read_csv`` of the same files.
* Peak RSS of each process (``wait4``), in MB.

Run: ``make bench`` (or ``python benchmarks/bench_process.py``); timing is never asserted anywhere.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "output"
PEER_PYTHON = HERE / ".venv" / "bin" / "python"
PARAMS = '{"fast": 20, "slow": 50, "qty": 10}'

VECTORBT = """
import sys, glob
import pandas as pd
import vectorbt as vbt
files = sorted(glob.glob(sys.argv[1] + "/*.parquet"))
frames = {f.rsplit("/", 1)[1][:-8]: pd.read_parquet(f, columns=["ts", "close"]) for f in files}
close = pd.DataFrame({s: f.set_index("ts")["close"] for s, f in frames.items()})
fast = vbt.MA.run(close, 20)
slow = vbt.MA.run(close, 50)
entries, exits = fast.ma_crossed_above(slow), fast.ma_crossed_below(slow)
pf = vbt.Portfolio.from_signals(close, entries, exits, size=10, init_cash=10_000_000, freq="1min")
print(int(pf.trades.count().sum()), float(pf.total_profit().sum()))
"""

BACKTESTING = """
import sys, glob, warnings
import pandas as pd
from backtesting import Backtest, Strategy
from backtesting.lib import crossover
warnings.filterwarnings("ignore")
def sma(values, n):
    return pd.Series(values).rolling(n).mean().to_numpy()
class SmaCross(Strategy):
    def init(self):
        self.fast = self.I(sma, self.data.Close, 20)
        self.slow = self.I(sma, self.data.Close, 50)
    def next(self):
        if crossover(self.fast, self.slow) and not self.position:
            self.buy(size=10)
        elif crossover(self.slow, self.fast) and self.position:
            self.position.close()
trades = 0
for f in sorted(glob.glob(sys.argv[1] + "/*.parquet")):
    df = pd.read_parquet(f).set_index("ts")
    df.index = df.index.tz_localize(None)
    df = df.rename(columns=str.capitalize)
    stats = Backtest(df, SmaCross, cash=1_000_000, finalize_trades=True).run()
    trades += int(stats["# Trades"])
print(trades)
"""

FASTS = [5, 10, 15, 20, 25, 30, 35, 40, 45, 50]
SLOWS = [60, 80, 100, 120, 140, 160, 180, 200, 220, 240]

VECTORBT_GRID = """
import sys, glob, json
import numpy as np
import pandas as pd
import vectorbt as vbt
fasts, slows, chunk = json.loads(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4])
files = sorted(glob.glob(sys.argv[1] + "/*.parquet"))
frames = {f.rsplit("/", 1)[1][:-8]: pd.read_parquet(f, columns=["ts", "close"]) for f in files}
close = pd.DataFrame({s: f.set_index("ts")["close"] for s, f in frames.items()})
orders = {}
for i in range(0, close.shape[1], chunk):  # symbols in chunks: the whole grid at once needs ~15 GB
    part = close.iloc[:, i:i + chunk]
    fast = vbt.MA.run(part, np.repeat(fasts, len(slows)).tolist(), short_name="fast")
    slow = vbt.MA.run(part, np.tile(slows, len(fasts)).tolist(), short_name="slow")
    entries, exits = fast.ma_crossed_above(slow), fast.ma_crossed_below(slow)
    entries.iloc[-1], exits.iloc[-1] = False, False  # vyapari fills at the next open: none after the last bar
    pf = vbt.Portfolio.from_signals(part, entries, exits, size=10, init_cash=10_000_000, freq="1min")
    for key, count in pf.orders.count().groupby(level=[0, 1]).sum().items():
        name = f"{key[0]},{key[1]}"
        orders[name] = orders.get(name, 0) + int(count)
print(json.dumps(orders, sort_keys=True))
"""

PYARROW_CSV = """
import sys, glob
import pyarrow.csv as pc
rows = sum(pc.read_csv(f).num_rows for f in sorted(glob.glob(sys.argv[1] + "/*.csv")))
print(rows)
"""


REPORT = """
import sys, time
from pathlib import Path
from vyapari.evaluation.run import evaluate_inputs, load_run_dir, write_inputs_report
run, out = Path(sys.argv[1]), Path(sys.argv[2])
evaluate_inputs(load_run_dir(run))  # imports and the exchange calendar, loaded in backtest --out too
start, cpu = time.perf_counter(), time.process_time()
inputs = load_run_dir(run)
write_inputs_report(out, inputs, evaluate_inputs(inputs))
print(f"{time.perf_counter() - start:.6f} {time.process_time() - cpu:.6f}")
"""


def report_seconds(run: Path, out: Path, repeat: int) -> tuple[float, float]:
    """Best in-process (wall, CPU) seconds of the report of a run folder, each in a fresh process
    (CPU time as well: on a loaded shared machine the wall time mostly measures the others)."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(repeat):
        proc = subprocess.run([sys.executable, "-c", REPORT, str(run), str(out)], env=env(), check=True,
                              capture_output=True, text=True)
        w, c = (float(x) for x in proc.stdout.split()[-2:])
        wall, cpu = min(wall, w), min(cpu, c)
    return wall, cpu


def env(**extra: str) -> dict[str, str]:
    """The project's environment: our sources first on the path."""
    out = dict(os.environ, **extra)
    out.pop("PYTHONDONTWRITEBYTECODE", None)  # an install has its bytecode: write it on the first run
    out["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "sdk"), str(ROOT), out.get("PYTHONPATH")) if p)
    return out


def timed(argv: list[str], environ: dict[str, str] | None = None) -> tuple[float, float]:
    """Run ``argv`` to the end: (wall seconds, peak RSS MB); a failure stops the benchmark."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0,):
        raise SystemExit(f"{' '.join(argv[:4])} ... failed ({proc.returncode}):\n{err[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def vyapari(*args: str) -> list[str]:
    return [sys.executable, "-m", "vyapari.cli.main", *args]


def backtest(data: Path, path: str, out: Path | None) -> list[str]:
    strategy = "sma_cross" if path == "vector" else "sma_cross_bar"
    argv = vyapari("backtest", "--strategy", strategy, "--params", PARAMS, "--data", str(data),
                   "--path", path, "--capital", "10000000", "--json")
    return argv + (["--out", str(out)] if out is not None else [])


def peer(script: str, *args: str) -> list[str]:
    return [str(PEER_PYTHON), "-c", script, *args]


Runs = dict[str, tuple[list[str], dict[str, str] | None]]


def best_of(repeat: int, runs: Runs) -> dict[str, tuple[float, float]]:
    """Best wall time (and that run's peak RSS) of each named run, alternating them in each round."""
    best: dict[str, tuple[float, float]] = {}
    for _ in range(repeat):
        for name, (argv, environ) in runs.items():
            seconds, rss = timed(argv, environ)
            if name not in best or seconds < best[name][0]:
                best[name] = (seconds, rss)
    return best


def udiff_folder(out: Path, shared: Path | None) -> Path | None:
    """The real bhavcopies in the official UDiFF layout (once), or None without the shared data."""
    sys.path.insert(0, str(ROOT))
    from tests.unit.data.official_layouts import read_reshaped, reshaped_dir, to_udiff_bytes, udiff_name

    src = shared / "nse_bhavcopy_reshaped" if shared is not None else reshaped_dir()
    if not src.is_dir():
        return None
    files = sorted(src.glob("*.csv"))
    if not out.is_dir() or len(list(out.iterdir())) != len(files):
        out.mkdir(parents=True, exist_ok=True)
        for path in files:
            frame = read_reshaped(path)
            (out / udiff_name(frame).removesuffix(".zip")).write_bytes(to_udiff_bytes(frame))
    return out


def row(table: list[tuple[str, str, str]], what: str, ours: tuple[float, float] | None,
        theirs: tuple[float, float] | None = None, peer_name: str = "") -> None:
    def cell(v: tuple[float, float] | None) -> str:
        return "-" if v is None else f"{v[0]:.2f} s ({v[1]:,.0f} MB)"

    ratio = f" = {ours[0] / theirs[0]:.2f}x" if ours and theirs else ""
    table.append((what, cell(ours), (f"{peer_name} {cell(theirs)}{ratio}" if theirs else "")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cold-repeat", type=int, default=1, help="fresh-cache runs (each compiles: slow)")
    parser.add_argument("--skip-large", action="store_true", help="leave out the 4.69 M-bar workload")
    parser.add_argument("--shared", type=Path, help="the shared real data (default <repo>/../shared/data)")
    parser.add_argument("--only-ingest", action="store_true", help="only the ingest comparison")
    parser.add_argument("--only-report", action="store_true",
                        help="only the report of the 4.69 M-bar run (no peers needed)")
    parser.add_argument("--only-sweep", action="store_true", help="only the 10 x 10 sweep comparison")
    parser.add_argument("--sweep-repeat", type=int, default=1, help="rounds of the sweep comparison")
    parser.add_argument("--sweep-data", type=Path, help="bar folder of the sweep comparison (default the "
                        "4.69 M bars)")
    parser.add_argument("--skip-sweep", action="store_true", help="leave out the sweep comparison (long)")
    parser.add_argument("--only-startup", action="store_true",
                        help="only --help/--version, the 187.5 k-bar runs and the first run after an install")
    args = parser.parse_args()
    if args.only_report:
        return _only_report(args)
    if not PEER_PYTHON.exists():
        subprocess.run([str(HERE / "setup-peers"), sys.executable], check=True)
    sys.path.insert(0, str(ROOT / "sdk"))
    from process_data import write_folder

    small = write_folder(OUT / "data-10x50", 10, 50)
    large = None if args.skip_large or args.only_startup else write_folder(OUT / "data-50x250", 50, 250)
    scratch = Path(tempfile.mkdtemp(prefix="bench-process-"))
    table: list[tuple[str, str, str]] = []
    try:
        subprocess.run(vyapari("warmup"), env=env(), check=True, stdout=subprocess.DEVNULL)
        if not (args.only_ingest or args.only_sweep):
            _engines(args, small, large, scratch, table)
        sweep_data = args.sweep_data or large
        if sweep_data is not None and not (args.only_ingest or args.skip_sweep or args.only_startup):
            _sweep(args, sweep_data, scratch, table)
        udiff = udiff_folder(OUT / "udiff-195", args.shared)
        if udiff is not None and not (args.only_sweep or args.only_startup):
            _ingest(args, udiff, scratch, table)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    load = os.getloadavg()
    print(f"\nWhole-process timings, best of {args.repeat} (peak RSS); {platform.machine()}, "
          f"{os.cpu_count()} cores, load average {load[0]:.1f} at the end (a shared machine: figures "
          "scale with load; the ratios are the comparison)\n")
    print("| workload | vyapari | peer (same run) |\n|---|---|---|")
    for what, ours, theirs in table:
        print(f"| {what} | {ours} | {theirs} |")
    return 0


def _only_report(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT / "sdk"))
    from process_data import write_folder

    large = write_folder(OUT / "data-50x250", 50, 250)
    scratch = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        timed(backtest(large, "vector", scratch / "run-large"), env())
        wall, cpu = report_seconds(scratch / "run-large", scratch / "report", args.repeat)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"report of the 4.69 M-bar run (results read, verdict, tear sheet, report.json/html), best of "
          f"{args.repeat}: {wall:.3f} s wall, {cpu:.3f} s CPU; load average {os.getloadavg()[0]:.1f}")
    return 0


def _engines(args: argparse.Namespace, small: Path, large: Path | None, scratch: Path,
             table: list[tuple[str, str, str]]) -> None:
    for script in (VECTORBT, BACKTESTING):  # the peers' own JIT caches warm too: warm against warm
        timed(peer(script, str(small)))
    from vyapari.cli.main import COMMANDS

    help_runs = best_of(args.repeat, {
        "--help": (vyapari("--help"), env()),
        "--version": (vyapari("--version"), env()),
        **{f"{name} --help": (vyapari(name, "--help"), env()) for name in COMMANDS},
    })
    for name in ("--help", "--version", "backtest --help"):
        row(table, f"vyapari {name}", help_runs[name])
    commands = [n for n in help_runs if n.endswith(" --help") and n != "--help"]
    slowest = max(commands, key=lambda n: help_runs[n][0])
    over = [n for n, figure in help_runs.items() if figure[0] > 0.15]
    table.append((f"slowest of every <command> --help ({len(COMMANDS)}): vyapari {slowest}",
                  f"{help_runs[slowest][0]:.2f} s", "target ≤ 0.15 s: " + (", ".join(over) + " over" if over
                                                                            else "all within")))
    small_runs = best_of(args.repeat, {
        "vector": (backtest(small, "vector", None), env()),
        "event": (backtest(small, "event", None), env()),
        "backtesting.py": (peer(BACKTESTING, str(small)), None),
    })
    row(table, "187.5 k bars, vector path", small_runs["vector"], small_runs["backtesting.py"],
        "backtesting.py")
    row(table, "187.5 k bars, event path", small_runs["event"], small_runs["backtesting.py"],
        "backtesting.py")
    cold, warmed = [], []
    for _ in range(args.cold_repeat):
        fresh = _fresh_caches(scratch)
        cold.append(timed(backtest(small, "vector", None), fresh)[0])
        fresh = _fresh_caches(scratch)
        timed(vyapari("warmup"), fresh)
        warmed.append(timed(backtest(small, "vector", None), fresh)[0])
    warm = small_runs["vector"][0]
    table.append(("first run after install, no warmup (187.5 k, vector)", f"{min(cold):.2f} s",
                  f"warm run {warm:.2f} s = {min(cold) / warm:.1f}x"))
    table.append(("first run after install + vyapari warmup (make setup)", f"{min(warmed):.2f} s",
                  f"warm run {warm:.2f} s = {min(warmed) / warm:.1f}x"))
    if large is not None:
        large_runs = best_of(args.repeat, {
            "out": (backtest(large, "vector", scratch / "run-large"), env()),
            "no-out": (backtest(large, "vector", None), env()),
            "vectorbt": (peer(VECTORBT, str(large)), None),
        })
        row(table, "4.69 M bars sma_cross with --out (results + report)", large_runs["out"],
            large_runs["vectorbt"], "vectorbt")
        row(table, "4.69 M bars sma_cross without --out", large_runs["no-out"], large_runs["vectorbt"],
            "vectorbt")
        wall, cpu = report_seconds(scratch / "run-large", scratch / "report", args.repeat)
        table.append(("report of that run alone (in process: results read, verdict, tear sheet, HTML)",
                      f"{wall:.2f} s ({cpu:.2f} s CPU)", "target ≤ 0.5 s"))


def _fresh_caches(scratch: Path) -> dict[str, str]:
    """The environment of a fresh install: empty numba and vyapari (calendar) caches."""
    stamp = time.monotonic_ns()
    return env(NUMBA_CACHE_DIR=str(scratch / f"numba-{stamp}"),
               VYAPARI_CACHE_DIR=str(scratch / f"cache-{stamp}"))


def _sweep(args: argparse.Namespace, large: Path, scratch: Path, table: list[tuple[str, str, str]]) -> None:
    """The 10 x 10 grid, vyapari (2 workers) and vectorbt alternated; fills per grid point compared."""
    import json

    grid = json.dumps({"fast": FASTS, "slow": SLOWS})
    best: dict[str, tuple[float, float]] = {}
    cpu: dict[str, float] = {}  # CPU seconds (the workers' included) of each tool's best round
    ours: dict[str, int] = {}
    theirs: dict[str, int] = {}
    for round_ in range(args.sweep_repeat):
        out = scratch / f"sweep-{round_}"
        argv = vyapari("sweep", "--strategy", "sma_cross", "--params", '{"qty": 10}', "--grid", grid,
                       "--data", str(large), "--out", str(out), "--fees", "none", "--capital", "10000000",
                       "--workers", "2", "--json")
        runs = {
            "vyapari": (argv, env()),
            "vectorbt": (peer(VECTORBT_GRID, str(large), json.dumps(FASTS), json.dumps(SLOWS), "5"), None),
        }
        for name, (cmd, environ) in runs.items():
            figure, text, seconds = _timed_output(cmd, environ)
            if name not in best or figure[0] < best[name][0]:
                best[name], cpu[name] = figure, seconds
            if name == "vyapari":
                ours = {f"{r['params']['fast']},{r['params']['slow']}": int(r["fills"])
                        for r in json.loads(text)["top"]}
            else:
                theirs = json.loads(text.strip().splitlines()[-1])
        shutil.rmtree(out, ignore_errors=True)
    same = sum(ours.get(k) == v for k, v in theirs.items())
    def usage(name: str) -> str:
        return f"{name} {cpu[name]:.1f} s CPU / {best[name][0]:.1f} s wall = {cpu[name] / best[name][0]:.0%}"

    row(table, f"10 x 10 sma_cross sweep, {large.name}, best of {args.sweep_repeat} (fills equal at "
        f"{same}/{len(theirs)} grid points; {usage('vyapari')}, {usage('vectorbt')}; both cores busy: "
        f"200 %; load average {os.getloadavg()[0]:.1f})",
        best["vyapari"], best["vectorbt"], "vectorbt grid")


def _timed_output(argv: list[str], environ: dict[str, str] | None) -> tuple[tuple[float, float], str, float]:
    """:func:`timed` that keeps the process's standard output (in a temporary file, so the peak RSS
    is still this one process's, from ``wait4``), and adds its CPU seconds (its workers' included)."""
    with tempfile.TemporaryFile() as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=environ, stdout=sink, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise SystemExit(f"{' '.join(argv[:4])} ... failed ({proc.returncode}):\n{err[-2000:]}")
        sink.seek(0)
        return (seconds, usage.ru_maxrss / 1024), sink.read().decode(), usage.ru_utime + usage.ru_stime


def _ingest(args: argparse.Namespace, udiff: Path, scratch: Path, table: list[tuple[str, str, str]]) -> None:
    lakes: list[Path] = []

    def ingest() -> list[str]:
        lake = scratch / f"lake-{len(lakes)}"
        lakes.append(lake)
        return vyapari("ingest", str(udiff), "--lake", str(lake), "--json")

    runs: dict[str, tuple[float, float]] = {}
    for _ in range(args.repeat):
        for name, argv, environ in (("ingest", ingest(), env()),
                                    ("pyarrow", peer(PYARROW_CSV, str(udiff)), None)):
            figure = timed(argv, environ)
            if name not in runs or figure[0] < runs[name][0]:
                runs[name] = figure
    row(table, f"ingest {len(list(udiff.iterdir()))} real bhavcopies (CLI)", runs["ingest"],
        runs["pyarrow"], "pyarrow.csv.read_csv")


if __name__ == "__main__":
    sys.exit(main())
