"""``vyapari ingest`` of exchange bhavcopies runs without loading pandas (its import is a large part
of a short ingest's start-up; pyarrow loads it on the first ``pa.array`` or ``pa.scalar`` of a Python
value, so the ingest path builds its arrays from buffers: :mod:`vyapari.data.arrow_values`).

Each case runs the real CLI in a fresh interpreter and reports what it loaded (``sys.modules`` of
this test process says nothing).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.unit.data.data_builders import legacy_csv, many_rows, udiff_csv, udiff_name

PROBE = """
import json, sys
from vyapari.cli.main import main
status = main(sys.argv[1:])
sys.stdout.flush()
print(json.dumps({"status": status, "pandas": "pandas" in sys.modules}), file=sys.stderr)
"""


def _ingest(lake: Path, *paths: Path) -> tuple[list[dict[str, object]], dict[str, object]]:
    argv = [sys.executable, "-c", PROBE, "ingest", *map(str, paths), "--lake", str(lake), "--json",
            "--workers", "1"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    probe = json.loads(proc.stderr.strip().splitlines()[-1])
    return json.loads(proc.stdout), probe


def test_ingest_of_udiff_and_legacy_files_with_bad_rows_does_not_load_pandas(tmp_path: Path) -> None:
    bad = [*many_rows(), ("ODD", "EQ", "100.00", "90.00", "95.00", "99.00", "10"),  # high below open
           ("=HYPERLINK(1)", "EQ", "100.00", "101.00", "99.00", "100.00", "10")]
    clean = tmp_path / udiff_name("2025-09-10")
    clean.write_bytes(udiff_csv("2025-09-10"))
    dropped = tmp_path / udiff_name("2025-09-11")
    dropped.write_bytes(udiff_csv("2025-09-11", bad))
    legacy = tmp_path / "cm12SEP2025bhav.csv"
    legacy.write_bytes(legacy_csv("12-SEP-2025"))
    results, probe = _ingest(tmp_path / "lake", clean, dropped, legacy)
    assert [r["status"] for r in results] == ["ingested", "ingested", "ingested"]
    assert [r["dropped"] for r in results] == [0, 2, 0]
    assert probe == {"status": 0, "pandas": False}
    again, probe = _ingest(tmp_path / "lake", clean, dropped, legacy)  # a second run compares hashes
    assert [r["status"] for r in again] == ["unchanged"] * 3
    assert probe == {"status": 0, "pandas": False}
