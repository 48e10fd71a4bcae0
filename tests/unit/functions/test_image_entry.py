"""The image's Lambda bootstrap points numba at a writable copy of the cache baked at build."""

from __future__ import annotations

import os
from pathlib import Path

from functions.image.lambda_entry import numba_cache_dir, writable


def _baked(tmp_path: Path) -> Path:
    baked = tmp_path / "opt" / "numba-cache"
    (baked / "kernels").mkdir(parents=True)
    index = baked / "kernels" / "kernels.run-1.py312.nbi"
    index.write_bytes(b"index")
    os.utime(index, (1_700_000_000, 1_700_000_000))
    return baked


def test_a_read_only_baked_cache_is_copied_to_tmp_keeping_stamps(tmp_path: Path) -> None:
    baked = _baked(tmp_path)  # Lambda mounts the image read-only
    runtime = tmp_path / "tmp" / "numba-cache"
    assert numba_cache_dir(baked, runtime, read_only=True) == runtime
    copied = runtime / "kernels" / "kernels.run-1.py312.nbi"
    assert copied.read_bytes() == b"index"
    assert copied.stat().st_mtime == 1_700_000_000  # numba checks the index's stamps
    (runtime / "kernels" / "warm.nbc").write_bytes(b"compiled later")
    assert numba_cache_dir(baked, runtime, read_only=True) == runtime  # a warm start keeps the copy
    assert (runtime / "kernels" / "warm.nbc").exists()


def test_writable_finds_out_by_writing(tmp_path: Path) -> None:
    assert writable(tmp_path)
    assert not writable(tmp_path / "absent")


def test_a_writable_baked_cache_is_used_in_place(tmp_path: Path) -> None:
    baked = _baked(tmp_path)  # Fargate: the image's filesystem is writable
    assert numba_cache_dir(baked, tmp_path / "tmp" / "numba-cache") == baked
    assert not (tmp_path / "tmp").exists()


def test_without_a_baked_cache_nothing_is_copied(tmp_path: Path) -> None:
    assert numba_cache_dir(tmp_path / "absent", tmp_path / "copy") == tmp_path / "absent"
