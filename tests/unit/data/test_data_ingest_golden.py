"""A lake ingested through ``vyapari ingest`` from real bhavcopies holds exactly what the earlier
ingest path wrote: every raw copy, curated day file, state record and report, byte for byte.

The expected digests (``golden/real_udiff_lake.json``) were written by the ingest path before it was
made faster (pandas off the path, cheaper validation, fewer file-system calls): one file in five of
the 195 real NSE bhavcopies of the shared data, in the official UDiFF layout, ingested by the CLI
with two worker processes. Parquet bytes depend on the pyarrow version that wrote them (its name is
in the file); under another version the Parquet files and the state records (which hold their
hashes) are compared by content instead. Regenerate (only when a change of content is intended)
with ``python -m tests.unit.data.test_data_ingest_golden``.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.unit.data.official_layouts import read_reshaped, reshaped_dir, to_udiff_bytes, udiff_name

GOLDEN = Path(__file__).with_name("golden") / "real_udiff_lake.json"
EVERY = 5  # one real day in five: 39 days, rows dropped on several of them

pytestmark = pytest.mark.skipif(
    not reshaped_dir().is_dir(),
    reason="real data folder ../shared/data/nse_bhavcopy_reshaped is absent (see the shared data README)",
)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _content(path: Path, key: str) -> str | None:
    """A digest of what a file says independent of the pyarrow version: a Parquet file's rows and
    schema, a state record without the curated file's hash; ``None`` for other files."""
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        rows = json.dumps(table.to_pylist(), default=str, sort_keys=True)
        return _sha((str(table.schema.remove_metadata()) + rows).encode())
    if key.startswith("state/"):
        record = json.loads(path.read_bytes())
        record.pop("curated_sha256", None)
        record.pop("replaces_sha256", None)
        return _sha(json.dumps(record, sort_keys=True).encode())
    return None


def lake_digests(root: Path) -> dict[str, dict[str, str | None]]:
    """``{key: {"sha256", "content"}}`` of every file under the lake folder ``root`` (the empty
    ``.lock-*`` files the local store takes ``flock`` on are not content: left out)."""
    return {p.relative_to(root).as_posix(): {"sha256": _sha(p.read_bytes()),
                                                "content": _content(p, p.relative_to(root).as_posix())}
            for p in sorted(root.rglob("*")) if p.is_file() and not p.name.startswith(".lock-")}


def udiff_files(folder: Path) -> Path:
    """One real day in :data:`EVERY`, written to ``folder`` in the official UDiFF layout."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(reshaped_dir().glob("*.csv"))[::EVERY]:
        frame = read_reshaped(path)
        (folder / udiff_name(frame)).write_bytes(to_udiff_bytes(frame))
    return folder


def ingest_cli(files: Path, lake: Path) -> list[dict[str, Any]]:
    """``vyapari ingest FILES --lake LAKE --json --workers 2`` in a fresh process; its results."""
    argv = [sys.executable, "-m", "vyapari.cli.main", "ingest", str(files), "--lake", str(lake), "--json",
            "--workers", "2"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results: list[dict[str, Any]] = json.loads(proc.stdout)
    return results


Ingested = tuple[Path, Path, list[dict[str, Any]]]  # (UDiFF files, lake, CLI results)


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Ingested:
    files = udiff_files(tmp_path_factory.mktemp("udiff"))
    lake = tmp_path_factory.mktemp("lake") / "lake"
    return files, lake, ingest_cli(files, lake)


def test_real_lake_is_byte_for_byte_the_earlier_ingest(ingested: Ingested) -> None:
    _, lake, results = ingested
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    got = lake_digests(lake)
    assert sorted(got) == sorted(golden["files"])  # the same keys: no file more, none missing
    same_writer = golden["pyarrow"] == pa.__version__
    for key, want in golden["files"].items():
        field = "sha256" if same_writer or want["content"] is None else "content"
        assert got[key][field] == want[field], f"{key} differs from the earlier ingest ({field})"
    assert _sha(json.dumps(results, sort_keys=True).encode()) == golden["results_sha256"]
    assert {r["status"] for r in results} == {"ingested"} and sum(r["dropped"] for r in results) > 0


def test_real_lake_ingested_again_is_unchanged_but_for_the_reports(ingested: Ingested) -> None:
    files, lake, _ = ingested
    before = lake_digests(lake)
    again = ingest_cli(files, lake)
    assert {r["status"] for r in again} == {"unchanged"}
    after = lake_digests(lake)
    assert sorted(after) == sorted(before)  # each file's report now says unchanged; nothing else moved
    assert {k: v for k, v in after.items() if not k.startswith("reports/")} == \
        {k: v for k, v in before.items() if not k.startswith("reports/")}
    report = json.loads((lake / again[0]["report_key"]).read_bytes())
    assert report["status"] == "unchanged" and report["raw_key"] == again[0]["raw_key"]


def write_golden(work: Path) -> None:
    """Ingest the real files with the current code and write :data:`GOLDEN` (see the module doc)."""
    files, lake = udiff_files(work / "udiff"), work / "lake"
    results = ingest_cli(files, lake)
    payload = {"pyarrow": pa.__version__, "every": EVERY,
               "results_sha256": _sha(json.dumps(results, sort_keys=True).encode()),
               "files": lake_digests(lake)}
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        write_golden(Path(tmp))
