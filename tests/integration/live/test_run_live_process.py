"""``run_live`` in its own process, as a deployment calls it: a config, local ports, a stop flag.

A paper replay runs to the end with the same result as ``vyapari live``; stopped by SIGTERM once
the run logs that it takes market data (never after a fixed sleep), it exits 0 and a restart finishes
the day with the uninterrupted run's result.
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

from tests.integration.live.test_crash_safety import STRATEGY, _env, _finish

PROGRAM = """
import json, sys
from pathlib import Path
from vyapari.live.config import LiveRunConfig, live_settings
from vyapari.live.ports import LivePorts
from vyapari.live.runner import run_live
from vyapari.strategies import make_strategy
from vyapari.live.service import StopFlag
from vyapari.live.store import SqliteOrderStateStore
import os

day, state, speed = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
config = LiveRunConfig(
    strategy="vwap_reversion", params=json.loads(sys.argv[4]), state_dir=state,
    settings=live_settings(os.environ, state_dir=state), replay=day,
    speed=None if speed == "max" else float(speed),
)
store = SqliteOrderStateStore(state / "orders.sqlite")
try:
    sys.exit(run_live(config, LivePorts(store=store, strategies=make_strategy), StopFlag().install()))
finally:
    store.close()
"""


def _start(day: Path, state: Path, speed: str) -> subprocess.Popen[str]:
    state.mkdir(parents=True, exist_ok=True)
    params = STRATEGY[STRATEGY.index("--params") + 1]
    return subprocess.Popen([sys.executable, "-c", PROGRAM, str(day), str(state), speed, params],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())


def _stderr_lines(proc: subprocess.Popen[str]) -> queue.Queue[str]:
    """The process's stderr, line by line, read on a thread (so a wait can time out)."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line)
        lines.put("")  # end of stream

    threading.Thread(target=read, daemon=True).start()
    return lines


def _wait_for(lines: queue.Queue[str], text: str, seen: list[str], timeout_s: float = 120.0) -> bool:
    while True:
        try:
            line = lines.get(timeout=timeout_s)
        except queue.Empty:
            return False
        seen.append(line)
        if not line:
            return False
        if text in line:
            return True


def test_run_live_replays_a_paper_day_as_the_cli_does(day: Path, uninterrupted: dict, tmp_path: Path) -> None:
    proc = _start(day, tmp_path, "max")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-2000:]
    summary = json.loads(out[out.index("{"):])
    assert summary["stopped_early"] is False and summary["slices"] == uninterrupted["slices"] == 375
    assert summary["final_equity_inr"] == uninterrupted["final_equity_inr"]
    assert summary["fills"] == uninterrupted["fills"] > 0
    [fills] = (tmp_path / "fills").glob("*.jsonl")
    assert len(fills.read_text().splitlines()) == summary["fills"]
    assert "live run vwap_reversion started: replay of 3 instruments" in err


def test_run_live_stops_on_sigterm_once_started_and_a_restart_finishes(
    day: Path, uninterrupted: dict, tmp_path: Path
) -> None:
    proc = _start(day, tmp_path, "300")  # 375 minutes in about 75 s: the signal lands mid-day
    lines, seen = _stderr_lines(proc), []  # type: ignore[var-annotated]
    try:
        assert _wait_for(lines, "live run vwap_reversion started", seen), "".join(seen)[-2000:]
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)  # stderr is drained by the reader thread, stdout holds the summary only
        assert proc.stdout is not None
        out = proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, "".join(seen)[-2000:]
    summary = json.loads(out[out.index("{"):])
    assert summary["stopped_early"] is True and summary["slices"] < 375
    final = _finish(day, tmp_path)  # the CLI continues the day from the stopped run's state
    assert final["final_equity_inr"] == uninterrupted["final_equity_inr"]
