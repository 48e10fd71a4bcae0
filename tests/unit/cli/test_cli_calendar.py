"""``vyapari calendar``: JSON shape, human table, one-line errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from vyapari.cli.main import main

YEAR_2026 = ["calendar", "--exchange", "NSE", "--from", "2026-01-01", "--to", "2026-12-31"]


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, str]]:
    assert main([*args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_calendar_json_lists_sessions_with_ist_offsets_and_kinds(capsys):
    records = run_json(capsys, *YEAR_2026)
    assert len(records) == 247
    assert all(set(r) == {"session_date", "open_at", "close_at", "kind"} for r in records)
    assert all(r["open_at"].endswith("+05:30") and r["close_at"].endswith("+05:30") for r in records)
    by_date = {r["session_date"]: r for r in records}
    assert by_date["2026-01-02"] == {
        "session_date": "2026-01-02",
        "open_at": "2026-01-02T09:15:00+05:30",
        "close_at": "2026-01-02T15:30:00+05:30",
        "kind": "regular",
    }
    assert by_date["2026-02-01"]["kind"] == "special"
    assert by_date["2026-11-08"]["kind"] == "muhurat"
    assert "2026-01-15" not in by_date
    assert {r["kind"] for r in records} == {"regular", "special", "muhurat"}


def test_cli_calendar_json_bse_muhurat_2025_has_its_real_times(capsys):
    records = run_json(capsys, "calendar", "--exchange", "bse", "--from", "2025-10-21", "--to", "2025-10-21")
    assert records == [
        {
            "session_date": "2025-10-21",
            "open_at": "2025-10-21T13:45:00+05:30",
            "close_at": "2025-10-21T14:45:00+05:30",
            "kind": "muhurat",
        }
    ]


def test_cli_calendar_json_of_a_range_without_sessions_is_an_empty_list(capsys):
    assert run_json(capsys, "calendar", "--from", "2026-01-17", "--to", "2026-01-18") == []


def test_cli_calendar_table_lists_sessions_holidays_and_a_count_line(capsys):
    assert main(["calendar", "--exchange", "NFO", "--from", "2026-01-12", "--to", "2026-02-02"]) == 0
    out = capsys.readouterr().out
    assert "NSE sessions 2026-01-12 .. 2026-02-02 (IST)" in out
    assert "2026-01-15" in out and "holiday" in out
    assert "2026-02-01" in out and "special" in out and "weekend" in out
    assert out.strip().splitlines()[-1] == (
        "15 sessions (1 special) and 2 weekday holidays on NSE, 2026-01-12 .. 2026-02-02"
    )


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--exchange", "XYZ"], "argument --exchange: invalid choice: 'XYZ'"),
        (["--from", "2026-13-01"], "argument --from: '2026-13-01' is not a date"),
        (["--from", "2026-01-01", "--to", "01/02/2026"], "argument --to: '01/02/2026' is not a date"),
    ],
)
def test_cli_calendar_bad_arguments_exit_2_with_one_line_naming_the_argument(capsys, args, names):
    assert main(["calendar", *args]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert names in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-12-31", "--to", "2026-01-01"], "--to: 2026-01-01 is before --from 2026-12-31"),
        (["--from", "2001-01-01", "--to", "2001-02-01"], "--from: 2001-01-01 is before 2011"),
        (["--from", "2099-12-01", "--to", "2100-01-31"], "--to: 2100-01-31 is after 2099"),
    ],
)
def test_cli_calendar_inconsistent_range_returns_2_with_one_line(capsys, args, message):
    assert main(["calendar", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"vyapari calendar: error: {message}")
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def vyapari_script() -> Path:
    script = Path(sys.executable).parent / "vyapari"
    if not script.exists():
        pytest.skip(f"console script not installed next to {sys.executable} (pip install -e .)")
    return script


def test_cli_calendar_console_script_prints_json_and_fails_cleanly():
    script = vyapari_script()
    ok = subprocess.run(
        [str(script), "calendar", "--exchange", "BSE", "--from", "2026-01-30", "--to", "2026-02-02",
         "--json"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert [r["session_date"] for r in json.loads(ok.stdout)] == ["2026-01-30", "2026-02-01", "2026-02-02"]
    bad = subprocess.run(
        [str(script), "calendar", "--from", "2026-02-02", "--to", "2026-01-30"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert bad.returncode == 2
    assert bad.stdout == ""
    expected = "vyapari calendar: error: --to: 2026-01-30 is before --from 2026-02-02"
    assert bad.stderr.strip().splitlines() == [expected]
