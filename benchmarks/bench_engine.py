"""Backtest engine benchmark (on demand: `make bench`; never run in CI).

Standard workload: 50 symbols × 250 sessions × 375 one-minute bars (4.69 M bars, seeded
geometric random walk, prices ₹100–3,000), `sma_cross` fast 20 / slow 50, 10 shares per
entry, next-open fills. Each configuration runs in its own process so peak RSS is its own.
Reported: compute time only (``run_backtest`` on an in-memory panel: data generation and
imports excluded, numba compiled beforehand), as wall seconds and bars/s and as CPU seconds
of the process and bars per CPU-second (the figure to compare on a shared machine), peak RSS,
trade count and final P&L.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

CONFIGS = {
    "vector, zero costs": ("sma_cross", "none", "vector"),
    "vector, zerodha costs": ("sma_cross", "zerodha", "vector"),
    "event loop (per-bar hooks), zero costs": ("sma_cross_bar", "none", "event"),
    "event loop (per-bar hooks), zerodha costs": ("sma_cross_bar", "zerodha", "event"),
}


def run_one(name: str, symbols: int, sessions: int, repeats: int) -> dict[str, object]:
    """Run one configuration in this process and return its figures."""
    from vyapari.backtest.config import BacktestConfig
    from vyapari.backtest.engine import run_backtest
    from vyapari.strategies import make_strategy
    from vyapari.strategy.synthetic import random_walk_panel

    strategy_name, fees, path = CONFIGS[name]
    params = {"fast": 20, "slow": 50, "qty": 10}
    warm = random_walk_panel(2, 3, seed=1)
    run_backtest(make_strategy(strategy_name, params), warm, BacktestConfig(fees=fees, path=path))
    panel = random_walk_panel(symbols, sessions, seed=7)
    times, cpus = [], []
    for _ in range(repeats):
        strategy = make_strategy(strategy_name, params)
        start, cpu = time.perf_counter(), time.process_time()
        result = run_backtest(strategy, panel, BacktestConfig(fees=fees, path=path, capital_inr=10_000_000))
        times.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    best = sorted(times)[len(times) // 2]
    best_cpu = sorted(cpus)[len(cpus) // 2]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    s = result.summary
    return {
        "config": name,
        "bars": panel.bar_count,
        "median_seconds": round(best, 3),
        "bars_per_second": round(panel.bar_count / best),
        "cpu_seconds": round(best_cpu, 3),
        "bars_per_cpu_second": round(panel.bar_count / best_cpu),
        "peak_rss_mb": round(rss_mb),
        "fills": s["fills"],
        "round_trips": s["fills"] // 2,
        "pnl_inr": s["pnl_inr"],
        "charges_inr": s["charges_inr"],
        "path": s["path"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--symbols", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=250)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", choices=list(CONFIGS))
    args = parser.parse_args()
    if args.only:
        print(json.dumps(run_one(args.only, args.symbols, args.sessions, args.repeats)))
        return
    rows = []
    for name in CONFIGS:
        repeats = args.repeats if name.startswith("vector") else 1
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--only",
                name,
                "--symbols",
                str(args.symbols),
                "--sessions",
                str(args.sessions),
                "--repeats",
                str(repeats),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(
            f"{row['config']:<44} {row['bars_per_second']:>12,} bars/s  {row['median_seconds']:>7.3f} s  "
            f"cpu {row['cpu_seconds']:>7.3f} s ({row['bars_per_cpu_second']:>11,} bars/cpu-s)  "
            f"rss {row['peak_rss_mb']:>5} MB  fills {row['fills']:>7}  P&L ₹{row['pnl_inr']:>14,.2f}  "
            f"charges ₹{row['charges_inr']:>12,.2f}",
            flush=True,
        )
    costs = {r["config"]: r["median_seconds"] for r in rows}
    ratio = costs["vector, zerodha costs"] / costs["vector, zero costs"]
    print(f"cost of realism (vector, zerodha vs zero costs): {ratio:.2f}x time")


if __name__ == "__main__":
    main()
