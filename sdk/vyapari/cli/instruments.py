"""``vyapari instruments``: publish a broker's instrument dump as today's snapshot; look one up as of a date.

Examples
--------
``vyapari instruments publish --broker zerodha --lake ./lake --date 2026-01-05 instruments.csv.gz``
checks the dump (row count within ±20 % of the live snapshot, required columns, unique tokens) and
makes it live, or keeps the previous snapshot live and exits 1 naming the reason.
``vyapari instruments lookup --broker zerodha --lake ./lake --date 2024-06-03 NFO:NIFTY24JUNFUT
--underlying NIFTY`` prints lot size, tick size, freeze quantity, expiry and token with their source.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vyapari.cli._common import date_arg, print_json


def register(subparsers: Any, name: str, help_text: str) -> None:
    """Add the ``instruments`` sub-command to ``subparsers`` (an argparse sub-parsers action)."""
    p = subparsers.add_parser(name, help=help_text, description=help_text + ".")
    p.add_argument("action", choices=["publish", "lookup"], help="publish a dump, or look up an instrument")
    p.add_argument("target", help="dump file (publish) or instrument id such as NFO:NIFTY26JANFUT (lookup)")
    p.add_argument("--broker", required=True, choices=["zerodha", "upstox"], help="whose dump / tokens")
    p.add_argument("--lake", type=Path, required=True, help="lake folder")
    p.add_argument(
        "--date", dest="day", type=date_arg, required=True, metavar="YYYY-MM-DD", help="session date"
    )
    p.add_argument("--freeze", type=Path, help="exchange freeze-quantity CSV to merge (publish)")
    p.add_argument("--underlying", help="underlying for the lot-size fallback (lookup)")
    p.add_argument("--max-change", type=float, default=0.20, help="allowed row-count change (default 0.20)")
    p.add_argument("--json", action="store_true", help="print JSON (what this command always prints)")
    p.set_defaults(func=run)


def _publish(args: argparse.Namespace) -> int:
    from vyapari.data.storage import LocalObjectStore
    from vyapari.instruments import InstrumentSnapshots, SnapshotPolicy, apply_freeze_quantities
    from vyapari.instruments.parsers import (
        PARSERS,
        InstrumentFileError,
        ParsedMaster,
        parse_freeze_quantities,
    )

    path = Path(args.target)
    if not path.is_file():
        raise ValueError(f"{path} is not a file")
    data = path.read_bytes()
    snapshots = InstrumentSnapshots(LocalObjectStore(args.lake), SnapshotPolicy(max_change=args.max_change))
    parsed = None
    if args.freeze:
        try:
            master = PARSERS[args.broker](data)
        except InstrumentFileError:
            master = None  # publish() reparses and records the failure
        if master is not None:
            freeze = parse_freeze_quantities(args.freeze.read_text("utf-8"))
            parsed = ParsedMaster(apply_freeze_quantities(master.records, freeze), master.bad_rows)
    result = snapshots.publish(args.broker, args.day, data, path.name, parsed=parsed)
    print_json(result.to_dict())
    return 0 if result.ok else 1


def _lookup(args: argparse.Namespace) -> int:
    from vyapari.data.storage import LocalObjectStore
    from vyapari.instruments import InstrumentMaster, InstrumentNotFound, InstrumentSnapshots

    master = InstrumentMaster(InstrumentSnapshots(LocalObjectStore(args.lake)), args.broker)
    out: dict[str, Any] = {"instrument_id": args.target, "date": args.day,
                           "snapshot_date": master.snapshot_date(args.day)}
    lot = master.lot_size(args.target, args.day, underlying=args.underlying)
    out["lot_size"] = {"value": lot.value, "source": lot.source, "fallback": lot.fallback}
    for name in ("tick_size", "freeze_quantity", "expiry", "broker_token"):
        try:
            hit = getattr(master, name)(args.target, args.day)
            out[name] = {"value": hit.value, "source": hit.source, "fallback": hit.fallback}
        except InstrumentNotFound as exc:
            out[name] = {"value": None, "source": str(exc), "fallback": True}
    print_json(out)
    return 0


def run(args: argparse.Namespace) -> int:
    """Execute ``vyapari instruments``; publish exits 1 when the dump was refused."""
    return _publish(args) if args.action == "publish" else _lookup(args)
