"""``vyapari ingest``: ingest exchange files (bhavcopies, corporate actions) and bar files into a lake.

Examples::

    vyapari ingest downloads/ BhavCopy_NSE_CM_0_0_0_20250910_F_0000.csv.zip --lake lake --json
    vyapari ingest my_minute_bars/ --label end --lake lake      # a vendor's end-labelled CSVs

A user's own minute or daily bar files (CSV or Parquet with ``ts, open, high, low, close, volume`` and
``symbol`` or the symbol as file name; see :mod:`vyapari.data.parsers.bar_files`) are ingested too.
A folder stands for every (non-hidden) file below it, recursively, taken in date order (the date in
the conventional file name, then the path). Broker instrument dumps met in a folder (Kite's CSV,
Upstox's JSON, as ``vyapari sample`` writes) are skipped and named: publish them with
``vyapari instruments publish``. Exit status 0 when every file was ``ingested``,
``unchanged`` or ``repaired``, 1 when any was ``rejected`` (the others are still ingested), 2 on
bad arguments. A file with under 80 % of the rows of the day it would replace is rejected
(``fewer_rows``) unless ``--replace`` is given.
Many files (``AUTO_WORKERS_FROM`` or more) are ingested with one process per core, up to
``MAX_AUTO_WORKERS``; ``--workers N`` sets the number (same lake, results still printed in date
order).
"""

from __future__ import annotations

import argparse
import os
import sys
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
    parser.add_argument("--replace", action="store_true",
                        help="replace an ingested day even by a file with far fewer rows (under 80 %%; "
                        "otherwise rejected as fewer_rows); the result reports it")
    parser.add_argument("--label", choices=["start", "end"], default="start",
                        help="bar files: bars labelled by their start minute (default) or their end minute")
    parser.add_argument("--exchange", choices=["NSE", "BSE"], default="NSE",
                        help="bar files: the exchange whose calendar they follow (default NSE)")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help=f"processes to ingest with (default: one per core up to {MAX_AUTO_WORKERS} for "
                        f"{AUTO_WORKERS_FROM}+ files, else 1; files of one session date stay in order in one "
                        "process)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.set_defaults(func=run, quick_exit=True)  # nothing left to close: skip the modules' teardown


AUTO_WORKERS_FROM = 16
"""From this many files on, the default is several processes (below, starting them costs more)."""
MAX_AUTO_WORKERS = 4


def default_workers(n_files: int, cores: int | None = None) -> int:
    """Processes for ``n_files`` when ``--workers`` is not given (see :data:`AUTO_WORKERS_FROM`)."""
    if n_files < AUTO_WORKERS_FROM:
        return 1
    return max(1, min(cores if cores is not None else (os.cpu_count() or 1), MAX_AUTO_WORKERS))


def _order_key(path: Path) -> tuple[date, str]:
    return (date_from_name(path.name) or date.max, path.as_posix())


def is_instrument_dump(path: Path) -> bool:
    """A broker instrument dump (Kite CSV or Upstox JSON): not for ``ingest``."""
    with path.open("rb") as handle:
        head = handle.read(64).lstrip(b"\xef\xbb\xbf").lstrip()
    return head.startswith((b"instrument_token,", b"[")) or path.name.endswith((".json", ".json.gz"))


def _visible(path: Path, root: Path) -> bool:
    return path.is_file() and not any(p.startswith(".") for p in path.relative_to(root).parts)


def expand(paths: list[Path], skipped: list[Path] | None = None) -> list[Path]:
    """Files named, plus the files below folders named, recursively (each folder in date order).

    Instrument dumps found in folders go to ``skipped`` instead.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            inner = [p for p in path.rglob("*") if _visible(p, path)]
            dumps = [p for p in inner if is_instrument_dump(p)]
            if skipped is not None:
                skipped.extend(sorted(dumps))
            files.extend(sorted((p for p in inner if p not in dumps), key=_order_key))
        elif path.is_file():
            files.append(path)
        else:
            raise InvalidInput("FILE_OR_DIR", f"{path} is neither a file nor a folder")
    return files


def ingest_all(lake: Lake, files: list[Path], console: Console | None,
               workers: int = 1) -> list[IngestResult]:
    """Ingest ``files`` (results in their order) with a progress bar on ``console`` (none: no bar)."""
    if console is None:
        return lake.ingest_files(files, workers=workers)
    from rich.progress import Progress

    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("ingesting", total=len(files))

        def advance(result: IngestResult) -> None:
            progress.update(task, description=result.name[:40])
            progress.advance(task)

        return lake.ingest_files(files, workers=workers, on_result=advance)


def run(args: argparse.Namespace) -> int:
    """Ingest every file; print one result per file; 1 if any was rejected."""
    from vyapari.data.lake import Lake
    from vyapari.data.validation import ValidationPolicy

    skipped: list[Path] = []
    files = expand(list(args.paths), skipped)
    for dump in skipped:
        print(f"{dump}: skipped: a broker instrument dump; use 'vyapari instruments publish'",
              file=sys.stderr)
    if not files:
        raise InvalidInput("FILE_OR_DIR", "no files to ingest")
    policy = ValidationPolicy(on_bad_row=args.on_bad_row, replace_smaller_day=args.replace,
                              bar_label=args.label, bar_exchange=args.exchange)
    lake = Lake.at(args.lake, policy=policy)
    workers = default_workers(len(files)) if args.workers is None else args.workers
    if workers < 1:
        raise InvalidInput("--workers", f"{args.workers} is not a positive number of processes")
    # the bar only where someone watches: rich loads for a terminal (it draws nothing into a pipe)
    if sys.stderr.isatty():
        from rich.console import Console

        results = ingest_all(lake, files, Console(stderr=True), workers)
    else:
        results = ingest_all(lake, files, None, workers)
    if args.json:
        print_json([r.to_dict() for r in results])
    else:
        from rich.console import Console

        console = Console(highlight=False)
        for result in results:
            style = {"ingested": "green", "unchanged": "cyan", "repaired": "yellow"}.get(result.status, "red")
            console.print(f"{result.name}: [{style}]{result.summary()}[/{style}]")
    return 1 if any(r.status == "rejected" for r in results) else 0
