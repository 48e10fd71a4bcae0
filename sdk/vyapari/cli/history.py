"""``vyapari history``: fetch a broker's historical bars into the lake; report coverage.

Examples::

    vyapari history fetch --broker zerodha --symbols RELIANCE,TCS --interval 1m \\
        --from 2025-01-01 --to 2025-06-30 --lake lake
    vyapari history coverage --broker upstox --universe nifty50.txt --from 2025-01-01 --to 2025-06-30 \\
        --lake lake --json

``fetch`` splits the range into the broker's windows, maps each symbol to the broker's instrument
token through the instrument snapshot in force on ``--to`` (``vyapari instruments publish``; without
one, the broker's own instrument list), keeps to the broker's rate limit, retries 429/5xx/time-outs,
and stores the bars (START-labelled, IST) in the lake session by session. A second run fetches only
the sessions still missing; ``--refresh`` fetches everything again (unchanged sessions are not
rewritten, changed ones are replaced and reported). Both actions end with the coverage of each symbol
against the calendar: sessions complete, with missing bars (how many), absent.

The session comes from ``vyapari login``; API keys from ``KITE_*``/``UPSTOX_*`` variables. Exit
status: 0 when every symbol was fetched, 1 when a symbol or a window failed (named), 2 on bad
arguments or an expired session (the message names the login command).
"""

from __future__ import annotations

import argparse
import os
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from vyapari.cli._common import date_arg, print_json
from vyapari.core.errors import InvalidInput
from vyapari.core.time import IST

if TYPE_CHECKING:  # the broker and instrument modules are imported when a command runs
    from vyapari.brokers.base import BrokerAdapter
    from vyapari.instruments.records import InstrumentRecord


def register(subparsers: Any, name: str, help_text: str) -> None:
    """Add the ``history`` sub-command to ``subparsers``."""
    p = subparsers.add_parser(name, help=help_text, description=f"{help_text}. Times in IST; bars are "
                              "labelled by their start minute.")
    p.add_argument("action", choices=["fetch", "coverage"], help="fetch from the broker, or only report")
    p.add_argument("--broker", required=True, choices=["zerodha", "upstox"], help="whose history API")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--symbols", help="comma-separated symbols, e.g. RELIANCE,TCS")
    which.add_argument("--universe", type=Path, help="file of symbols: one per line, or a CSV with 'symbol'")
    p.add_argument("--exchange", choices=["NSE", "BSE"], default="NSE", help="exchange (default NSE)")
    p.add_argument("--interval", default="1m", choices=["1m", "3m", "5m", "15m", "30m", "1h", "1d"],
                   help="bar interval (default 1m)")
    p.add_argument("--from", dest="start", type=date_arg, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="end", type=date_arg, required=True, metavar="YYYY-MM-DD")
    p.add_argument("--lake", type=Path, required=True, help="lake folder (created if absent)")
    p.add_argument("--refresh", action="store_true", help="fetch every session again")
    p.add_argument("--json", action="store_true", help="print the result as JSON (no progress bar)")
    p.set_defaults(func=run)


def read_symbols(args: argparse.Namespace) -> list[str]:
    """The symbols of ``--symbols`` or ``--universe`` (upper case, de-duplicated, in order)."""
    if args.symbols:
        items = args.symbols.split(",")
    else:
        if not args.universe.is_file():
            raise InvalidInput("--universe", f"{args.universe} is not a file")
        lines = [ln.split("#", 1)[0].strip() for ln in args.universe.read_text("utf-8").splitlines()]
        lines = [ln for ln in lines if ln]
        if lines and "symbol" in [c.strip().lower() for c in lines[0].split(",")]:
            column = [c.strip().lower() for c in lines[0].split(",")].index("symbol")
            lines = [ln.split(",")[column] for ln in lines[1:]]
        items = lines
    symbols = list(dict.fromkeys(s.strip().upper() for s in items if s.strip()))
    if not symbols:
        raise InvalidInput("--symbols", "no symbols given")
    return symbols


Records = dict[str, "InstrumentRecord"]


def _snapshot(lake: Path, broker: str, exchange: str, on: date) -> tuple[str | None, Records]:
    from vyapari.data.storage import LocalObjectStore
    from vyapari.instruments import InstrumentMaster, InstrumentSnapshots
    from vyapari.instruments.records import table_to_records

    snapshots = InstrumentSnapshots(LocalObjectStore(lake))
    day = InstrumentMaster(snapshots, broker).snapshot_date(on)
    if day is None:
        return None, {}
    records = table_to_records(snapshots.read(broker, day))
    return day.isoformat(), {r.instrument_id: r for r in records if r.exchange == exchange}


