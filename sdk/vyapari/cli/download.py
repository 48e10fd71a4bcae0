"""``vyapari download``: the exchanges' archive files over a range of sessions, optionally ingested.

Example::

    vyapari download --exchange NSE --segment cm --from 2025-09-01 --to 2025-09-30 --lake lake --ingest

For each session of the exchange's calendar in the range (today at the latest) the segment's UDiFF
bhavcopy is fetched (:mod:`vyapari.data.download`, the code of the ``download_exchange_files``
Lambda: browser-like requests, retries of 429/5xx/time-outs) into ``landing/<EX>/<date>/`` of the
lake, exactly where the AWS workflow stages it. A file already there is not fetched again (resume);
a file the archive does not have (404: not published yet) is listed under ``missing``. ``--ingest``
ingests every file of the range (an already ingested one comes back ``unchanged``). ``--mirror``
takes a folder (files found by name below it) or an ``http(s)://`` host standing in for the archives.
Exit status 0 (missing files are not an error), 1 when an ingested file was rejected, 2 on bad
arguments or when the archive kept failing.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from vyapari.cli._common import date_arg, print_json
from vyapari.core.errors import InvalidInput
from vyapari.core.time import IST


def register(subparsers: Any, name: str, help_text: str) -> None:
    """Add the ``download`` sub-command to ``subparsers``."""
    p = subparsers.add_parser(name, help=help_text, description=f"{help_text}. Dates are IST sessions.")
    p.add_argument("--exchange", required=True, choices=["NSE", "BSE"], help="whose archive")
    p.add_argument("--segment", required=True, choices=["cm", "fo"], help="cash market or F&O")
    p.add_argument("--from", dest="start", type=date_arg, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="end", type=date_arg, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--lake", type=Path, required=True, help="lake folder (created if absent)")
    p.add_argument("--ingest", action="store_true", help="ingest the range's files after downloading")
    p.add_argument("--mirror", default="", help="a folder or http(s):// host to fetch from instead")
    p.add_argument("--json", action="store_true", help="print the result as JSON (no progress bar)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Download (and optionally ingest) the segment's files of every session in the range."""
    from vyapari.data.download import download_files, exchange_files, make_fetcher
    from vyapari.data.lake import Lake
    from vyapari.market.calendar import get_calendar
    from vyapari.workflows.ingestion import landing_key, stage_downloads

    end = min(args.end, datetime.now(IST).date())
    if end < args.start:
        raise InvalidInput("--to", f"{args.end} is before --from {args.start} (or in the future)")
    mirror = str(args.mirror)
    if mirror and not mirror.startswith(("http://", "https://")) and not Path(mirror).is_dir():
        raise InvalidInput("--mirror", f"{mirror} is neither a folder nor an http(s):// URL")
    sessions = [s.session_date for s in get_calendar(args.exchange).sessions(args.start, end)]
    source = f"{args.exchange}_{args.segment.upper()}"
    lake = Lake.at(args.lake)
    fetcher = make_fetcher(mirror)
    out: dict[str, list[str]] = {"downloaded": [], "present": [], "missing": []}
    staged: list[str] = []
    with Progress(TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True), transient=True,
                  disable=args.json) as progress:
        task = progress.add_task("downloading", total=len(sessions))
        for day in sessions:
            files = [f for f in exchange_files(args.exchange, day) if f.source == source]
            for file in files:
                key = landing_key(args.exchange, day, file.name)
                if lake.store.exists(key):
                    out["present"].append(file.name)
                    staged.append(key)
                    continue
                result = stage_downloads(lake.store, args.exchange, day, download_files([file], fetcher))
                out["missing"] += result["missing"]
                out["downloaded"] += [f["name"] for f in result["files"]]
                staged += [f["key"] for f in result["files"]]
            progress.update(task, description=day.isoformat(), advance=1)
    payload: dict[str, Any] = {"exchange": args.exchange, "segment": args.segment, "from": args.start,
                               "to": end, "sessions": len(sessions), **out}
    rejected = False
    if args.ingest:
        results = [lake.ingest_file(lake.store.get(key), key.rsplit("/", 1)[-1]) for key in staged]
        payload["ingested"] = [r.to_dict() for r in results]
        rejected = any(r.status == "rejected" for r in results)
    if args.json:
        print_json(payload)
    else:
        _print(payload)
    return 1 if rejected else 0


def _print(payload: dict[str, Any]) -> None:
    console = Console(highlight=False)
    console.print(f"{payload['exchange']} {payload['segment']}: {payload['sessions']} sessions "
                  f"{payload['from']} .. {payload['to']}: {len(payload['downloaded'])} downloaded, "
                  f"{len(payload['present'])} already present, {len(payload['missing'])} missing")
    for name in payload["missing"]:
        console.print(f"  missing (not published): {name}")
    for result in payload.get("ingested", []):
        style = {"ingested": "green", "unchanged": "cyan"}.get(result["status"], "red")
        console.print(f"  {result['name']}: [{style}]{result['status']}[/{style}]"
                      + (f" {result['message']}" if result["message"] else ""))
