"""Bar folders for the whole-process benchmarks (``benchmarks/bench_process.py``).

``write_folder(out, symbols, sessions)`` writes the seeded random-walk panel of
:func:`vyapari.strategy.synthetic.random_walk_panel` as ``<SYMBOL>.parquet`` files (``ts`` tz-aware
IST bar start, ``open``/``high``/``low``/``close`` ₹, ``volume`` shares): what ``vyapari backtest
--data`` and the peers read. The standard workload is 50 symbols × 250 sessions × 375 minutes.
"""

from __future__ import annotations

import sys
from pathlib import Path


def write_folder(out: Path, symbols: int, sessions: int, seed: int = 7) -> Path:
    """Write the folder once (kept if its last file exists); returns it."""
    import pandas as pd

    from vyapari.strategy.synthetic import random_walk_panel

    if (out / f"SYM{symbols - 1:03d}.parquet").exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    panel = random_walk_panel(symbols, sessions, seed=seed)
    ts = pd.DatetimeIndex(pd.to_datetime(panel.ts, utc=True)).tz_convert("Asia/Kolkata")
    for j, symbol in enumerate(panel.symbols):
        frame = pd.DataFrame(
            {
                "ts": ts,
                "open": panel.open[:, j],
                "high": panel.high[:, j],
                "low": panel.low[:, j],
                "close": panel.close[:, j],
                "volume": panel.volume[:, j].astype("int64"),
            }
        )
        frame.to_parquet(out / f"{symbol}.parquet", index=False)
    return out


if __name__ == "__main__":
    print(write_folder(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
