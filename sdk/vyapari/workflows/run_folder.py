"""A local sweep's run folder (``<root>/runs/<run_id>/``), replaced as a whole by each sweep.

A sweep writes into a fresh hidden staging folder next to ``runs/`` (``<root>/.sweep-staging-<pid>-*``);
only when every point, the ranking and the kept results are written does its ``runs/<run_id>/`` take
the place of the earlier one (two renames: the earlier folder aside into the staging folder, the new
one in; then the staging folder, with the earlier run, is removed). So a sweep run again into the same
folder never leaves a point, a ranking row or a kept result of the earlier sweep beside its own, and
a sweep that fails (a bad grid, an error, Ctrl-C) leaves the earlier run as it was. A killed sweep
leaves its staging folder behind; the next sweep into that root removes it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vyapari.core.processes import process_gone
from vyapari.data.storage import LocalObjectStore

STAGING_PREFIX = ".sweep-staging-"


def remove_abandoned(root: Path) -> list[Path]:
    """Remove the staging folders of killed sweeps under ``root`` (their process is gone); their paths."""
    removed = []
    for path in root.glob(f"{STAGING_PREFIX}*"):
        pid = path.name[len(STAGING_PREFIX):].split("-", 1)[0]
        if path.is_dir() and process_gone(pid):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


@contextmanager
def staged_run(root: Path, run_id: str) -> Iterator[Path]:
    """A fresh folder to write the sweep ``run_id`` into, as if it were ``root``; on a normal exit its
    ``runs/<run_id>/`` replaces ``root/runs/<run_id>/`` (see the module doc). On an exception the
    staging folder is removed and ``root`` is left as it was."""
    root.mkdir(parents=True, exist_ok=True)
    remove_abandoned(root)
    stage = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=root))
    try:
        yield stage
        new, target = stage / "runs" / run_id, root / "runs" / run_id
        target.parent.mkdir(exist_ok=True)
        if target.exists():
            os.replace(target, stage / "replaced")  # removed with the staging folder below
        os.replace(new, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


class RunStore:
    """The store of a lake sweep's work items: the bars read from the lake, the results (every key
    under ``runs/<run_id>/``) written to and read from the staging folder. Picklable."""

    def __init__(self, lake: Path, stage: Path, run_id: str) -> None:
        self.lake = LocalObjectStore(lake)
        self.out = LocalObjectStore(stage)
        self.prefix = f"runs/{run_id}/"

    def _for(self, key: str) -> LocalObjectStore:
        return self.out if key.startswith(self.prefix) else self.lake

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``."""
        self._for(key).put(key, data)

    def put_atomic(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` atomically."""
        self._for(key).put_atomic(key, data)

    def get(self, key: str) -> bytes:
        """The bytes under ``key``."""
        return self._for(key).get(key)

    def exists(self, key: str) -> bool:
        """True when ``key`` is stored."""
        return self._for(key).exists(key)

    def list(self, prefix: str) -> list[str]:
        """Sorted keys under ``prefix`` (a prefix inside the run: the staging folder's)."""
        return self._for(prefix).list(prefix)

    def delete(self, key: str) -> None:
        """Remove ``key`` if present."""
        self._for(key).delete(key)
