"""The calendar library's sessions cached on disk: the same sessions, without importing the library."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json, sys
from datetime import date
from vyapari.market.calendar import TradingCalendar
cal = TradingCalendar("NSE")
sessions = cal.sessions(date(2024, 1, 1), date(2026, 12, 31))
days, opens, closes = cal.session_bounds(date(2025, 10, 1), date(2025, 10, 31))
print(json.dumps({
    "library_imported": "pandas_market_calendars" in sys.modules,
    "sessions": [[s.session_date.isoformat(), s.open_at.isoformat(), s.close_at.isoformat(),
                  s.pre_open_at.isoformat(), s.kind.value, s.provisional] for s in sessions],
    "bounds": [days.astype(str).tolist(), opens.tolist(), closes.tolist()],
    "last_year": cal.library_last_year,
}))
"""


def _run(cache: Path) -> dict:
    root = Path(__file__).resolve().parents[3]
    env = dict(os.environ, VYAPARI_CACHE_DIR=str(cache))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root / "sdk"), env.get("PYTHONPATH")) if p)
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def test_a_second_process_reads_the_same_sessions_from_the_cache_without_the_library(tmp_path):
    first = _run(tmp_path)
    assert first["library_imported"], "an empty cache asks the library"
    files = list((tmp_path / "calendar").glob("NSE-pandas_market_calendars-*.json"))
    assert len(files) == 1
    assert set(json.loads(files[0].read_text())["years"]) == {"2024", "2025", "2026"}
    second = _run(tmp_path)
    assert not second["library_imported"]
    assert second == {**first, "library_imported": False}
    assert any(kind == "muhurat" for *_, kind, _ in second["sessions"])  # special sessions survive


def test_an_unwritable_or_corrupt_cache_falls_back_to_the_library(tmp_path):
    from vyapari.market.library_cache import library_version

    (tmp_path / "calendar").mkdir()
    (tmp_path / "calendar" / f"NSE-pandas_market_calendars-{library_version()}.json").write_text("not json")
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    a, b = _run(blocked), _run(tmp_path)
    assert a["library_imported"] and a["sessions"] == b["sessions"]
