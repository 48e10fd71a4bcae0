"""Batch ingestion (``Lake.ingest_files``): same lake as one-by-one ingestion, results in input order."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.data.data_builders import ROWS, udiff_csv, udiff_name, zipped

from vyapari.core.errors import InvalidInput
from vyapari.data.batch import group_by_name_date, pack_groups
from vyapari.data.lake import Lake
from vyapari.data.storage import MemoryObjectStore

DAYS = ["2025-09-10", "2025-09-11", "2025-09-12", "2025-09-15"]


def _inputs(folder: Path) -> list[Path]:
    """Four good days, a correction of the first day, a zipped copy, a holiday and a non-CSV file."""
    folder.mkdir()
    paths = []
    for day in DAYS:
        paths.append(folder / udiff_name(day))
        paths[-1].write_bytes(udiff_csv(day))
    fixed = folder / "fix" / udiff_name(DAYS[0])
    fixed.parent.mkdir()
    # (a correction keeps the day's rows: one with under 80 % of them is refused as fewer_rows)
    fixed.write_bytes(udiff_csv(DAYS[0], [ROWS[0], ROWS[1], ("TCS", "EQ", "1", "2", "1", "2", "10")]))
    zipped_copy = folder / (udiff_name(DAYS[1]) + ".zip")
    zipped_copy.write_bytes(zipped((udiff_name(DAYS[1]), udiff_csv(DAYS[1]))))
    holiday = folder / udiff_name("2025-10-02")
    holiday.write_bytes(udiff_csv("2025-10-02"))
    junk = folder / "notes.txt"
    junk.write_bytes(b"not a bhavcopy\n")
    return [paths[0], paths[1], fixed, zipped_copy, paths[2], holiday, paths[3], junk]


def _objects(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("workers", [1, 2])
def test_batch_ingest_gives_the_same_lake_as_one_by_one_byte_for_byte(tmp_path: Path, workers: int) -> None:
    paths = _inputs(tmp_path / "in")
    single = Lake.at(tmp_path / "single")
    expected = [single.ingest_file(p).to_dict() for p in paths]
    batch = Lake.at(tmp_path / "batch")
    seen: list[str] = []
    results = batch.ingest_files(paths, workers=workers, on_result=lambda r: seen.append(r.name))
    assert [r.to_dict() for r in results] == expected  # same outcomes, in input order
    assert sorted(seen) == sorted(p.name for p in paths)
    assert _objects(tmp_path / "batch") == _objects(tmp_path / "single")
    statuses = [r.status for r in results]
    assert statuses == ["ingested", "ingested", "ingested", "unchanged", "ingested", "rejected", "ingested",
                        "rejected"]


def test_batch_reingest_is_unchanged(tmp_path: Path) -> None:
    paths = _inputs(tmp_path / "in")[:2]
    lake = Lake.at(tmp_path / "lake")
    lake.ingest_files(paths, workers=2)
    assert [r.status for r in lake.ingest_files(paths, workers=2)] == ["unchanged", "unchanged"]


def test_files_of_one_session_date_share_a_group_in_order() -> None:
    names = [udiff_name("2025-09-10"), udiff_name("2025-09-11"), "x/" + udiff_name("2025-09-10"), "a.csv",
             "b.csv"]
    assert group_by_name_date([Path(n) for n in names]) == [[0, 2], [1], [3, 4]]


def test_groups_are_packed_into_few_tasks_in_order_and_never_split() -> None:
    groups = [[0, 5], [1], [2], [3, 6], [4]]
    assert pack_groups(groups, 2) == [[0, 5, 1, 2], [3, 6, 4]]
    assert pack_groups(groups, 16) == groups
    packed = pack_groups([[i] for i in range(250)], 32)
    assert len(packed) <= 32 and [i for task in packed for i in task] == list(range(250))


def test_batch_ingest_rejects_a_missing_path_and_an_unpicklable_store(tmp_path: Path) -> None:
    paths = _inputs(tmp_path / "in")[:2]
    lake = Lake.at(tmp_path / "lake")
    with pytest.raises(InvalidInput, match="not a file"):
        lake.ingest_files([*paths, tmp_path / "absent.csv"])
    memory = Lake(MemoryObjectStore(), session_check=lambda exchange: lambda day: True)
    with pytest.raises(InvalidInput, match="picklable"):
        memory.ingest_files(paths, workers=2)
    assert [r.status for r in memory.ingest_files(paths)] == ["ingested", "ingested"]


def test_read_strings_converts_only_the_requested_columns_but_checks_every_row() -> None:
    from vyapari.data.parsers.common import read_strings
    from vyapari.data.rejections import RejectionError

    table = read_strings(b"A,B,C\r\n1,x,3\r\n4,-,6\r\n", "f.csv", {"C", "B"})
    assert table.column_names == ["B", "C"] and table.column("B").to_pylist() == ["x", None]
    with pytest.raises(RejectionError, match="malformed_csv"):
        read_strings(b"A,B,C\n1,x,3\n4,5,6,7\n7,8,9\n", "f.csv", {"A"})
