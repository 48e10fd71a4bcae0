"""The ``ingest``, ``bars`` and ``sample`` commands, run through a test-local parser."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from tests.unit.data.data_builders import udiff_csv, udiff_name

from vyapari.cli import bars as bars_cli
from vyapari.cli import ingest as ingest_cli
from vyapari.cli import sample as sample_cli
from vyapari.core.errors import VyapariError


def _run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="vyapari")
    sub = parser.add_subparsers(dest="command")
    for name, module in (("ingest", ingest_cli), ("bars", bars_cli), ("sample", sample_cli)):
        module.register(sub, name, f"{name} help")
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except (VyapariError, ValueError):
        return 2


def test_ingest_exit_status_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = tmp_path / "in"
    files.mkdir()
    (files / udiff_name("2025-09-11")).write_bytes(udiff_csv("2025-09-11"))
    (files / udiff_name("2025-09-10")).write_bytes(udiff_csv("2025-09-10"))
    lake = str(tmp_path / "lake")
    assert _run(["ingest", str(files), "--lake", lake, "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["session_date"] for r in results] == ["2025-09-10", "2025-09-11"]  # date order
    (files / "holiday.csv").write_bytes(udiff_csv("2025-10-02"))
    assert _run(["ingest", str(files), "--lake", lake]) == 1
    out = capsys.readouterr().out
    assert "unchanged" in out and "rejected: not_a_session" in out


def test_ingest_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    assert _run(["ingest", str(tmp_path / "nope"), "--lake", str(tmp_path)]) == 2


def test_sample_then_bars(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, lake = tmp_path / "sample", tmp_path / "lake"
    assert _run(["sample", "--out", str(out), "--sessions", "3", "--end", "2025-09-12"]) == 0
    assert _run(["ingest", str(out / "nse_udiff"), "--lake", str(lake)]) == 0
    capsys.readouterr()
    assert _run(["bars", "--lake", str(lake), "--symbol", "reliance", "--from", "2025-09-01",
                 "--to", "2025-09-30", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["ts"][:10] for r in rows] == ["2025-09-10", "2025-09-11", "2025-09-12"]
    assert _run(["bars", "--lake", str(lake), "--symbol", "RELIANCE", "--from", "2025-09-01",
                 "--to", "2025-09-30", "--interval", "2w"]) == 2


def test_ingest_with_two_workers_reports_in_date_order(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    files = tmp_path / "in"
    files.mkdir()
    for day in ("2025-09-12", "2025-09-10", "2025-09-11"):
        (files / udiff_name(day)).write_bytes(udiff_csv(day))
    assert _run(["ingest", str(files), "--lake", str(tmp_path / "lake"), "--json", "--workers", "2"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["session_date"] for r in results] == ["2025-09-10", "2025-09-11", "2025-09-12"]
    assert _run(["ingest", str(files), "--lake", str(tmp_path / "lake"), "--workers", "0"]) == 2


def test_many_files_default_to_one_process_per_core_up_to_four() -> None:
    from vyapari.cli.ingest import AUTO_WORKERS_FROM, default_workers

    assert default_workers(AUTO_WORKERS_FROM - 1, cores=8) == 1  # a few files: no pool to start
    assert default_workers(AUTO_WORKERS_FROM, cores=2) == 2
    assert default_workers(250, cores=16) == 4
    assert default_workers(250, cores=1) == 1
