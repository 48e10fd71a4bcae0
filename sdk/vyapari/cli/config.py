"""``vyapari config show [--json]``: the effective settings and where each came from.

Precedence: flags > environment > ``.env`` in the working directory > defaults (see
:mod:`vyapari.cli.settings`). ``--broker``, ``--capital`` and ``--fees`` are the flags
``vyapari live`` takes for the same settings, so ``config show --broker zerodha`` shows what
``vyapari live --broker zerodha`` would use. Secrets (API keys and secrets) are masked.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vyapari.cli._common import print_json


def register(sub: argparse._SubParsersAction, name: str, help_text: str) -> None:
    """Add the ``config`` command."""
    p = sub.add_parser(name, help=help_text, description=help_text + "; secrets are masked.")
    p.add_argument("action", choices=["show"], help="show the effective settings")
    p.add_argument("--broker", help="as 'vyapari live --broker' (BROKER)")
    p.add_argument("--capital", type=float, help="as 'vyapari live --capital' (PAPER_INITIAL_CAPITAL, ₹)")
    p.add_argument("--fees", help="as 'vyapari live --fees' (PAPER_FEES)")
    p.add_argument("--env-file", type=Path, default=Path(".env"), help="the .env file (default ./.env)")
    p.add_argument("--json", action="store_true", help="print JSON: [{name, value, source}, ...]")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the settings table (or JSON)."""
    from vyapari.cli.settings import describe

    flags = {"broker": args.broker, "paper_initial_capital": args.capital, "paper_fees": args.fees}
    rows = describe(flags, args.env_file)
    if args.json:
        print_json(rows)
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"vyapari settings (flags > environment > {args.env_file} > defaults)")
    for column in ("name", "value", "source"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["name"], row["value"], row["source"])
    Console().print(table)
    return 0
