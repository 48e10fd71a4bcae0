"""Crash safety of the lake: SIGKILL ``vyapari ingest`` between its writes, then read and re-ingest.

The ingest runs in a subprocess with ``VYAPARI_PAUSE_AT_WRITES=1``: at each write point it prints
``write-point: <what>`` and waits for a line on stdin, so the test kills it exactly there (no timer
races the process). After every kill the lake must read back the old day or the new day — never a
mix, never a day its state record does not name — and ingesting the new file again must leave the
new day with a committed record and no temporaries.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

import pandas as pd
import pytest
from tests.unit.data.data_builders import many_rows, udiff_csv, udiff_name

from vyapari.core.errors import DataError
from vyapari.data import layout
from vyapari.data.day_state import read_state
from vyapari.data.lake import Lake
from vyapari.data.write_points import ENV

DAY = "2025-09-10"
SESSION = date(2025, 9, 10)
STATE = layout.state_key("daily_bars", "NSE", SESSION)
CURATED = layout.day_key("daily_bars", "NSE", SESSION)
KILLS = 12


def _new_rows() -> list[tuple[str, ...]]:
    """The day again with every close 1 % higher (the same rows, other values: a correction)."""
    out: list[tuple[str, ...]] = []
    for sym, ser, o, h, low, c, vol in many_rows():
        close = f"{float(c) * 1.01:.2f}"
        out.append((sym, ser, o, max(h, close, key=float), low, close, vol))
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The old and the new file of the day (same name, in two folders) and a lake holding the old."""
    root = tmp_path_factory.mktemp("inputs")
    (root / "old").mkdir()
    (root / "new").mkdir()
    old, new = root / "old" / udiff_name(DAY), root / "new" / udiff_name(DAY)
    old.write_bytes(udiff_csv(DAY, many_rows()))
    new.write_bytes(udiff_csv(DAY, _new_rows()))
    template = root / "lake-old"
    assert Lake.at(template).ingest_file(old).status == "ingested"
    return {"old": old, "new": new, "template": template}


def _frame(lake: Path) -> pd.DataFrame:
    return Lake.at(lake).read_daily_table("NSE", SESSION, SESSION)


@pytest.fixture(scope="module")
def expected(files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    clean = tmp_path_factory.mktemp("clean") / "lake"
    shutil.copytree(files["template"], clean)
    old = _frame(clean)
    assert Lake.at(clean).ingest_file(files["new"]).status == "ingested"
    return {"old": old, "new": _frame(clean)}


def _is_point(target: int, point: int, _what: str) -> bool:
    return point == target


def _ingest(lake: Path, file: Path, stop: Callable[[int, str], bool]) -> tuple[list[str], bool]:
    """Run ``vyapari ingest`` pausing at each write point; SIGKILL it where ``stop(i, what)``.

    Returns the write points reached and whether the process was killed.
    """
    cmd = [sys.executable, "-m", "vyapari.cli.main", "ingest", str(file), "--lake", str(lake), "--json"]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, ENV: "1"})
    assert proc.stdout is not None and proc.stdin is not None
    points: list[str] = []
    try:
        for line in proc.stdout:
            if not line.startswith("write-point: "):
                continue
            points.append(line.removeprefix("write-point: ").strip())
            if stop(len(points) - 1, points[-1]):
                proc.kill()
                proc.wait(timeout=30)
                return points, True
            proc.stdin.write("\n")
            proc.stdin.flush()
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        for stream in (proc.stdout, proc.stdin, proc.stderr):
            if stream is not None:
                stream.close()
    assert proc.returncode == 0, f"ingest failed with status {proc.returncode}"
    return points, False


def _temporaries(lake: Path) -> list[Path]:
    return sorted(lake.rglob(".tmp-*"))


def _which_day(lake: Path, expected: dict[str, pd.DataFrame]) -> str:
    """``old`` or ``new``: the day the lake reads back (fails on anything else)."""
    got = _frame(lake)
    for name in ("old", "new"):
        if got.equals(expected[name]):
            return name
    raise AssertionError(f"the lake reads back neither day:\n{got.head()}")


def _fresh(files: dict[str, Path], where: Path) -> Path:
    shutil.copytree(files["template"], where)
    return where


