"""``vyapari sample``: write seeded synthetic market data (NIFTY 50 and SENSEX) for the demo.

Example::

    vyapari sample --out sample --sessions 30 --end 2025-10-24 --seed 7

Writes NSE bhavcopies (UDiFF and legacy layouts), BSE UDiFF bhavcopies, NSE F&O UDiFF bhavcopies, a
corporate-actions CSV (a split and a bonus among them), 1-minute bars ``minute/<SYMBOL>.parquet``
consistent with each day, and Kite/Upstox instrument dumps (``instruments/``) of the last session.
Everything ingests (``vyapari ingest``) or publishes (``vyapari instruments publish``) as is.
Reruns with the same arguments are byte-identical.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vyapari.cli._common import date_arg, positive_int_arg, print_json


def register(subparsers: Any, name: str, help_text: str) -> None:
    """Add the ``sample`` sub-command to ``subparsers``."""
    parser = subparsers.add_parser(name, help=help_text, description=f"{help_text}. Sessions come from "
                                   "the real NSE calendar (Muhurat and weekend sessions included).")
    parser.add_argument("--out", required=True, type=Path, help="output folder")
    parser.add_argument("--sessions", type=positive_int_arg, default=30, help="number of sessions (30)")
    parser.add_argument("--end", type=date_arg, default=None, help="last session on or before (today IST)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (7)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Generate the sample and print what was written."""
    from vyapari.data.sample import generate_sample

    summary = generate_sample(args.out, args.sessions, args.end, args.seed)
    payload = {"out": str(summary.out), "sessions": len(summary.sessions),
               "first_session": summary.sessions[0], "last_session": summary.sessions[-1],
               "files": len(summary.files)}
    if args.json:
        print_json(payload)
    else:
        print(f"wrote {payload['files']} files for {payload['sessions']} sessions "
              f"({payload['first_session']} .. {payload['last_session']}) to {payload['out']}")
    return 0
