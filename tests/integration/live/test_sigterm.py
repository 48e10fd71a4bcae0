"""SIGTERM: the service stops taking bars, keeps its state, exits 0; a restart finishes the day."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

from tests.integration.live.test_crash_safety import _cmd, _env, _finish, _placed

from vyapari.live.store import SqliteOrderStateStore


def _wait_for_first_checkpoint(proc: subprocess.Popen[str], path: Path, timeout_s: float = 60.0) -> None:
    """Until the run has finished a slice (a fixed sleep raced a slow start on a loaded machine)."""
    deadline = time.monotonic() + timeout_s
    while proc.poll() is None and time.monotonic() < deadline:
        if path.exists():
            store = SqliteOrderStateStore(path)
            try:
                if store.get_value("checkpoint:vwap_reversion") is not None:
                    return
            finally:
                store.close()
        time.sleep(0.02)


def test_sigterm_shuts_down_gracefully_and_restart_completes(
    day: Path,
    uninterrupted: dict,
    tmp_path: Path,
) -> None:
    proc = subprocess.Popen(
        _cmd(day, tmp_path, "5000"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env()
    )
    _wait_for_first_checkpoint(proc, tmp_path / "orders.sqlite")
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err[-2000:]
    summary = json.loads(out[out.index("{") :])
    assert summary["stopped_early"] is True and 0 < summary["slices"] < 375
    store = SqliteOrderStateStore(tmp_path / "orders.sqlite")
    assert store.get_value("checkpoint:vwap_reversion") is not None
    assert not any(i.state.value == "CANCELLED" for i in store.intents())  # nothing cancelled by default
    store.close()
    final = _finish(day, tmp_path)
    assert final["final_equity_inr"] == uninterrupted["final_equity_inr"]
    assert max(_placed(tmp_path).values()) == 1
