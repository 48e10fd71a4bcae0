"""``vyapari ingest`` run as the program ends without the modules' teardown (quick exit), and still
prints every result, returns its exit status and runs the atexit handlers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from tests.unit.data.data_builders import udiff_csv, udiff_name

import vyapari

SDK = Path(vyapari.__file__).resolve().parents[1]

# The program as the console script runs it (main() without argv), plus an atexit handler of its own
# and a module-level object that notes when the modules are torn down.
PROGRAM = """
import atexit, sys
from pathlib import Path
marker = Path(sys.argv.pop(1))
atexit.register(marker.write_text, "atexit ran")
class TornDown:
    def __del__(self):
        marker.with_name("torn-down").write_text("yes")
kept = TornDown()
from vyapari.cli.main import main
sys.exit(main())
"""


def _weekdays(first: date, n: int) -> list[str]:
    days: list[str] = []
    day = first
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day.isoformat())
        day += timedelta(days=1)
    return days


def test_ingest_as_the_program_prints_every_result_and_its_status(tmp_path: Path) -> None:
    files = tmp_path / "in"
    files.mkdir()
    days = _weekdays(date(2025, 9, 1), 18)  # more than AUTO_WORKERS_FROM: the process pool's path
    for day in days:
        (files / udiff_name(day)).write_bytes(udiff_csv(day))
    (files / udiff_name("2025-10-02")).write_bytes(udiff_csv("2025-10-02"))  # a holiday: rejected
    marker = tmp_path / "marker"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(SDK), os.environ.get("PYTHONPATH"))
                                                       if p)}
    done = subprocess.run([sys.executable, "-c", PROGRAM, str(marker), "ingest", str(files), "--lake",
                           str(tmp_path / "lake"), "--json"], capture_output=True, text=True, env=env,
                          timeout=300, check=False)
    assert done.returncode == 1, done.stderr[-2000:]  # one file rejected
    results = json.loads(done.stdout)
    assert [r["session_date"] for r in results if r["status"] == "ingested"] == days
    assert [r["reason"] for r in results if r["status"] == "rejected"] == ["not_a_session"]
    assert marker.read_text() == "atexit ran"
    assert not (tmp_path / "torn-down").exists()  # ended without the modules' teardown
    assert len(list((tmp_path / "lake" / "curated").rglob("*.parquet"))) == len(days)
