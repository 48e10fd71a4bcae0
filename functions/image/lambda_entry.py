"""The container image's Lambda bootstrap: ``python -m functions.image.lambda_entry <handler>``.

The image bakes numba's cache into ``NUMBA_CACHE_DIR`` at build (:mod:`functions.image.warm_numba`).
Lambda mounts the image read-only and numba refuses a cache directory it cannot write to, so on a
cold start the baked cache is copied once to ``/tmp`` (a few MB, milliseconds) and ``NUMBA_CACHE_DIR``
points there before numba is imported; then the AWS runtime interface client serves ``<handler>``.
On Fargate the directory is writable and used in place.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

RUNTIME_CACHE = Path(tempfile.gettempdir()) / "numba-cache"


def writable(directory: Path) -> bool:
    """Whether a file can be created in ``directory`` (what numba's cache locator checks)."""
    try:
        with tempfile.NamedTemporaryFile(dir=directory):
            return True
    except OSError:
        return False


def numba_cache_dir(baked: Path, runtime: Path = RUNTIME_CACHE, *, read_only: bool | None = None) -> Path:
    """The cache directory to use: ``baked`` when writable, else a copy of it under ``runtime``.

    ``read_only`` says whether ``baked`` is on a read-only filesystem (None: find out by writing).
    """
    if read_only is None:
        read_only = not writable(baked)
    if not baked.is_dir() or not read_only:
        return baked
    if not runtime.is_dir():
        shutil.copytree(baked, runtime, copy_function=shutil.copy2)  # copy2: keep the index stamps
    return runtime


def main(argv: list[str]) -> None:
    """Point numba at a writable copy of the baked cache, then run the runtime interface client."""
    if len(argv) != 2:
        raise SystemExit("usage: python -m functions.image.lambda_entry <package.module.function>")
    baked = os.environ.get("NUMBA_CACHE_DIR")
    if baked:
        os.environ["NUMBA_CACHE_DIR"] = str(numba_cache_dir(Path(baked)))
    from awslambdaric.__main__ import main as run_interface_client

    run_interface_client(argv)


if __name__ == "__main__":
    main(sys.argv)
