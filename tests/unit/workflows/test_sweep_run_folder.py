"""A sweep run again into the same folder replaces the earlier run as a whole: no point, ranking row,
kept result or tear sheet of the earlier sweep is left looking like part of the new one; a sweep that
fails leaves the earlier run as it was."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from tests.unit.backtest.bt_helpers import write_bar_folder

from vyapari.workflows.run_folder import STAGING_PREFIX, staged_run

ROOT = Path(__file__).resolve().parents[3]


def _sweep(data: Path, out: Path, grid: dict[str, list[int]], *extra: str) -> dict:
    """``vyapari sweep --data … --out … --json`` in its own process; the ranking it prints."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "sdk"), str(ROOT),
                                                        os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-m", "vyapari.cli.main", "sweep", "--strategy", "sma_cross",
                           "--params", '{"qty": 5}', "--grid", json.dumps(grid), "--data", str(data),
                           "--out", str(out), "--workers", "2", "--json", *extra],
                          check=False, capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_second_sweep_into_the_same_out_replaces_the_first(tmp_path: Path) -> None:
    data, out = write_bar_folder(tmp_path / "bars", 3, 4, seed=11), tmp_path / "out"
    first = _sweep(data, out, {"fast": [3, 5, 8], "slow": [20, 30]}, "--keep-runs")
    run = out / "runs" / "sweep"
    assert first["items"] == 6 and len(list(run.glob("*/trades.parquet"))) == 6
    assert (out / "best" / "report.html").is_file()

    second = _sweep(data, out, {"fast": [4], "slow": [25, 35]}, "--keep-top", "0")
    assert second["items"] == 2
    points = sorted(p.name for p in run.iterdir() if p.is_dir())
    assert points == sorted(row["item_id"] for row in second["top"])
    for point in points:  # each folder is the second sweep's point, with its summary only
        assert sorted(p.name for p in (run / point).iterdir()) == ["item.json", "summary.json"]
        params = json.loads((run / point / "item.json").read_text())["params"]
        assert params["fast"] == 4 and params["slow"] in (25, 35)
    rows = json.loads((run / "ranking.json").read_text())["rows"]
    assert [r["item_id"] for r in rows] == [r["item_id"] for r in second["top"]]
    assert len(pd.read_csv(run / "ranking.csv")) == 2
    assert not (out / "best").exists()  # the first sweep's tear sheet is not this sweep's best
    assert "2 runs of" in (out / "report.html").read_text(encoding="utf-8")
    assert not list(out.glob(f"{STAGING_PREFIX}*"))


def test_a_sweep_with_another_run_id_keeps_the_first_run(tmp_path: Path) -> None:
    data, out = write_bar_folder(tmp_path / "bars", 3, 4, seed=11), tmp_path / "out"
    _sweep(data, out, {"fast": [3, 5], "slow": [20]}, "--run-id", "a")
    before = _digests(out / "runs" / "a")
    _sweep(data, out, {"fast": [4], "slow": [25]}, "--run-id", "b")
    assert _digests(out / "runs" / "a") == before
    assert len(json.loads((out / "runs" / "b" / "ranking.json").read_text())["rows"]) == 1


def test_a_failed_sweep_leaves_the_earlier_run_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "runs" / "r" / "item-0000").mkdir(parents=True)
    (tmp_path / "runs" / "r" / "item-0000" / "summary.json").write_text("{}")
    before = _digests(tmp_path)
    with pytest.raises(RuntimeError, match="halfway"), staged_run(tmp_path, "r") as stage:
        (stage / "runs" / "r" / "item-0001").mkdir(parents=True)
        (stage / "runs" / "r" / "item-0001" / "summary.json").write_text("{}")
        raise RuntimeError("halfway")
    assert _digests(tmp_path) == before
    assert not list(tmp_path.glob(f"{STAGING_PREFIX}*"))


def test_a_killed_sweeps_staging_folder_is_removed_by_the_next(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    left = tmp_path / f"{STAGING_PREFIX}{dead}-x" / "runs" / "r"
    left.mkdir(parents=True)
    with staged_run(tmp_path, "r") as stage:
        (stage / "runs" / "r").mkdir(parents=True)
        (stage / "runs" / "r" / "ranking.json").write_text("{}")
    assert not (tmp_path / f"{STAGING_PREFIX}{dead}-x").exists()
    assert (tmp_path / "runs" / "r" / "ranking.json").is_file()
