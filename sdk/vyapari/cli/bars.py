"""``vyapari bars``: print bars of one symbol from a lake folder.

Example::

    vyapari bars --lake lake --symbol RELIANCE --from 2025-09-01 --to 2025-09-30 --adjusted --json

``ts`` is the bar START in IST (daily bars are stamped at their session's open: 09:15 IST, or the
Muhurat evening open); prices in ₹.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vyapari.cli._common import date_arg, print_json
from vyapari.core.errors import InvalidInput

if TYPE_CHECKING:  # pandas, the lake and rich load when the command runs, not for --help
    import pandas as pd


def register(subparsers: Any, name: str, help_text: str) -> None:
    """Add the ``bars`` sub-command to ``subparsers``."""
    parser = subparsers.add_parser(name, help=help_text, description=f"{help_text}. Bars are labelled by "
                                   "their start in IST; prices in ₹, volume in shares.")
    parser.add_argument("--lake", required=True, type=Path, help="lake folder")
    parser.add_argument("--symbol", required=True, type=str.upper, help="symbol, e.g. RELIANCE")
    parser.add_argument("--exchange", default="NSE", type=str.upper, choices=["NSE", "BSE"])
    parser.add_argument("--from", dest="start", required=True, type=date_arg, help="first session YYYY-MM-DD")
    parser.add_argument("--to", dest="end", required=True, type=date_arg, help="last session YYYY-MM-DD")
    parser.add_argument("--adjusted", action="store_true", help="adjust for splits and bonuses")
    parser.add_argument("--interval", default="1d", help="1d (default), 1m, 3m, 5m, 15m, 30m, 60m")
    parser.add_argument("--follow-series", action="store_true",
                        help="daily bars: follow the symbol across its NSE cash series EQ/BE/BZ (by ISIN "
                        "where the file has it), with a series column; without it, sessions outside EQ "
                        "are listed")
    parser.add_argument("--json", action="store_true", help="print the bars as JSON")
    parser.set_defaults(func=run)


def _records(bars: pd.DataFrame) -> list[dict[str, Any]]:
    out = [{"symbol": r.symbol, "ts": r.ts.isoformat(), "open": r.open, "high": r.high, "low": r.low,
            "close": r.close, "volume": int(r.volume)} for r in bars.itertuples(index=False)]
    if "series" in bars.columns:
        for record, series in zip(out, bars["series"].tolist(), strict=True):
            record["series"] = series
    return out


def run(args: argparse.Namespace) -> int:
    """Read and print the bars."""
    from rich.console import Console
    from rich.table import Table

    from vyapari.data.lake import Lake
    from vyapari.data.minute_bars import parse_interval

    if not args.lake.is_dir():
        raise InvalidInput("--lake", f"{args.lake} is not a folder")
    parse_interval(args.interval)
    lake = Lake.at(args.lake)
    daily = parse_interval(args.interval) == 0
    if args.follow_series and not daily:
        raise InvalidInput("--follow-series", "applies to daily bars (--interval 1d)")
    if args.follow_series:
        bars = lake.read_daily_bars(args.exchange, [args.symbol], args.start, args.end, args.adjusted,
                                    follow_series=True)
    else:
        bars = lake.read_minute_bars(args.exchange, args.symbol, args.start, args.end, args.adjusted,
                                     args.interval)
    if daily and not args.follow_series:
        from vyapari.cli.backtest import series_move_text

        for move in lake.series_moves(args.exchange, [args.symbol], args.start, args.end):
            print(series_move_text(move), file=sys.stderr)
    if args.json:
        print_json(_records(bars))
        return 0
    table = Table(title=f"{args.exchange}:{args.symbol} {args.interval}"
                  f"{' adjusted' if args.adjusted else ''} (IST, bar start)")
    for col in ("ts", "open", "high", "low", "close", "volume"):
        table.add_column(col, justify="left" if col == "ts" else "right")
    if args.follow_series:
        table.add_column("series")
    for row in _records(bars):
        prices = (f"{row[c]:.2f}" for c in ("open", "high", "low", "close"))
        table.add_row(row["ts"], *prices, str(row["volume"]), *([row["series"]] if "series" in row else []))
    Console().print(table if len(bars) else f"no bars for {args.symbol} between {args.start} and {args.end}")
    return 0
