"""``vyapari ingest``: ingest exchange files (bhavcopies, corporate actions) into a lake folder.

Example::

    vyapari ingest downloads/ BhavCopy_NSE_CM_0_0_0_20250910_F_0000.csv.zip --lake lake --json

A folder stands for every (non-hidden) file directly in it, taken in date order (the date in the
conventional file name, then the name). Exit status 0 when every file was ``ingested`` or
``unchanged``, 1 when any was ``rejected`` (the others are still ingested), 2 on bad arguments.
Many files (``AUTO_WORKERS_FROM`` or more) are ingested with one process per core, up to
``MAX_AUTO_WORKERS``; ``--workers N`` sets the number (same lake, results still printed in date
order).
"""

from __future__ import annotations

import argparse
import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vyapari.cli._common import print_json
from vyapari.core.errors import InvalidInput
from vyapari.data.formats import date_from_name

if TYPE_CHECKING:  # the lake (pandas, pyarrow) and rich load when the command runs, not for --help
    from rich.console import Console

    from vyapari.data.ingest import IngestResult
    from vyapari.data.lake import Lake


def register(subparsers: Any, name: str, help_text: str) -> None:
    """Add the ``ingest`` sub-command to ``subparsers``."""
    parser = subparsers.add_parser(name, help=help_text, description=f"{help_text}. Every input is kept "
                                   "under raw/; rejected files are recorded in quarantine/ with a reason.")
    parser.add_argument("paths", nargs="+", type=Path, metavar="FILE_OR_DIR",
                        help="files, or folders of files")
    parser.add_argument("--lake", required=True, type=Path, help="lake folder (created if absent)")
    parser.add_argument("--on-bad-row", choices=["drop", "reject"], default="drop",
                        help="bad rows: drop and record them (default) or reject the whole file")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help=f"processes to ingest with (default: one per core up to {MAX_AUTO_WORKERS} for "
                        f"{AUTO_WORKERS_FROM}+ files, else 1; files of one session date stay in order in one "
                        "process)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.set_defaults(func=run)


AUTO_WORKERS_FROM = 16
"""From this many files on, the default is several processes (below, starting them costs more)."""
MAX_AUTO_WORKERS = 4


def default_workers(n_files: int, cores: int | None = None) -> int:
    """Processes for ``n_files`` when ``--workers`` is not given (see :data:`AUTO_WORKERS_FROM`)."""
    if n_files < AUTO_WORKERS_FROM:
        return 1
    return max(1, min(cores if cores is not None else (os.cpu_count() or 1), MAX_AUTO_WORKERS))


def _order_key(path: Path) -> tuple[date, str]:
    return (date_from_name(path.name) or date.max, path.name)


def expand(paths: list[Path]) -> list[Path]:
    """Files named, plus the files directly inside folders named (each folder in date order)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            inner = [p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")]
            files.extend(sorted(inner, key=_order_key))
        elif path.is_file():
            files.append(path)
        else:
            raise InvalidInput("FILE_OR_DIR", f"{path} is neither a file nor a folder")
    return files


def ingest_all(lake: Lake, files: list[Path], console: Console, workers: int = 1) -> list[IngestResult]:
    """Ingest ``files`` (results in their order) with a progress bar on ``console``."""
    from rich.progress import Progress

    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("ingesting", total=len(files))

        def advance(result: IngestResult) -> None:
            progress.update(task, description=result.name[:40])
            progress.advance(task)

        return lake.ingest_files(files, workers=workers, on_result=advance)


def run(args: argparse.Namespace) -> int:
    """Ingest every file; print one result per file; 1 if any was rejected."""
    from rich.console import Console

    from vyapari.data.lake import Lake
    from vyapari.data.validation import ValidationPolicy

    files = expand(list(args.paths))
    if not files:
        raise InvalidInput("FILE_OR_DIR", "no files to ingest")
    lake = Lake.at(args.lake, policy=ValidationPolicy(on_bad_row=args.on_bad_row))
    workers = default_workers(len(files)) if args.workers is None else args.workers
    if workers < 1:
        raise InvalidInput("--workers", f"{args.workers} is not a positive number of processes")
    results = ingest_all(lake, files, Console(stderr=True), workers)
    if args.json:
        print_json([r.to_dict() for r in results])
    else:
        console = Console(highlight=False)
        for result in results:
            style = {"ingested": "green", "unchanged": "cyan"}.get(result.status, "red")
            console.print(f"{result.name}: [{style}]{result.summary()}[/{style}]")
    return 1 if any(r.status == "rejected" for r in results) else 0