@pytest.fixture(scope="module")
def replacement_points(files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Every write point of replacing the old day by the new file (an uninterrupted run)."""
    lake = _fresh(files, tmp_path_factory.mktemp("dry") / "lake")
    points, killed = _ingest(lake, files["new"], lambda i, what: False)
    assert not killed
    return points


def test_write_points_cover_intent_data_and_commit(replacement_points: list[str]) -> None:
    data = [i for i, p in enumerate(replacement_points) if p == f"replaced {CURATED}"]
    states = [i for i, p in enumerate(replacement_points) if p == f"replaced {STATE}"]
    assert len(data) == 1 and len(states) == 2
    assert states[0] < data[0] < states[1]  # intent, data, commit
    assert f"written-temporary {CURATED}" in replacement_points
    assert any(p.startswith("linked raw/") for p in replacement_points)


def test_random_kills_leave_old_or_new_day_and_reingest_repairs(
        files: dict[str, Path], expected: dict[str, pd.DataFrame], replacement_points: list[str],
        tmp_path: Path) -> None:
    rng = random.Random(19)
    targets = sorted(rng.sample(range(len(replacement_points)), min(KILLS, len(replacement_points))))
    targets += [rng.randrange(len(replacement_points)) for _ in range(KILLS - len(targets))]
    seen: Counter[str] = Counter()
    for n, target in enumerate(targets):
        lake = _fresh(files, tmp_path / f"lake{n}")
        points, killed = _ingest(lake, files["new"], partial(_is_point, target))
        assert killed, f"kill {n}: the ingest ended before write point {target}"
        day = _which_day(lake, expected)  # raises on a mix or a day its record does not name
        before = read_state(Lake.at(lake).store, STATE)
        again = Lake.at(lake).ingest_file(files["new"])
        state = read_state(Lake.at(lake).store, STATE)
        assert state is not None and state.committed
        assert _which_day(lake, expected) == "new", f"kill at {points[-1]!r}: re-ingest did not repair"
        assert again.status in ("ingested", "repaired", "unchanged")
        if again.status == "unchanged":  # only right when the kill came after the committed record
            assert day == "new" and before is not None and before.committed
            assert before.curated_sha256 == state.curated_sha256
        assert _temporaries(lake) == [], f"kill at {points[-1]!r}: temporaries left after re-ingest"
        what, key = points[-1].split(" ", 1)
        seen[f"{what} {key.split('/')[0]}/ -> read {day}, re-ingest {again.status}"] += 1
    print(f"\n{len(targets)} kills:", json.dumps(seen, indent=1))
    assert sum(seen.values()) == KILLS


def _kill_at(files: dict[str, Path], lake: Path, point: str) -> list[str]:
    points, killed = _ingest(lake, files["new"], lambda i, what: what == point)
    assert killed and points[-1] == point
    return points


def test_kill_after_data_before_committed_state_is_repaired(
        files: dict[str, Path], expected: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    lake = _fresh(files, tmp_path / "lake")
    _kill_at(files, lake, f"replaced {CURATED}")
    state = read_state(Lake.at(lake).store, STATE)
    assert state is not None and not state.committed  # the intent names the new file
    assert _which_day(lake, expected) == "new"
    again = Lake.at(lake).ingest_file(files["new"])
    assert again.status == "repaired"  # not "unchanged": the record was not committed
    state = read_state(Lake.at(lake).store, STATE)
    assert state is not None and state.committed and state.replaces_sha256 is None
    assert Lake.at(lake).ingest_file(files["new"]).status == "unchanged"


def test_kill_after_intent_before_data_reads_old_day(
        files: dict[str, Path], expected: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    lake = _fresh(files, tmp_path / "lake")
    _kill_at(files, lake, f"replaced {STATE}")
    assert _which_day(lake, expected) == "old"
    # the intent named the new file: its ingest finishes the interrupted replacement
    assert Lake.at(lake).ingest_file(files["new"]).status == "repaired"
    assert _which_day(lake, expected) == "new"


def test_kill_during_data_write_leaves_a_temporary_that_the_next_run_removes(
        files: dict[str, Path], expected: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    lake = _fresh(files, tmp_path / "lake")
    _kill_at(files, lake, f"written-temporary {CURATED}")
    left = _temporaries(lake)
    assert len(left) == 1 and left[0].parent == (lake / CURATED).parent
    assert _which_day(lake, expected) == "old"
    _, killed = _ingest(lake, files["new"], lambda i, what: False)  # the next run, uninterrupted
    assert not killed and _temporaries(lake) == []
    assert _which_day(lake, expected) == "new"


def test_a_curated_file_changed_behind_the_record_is_refused_then_repaired(
        files: dict[str, Path], expected: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    lake = _fresh(files, tmp_path / "lake")
    (lake / CURATED).write_bytes((lake / CURATED).read_bytes()[:-1] + b"\x00")  # bit rot / a stray copy
    with pytest.raises(DataError, match="does not match its state record"):
        _frame(lake)
    assert Lake.at(lake).ingest_file(files["old"]).status == "repaired"
    assert _which_day(lake, expected) == "old"


def test_two_processes_ingesting_same_named_files_keep_both_raw_copies(
        files: dict[str, Path], expected: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "vyapari.cli.main", "ingest", "--json", "--lake"]
    env = {k: v for k, v in os.environ.items() if k != ENV}
    for run in range(6):
        lake = tmp_path / f"lake{run}"
        procs = [subprocess.Popen([*cmd, str(lake), str(files[which])], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env) for which in ("old", "new")]
        outs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], [o[1][-500:] for o in outs]
        raws = [p for p in (lake / "raw").rglob("*") if p.is_file() and not p.name.startswith(".")]
        kept = {p.read_bytes() for p in raws}
        assert kept == {files["old"].read_bytes(), files["new"].read_bytes()}, f"run {run}: a raw input lost"
        assert _which_day(lake, expected) in ("old", "new")
        state = read_state(Lake.at(lake).store, STATE)
        assert state is not None and state.committed


@pytest.fixture(scope="module")
def new_day_points(files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Every write point of ingesting the day into an empty lake (an uninterrupted run)."""
    points, killed = _ingest(tmp_path_factory.mktemp("dry-new") / "lake", files["new"], lambda i, what: False)
    assert not killed
    return points


def test_a_new_day_is_written_as_intent_data_then_committed_record(new_day_points: list[str]) -> None:
    data = [i for i, p in enumerate(new_day_points) if p == f"replaced {CURATED}"]
    states = [i for i, p in enumerate(new_day_points) if p == f"replaced {STATE}"]
    assert len(data) == 1 and len(states) == 2 and states[0] < data[0] < states[1]


def test_every_kill_of_a_new_day_leaves_no_day_or_the_whole_day_and_reingest_commits(
        files: dict[str, Path], expected: dict[str, pd.DataFrame], new_day_points: list[str],
        tmp_path: Path) -> None:
    seen: Counter[str] = Counter()
    for target in range(len(new_day_points)):
        lake = tmp_path / f"lake{target}"
        points, killed = _ingest(lake, files["new"], partial(_is_point, target))
        assert killed and points[-1] == new_day_points[target]
        got = _frame(lake)  # raises on a day its record does not name
        state = read_state(Lake.at(lake).store, STATE)
        if got.empty:  # at most the intent, which names a day not written yet
            assert state is None or not state.committed, f"kill at {points[-1]!r}: a record without its day"
            day = "none"
        else:
            assert got.equals(expected["new"]), f"kill at {points[-1]!r}: a part of the day"
            day = "new"
        again = Lake.at(lake).ingest_file(files["new"])
        state = read_state(Lake.at(lake).store, STATE)
        assert state is not None and state.committed and _which_day(lake, expected) == "new"
        if again.status == "unchanged":  # only right when the kill came after the committed record
            assert target >= len(new_day_points) - 1 - new_day_points[::-1].index(f"replaced {STATE}"), \
                f"kill at {points[-1]!r}"
        assert _temporaries(lake) == [], f"kill at {points[-1]!r}: temporaries left after re-ingest"
        seen[f"{points[-1].split(' ', 1)[0]} {points[-1].split(' ', 1)[1].split('/')[0]}/ -> "
             f"read {day}, re-ingest {again.status}"] += 1
    print(f"\n{len(new_day_points)} kills of a new day:", json.dumps(seen, indent=1))
    assert sum(seen.values()) == len(new_day_points)