def build_adapter(broker: str, env: dict[str, str],
                  instruments: list[InstrumentRecord] | None) -> BrokerAdapter:
    """The broker's adapter from ``KITE_*``/``UPSTOX_*`` settings and the stored login session."""
    from vyapari.brokers.factory import secrets_store_from_settings
    from vyapari.brokers.session import SessionProvider

    provider = SessionProvider(broker, secrets_store_from_settings(env))
    if broker == "zerodha":
        from vyapari.brokers.zerodha import KiteBrokerAdapter, kite_config_from_env

        return KiteBrokerAdapter(kite_config_from_env(env), provider, instruments=instruments)
    from vyapari.brokers.upstox import UpstoxBrokerAdapter, upstox_config_from_env

    return UpstoxBrokerAdapter(upstox_config_from_env(env), provider, instruments=instruments)


def _progress(quiet: bool) -> Progress:
    return Progress(TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("windows · ETA"), TimeRemainingColumn(),
                    console=Console(stderr=True), transient=True, disable=quiet)


def _fetch(args: argparse.Namespace, symbols: list[str],
           end: date) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from vyapari.brokers.history import HistoryFetch
    from vyapari.data.storage import LocalObjectStore

    snapshot_day, records = _snapshot(args.lake, args.broker, args.exchange, end)
    env = {k: v for k, v in os.environ.items() if k.startswith(("KITE_", "UPSTOX_", "VYAPARI_"))}
    adapter = build_adapter(args.broker, env, list(records.values()) if snapshot_day else None)
    store = LocalObjectStore(args.lake)
    fetcher = HistoryFetch(adapter, args.broker, store, args.exchange, args.interval)
    results: list[dict[str, Any]] = []
    plans = {}
    for symbol in symbols:
        instrument_id = f"{args.exchange}:{symbol}"
        if snapshot_day and instrument_id not in records:
            results.append({"symbol": symbol, "instrument_id": instrument_id, "windows": 0, "requests": 0,
                            "error": f"{instrument_id} is not in the {args.broker} instrument snapshot of "
                            f"{snapshot_day}"})
            continue
        plans[symbol] = (instrument_id, fetcher.plan(symbol, args.start, end, refresh=args.refresh))
    with _progress(args.json) as progress:
        task = progress.add_task("fetching", total=sum(len(w) for _, w in plans.values()))

        def advance(symbol: str, window: tuple[date, date]) -> None:
            progress.update(task, description=symbol[:14], advance=1)

        fetcher.on_window = advance
        jobs = [(symbol, instrument_id, windows) for symbol, (instrument_id, windows) in plans.items()]
        results += [r.to_dict() for r in fetcher.fetch_all(jobs)]
    order = {s: i for i, s in enumerate(symbols)}
    results.sort(key=lambda r: order[r["symbol"]])
    return results, {"snapshot_date": snapshot_day}


def run(args: argparse.Namespace) -> int:
    """Fetch (or only measure) history and print the per-symbol result and coverage."""
    from vyapari.brokers.history import interval_minutes
    from vyapari.data.history_state import history_coverage
    from vyapari.data.storage import LocalObjectStore

    interval_minutes(args.interval)
    symbols = read_symbols(args)
    today = datetime.now(IST).date()
    end = min(args.end, today)
    if end < args.start:
        raise InvalidInput("--to", f"{args.end} is before --from {args.start} (or in the future)")
    results: list[dict[str, Any]] = []
    meta: dict[str, Any] = {}
    if args.action == "fetch":
        results, meta = _fetch(args, symbols, end)
    store = LocalObjectStore(args.lake)
    coverage = {s: history_coverage(store, args.exchange, s, args.start, end, args.interval).to_dict()
                for s in symbols}
    payload = {"broker": args.broker, "exchange": args.exchange, "interval": args.interval,
               "from": args.start, "to": end, **meta, "symbols": results, "coverage": list(coverage.values())}
    failed = [r for r in results if r.get("error") or r.get("failed_windows")]
    if args.json:
        print_json(payload)
    else:
        _print(results, list(coverage.values()))
    return 1 if failed else 0


def _print(results: list[dict[str, Any]], coverage: list[dict[str, Any]]) -> None:
    console = Console(highlight=False)
    for r in results:
        if r.get("error"):
            console.print(f"{r['symbol']}: [red]{r['error']}[/red]")
            continue
        line = (f"{r['symbol']}: {r['requests']} requests, {r['bars']} bars; sessions added {r['added']}, "
                f"replaced {r['replaced']}, unchanged {r['unchanged']}")
        console.print(line + (f" (replaced: {', '.join(r['replaced_dates'])})" if r["replaced"] else ""))
        for failure in r["failed_windows"]:
            console.print(f"  [red]window failed[/red] {failure}")
    console.print("coverage (sessions: complete / with missing bars / absent):")
    for c in coverage:
        console.print(f"  {c['symbol']:<14} {c['sessions']:>4} sessions: {c['complete']} complete, "
                      f"{len(c['partial'])} missing {c['missing_minutes']} bars, {len(c['absent'])} absent")
