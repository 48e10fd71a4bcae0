"""The live state folder shared by ``vyapari live`` and ``vyapari api serve``: SQLite record stores seen
by two connections (as by two processes), the event log, the running-session lock, and the order
gate of ``POST /orders``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vyapari.api.errors import Conflict
from vyapari.api.local_live import (
    LIVE_DB,
    EventLog,
    LiveDatabase,
    LocalSession,
    SqliteRecordStore,
    running_session,
    session_gate,
)


def test_records_written_by_one_connection_are_read_by_another_in_key_pages(tmp_path: Path) -> None:
    writer = SqliteRecordStore(LiveDatabase(tmp_path / LIVE_DB), "orders")
    reader = SqliteRecordStore(LiveDatabase(tmp_path / LIVE_DB), "orders")
    for key in ("c", "a", "b"):
        assert writer.put("paper", key, {"id": key, "price": "1.50"})
    assert writer.put("live", "z", {"id": "z"})
    assert SqliteRecordStore(writer.db, "trades").query("paper", limit=10).items == []  # another store
    first = reader.query("paper", limit=2)
    assert [r["id"] for r in first.items] == ["a", "b"] and first.last_key == "b"
    rest = reader.query("paper", limit=2, after=first.last_key)
    assert [r["id"] for r in rest.items] == ["c"] and rest.last_key is None
    assert not writer.put("paper", "a", {"id": "other"}, if_absent=True)
    assert reader.get("paper", "a") == {"id": "a", "price": "1.50"}
    reader.delete("paper", "a")
    assert writer.get("paper", "a") is None


def test_the_event_log_is_read_in_order_after_a_sequence_number_and_trimmed(tmp_path: Path) -> None:
    log = EventLog(LiveDatabase(tmp_path / LIVE_DB), keep=1500)
    assert log.last_seq() == 0 and log.after(0) == []
    for n in range(2000):
        log.publish("pnl" if n % 2 else "orders", {"n": n})
    tail = EventLog(LiveDatabase(tmp_path / LIVE_DB))
    events = tail.after(tail.last_seq() - 3)
    assert [(e.channel, e.message["n"]) for e in events] == [("pnl", 1997), ("orders", 1998), ("pnl", 1999)]
    assert len(tail.after(0, limit=10_000)) <= 1500 + 1000  # trimmed every 1000 appends


def test_a_session_is_running_while_its_process_holds_the_lock(tmp_path: Path) -> None:
    assert running_session(tmp_path) is None
    gate = session_gate(tmp_path)
    with pytest.raises(Conflict, match="no paper session is running"):
        gate("paper")
    with LocalSession(tmp_path, {"mode": "paper", "run_id": "r1"}):
        assert running_session(tmp_path) == {"mode": "paper", "run_id": "r1", "pid": os.getpid()}
        gate("paper")
        with pytest.raises(Conflict, match="trades paper, not live"):
            gate("live")
    assert running_session(tmp_path) is None


def test_a_killed_session_is_no_longer_running(tmp_path: Path) -> None:
    code = (f"import sys, time; sys.path[:0] = {sys.path!r}\n"
            "from pathlib import Path\nfrom vyapari.api.local_live import LocalSession\n"
            f"with LocalSession(Path({str(tmp_path)!r}), {{'mode': 'paper'}}):\n"
            "    print('running', flush=True)\n    time.sleep(600)\n")
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline() == "running\n"
        assert (running_session(tmp_path) or {}).get("mode") == "paper"
    finally:
        process.kill()
        process.wait(timeout=20)
    assert running_session(tmp_path) is None  # the operating system released the lock
