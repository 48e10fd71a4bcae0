"""``vyapari backtest``: run a strategy on bars from a folder or the lake and write results."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from vyapari.cli._common import date_arg, print_json

FEES_HELP = "zerodha, upstox, none or bps:N (default zerodha, as the paper broker's)"
STRATEGY_HELP = (
    "a reference strategy (sma_cross, sma_cross_bar, vwap_reversion, orb_momentum, pairs), an installed "
    "'vyapari.strategies' entry point, 'package.module:ClassName' or 'path/to/file.py:ClassName'"
)
SLIPPAGE_HELP = ("none, bps:N (fixed) or volume[:LIMIT[:IMPACT]] (volume share; default none, "
                 "as the paper broker's)")


def register(sub: argparse._SubParsersAction, name: str, help_text: str) -> None:
    """Add the ``backtest`` command."""
    p = sub.add_parser(
        name,
        help=help_text,
        description=help_text + ". Orders fill at the next bar's "
        "open by default; all times IST; amounts in ₹.",
    )
    p.add_argument("--strategy", required=True, help=STRATEGY_HELP)
    p.add_argument(
        "--params", default="{}", help='strategy parameters as JSON, e.g. \'{"fast": 20, "slow": 50}\''
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", type=Path, help="folder with <SYMBOL>.parquet or <SYMBOL>.csv bar files")
    src.add_argument("--lake", type=Path, help="root of a local curated lake (see vyapari ingest)")
    p.add_argument("--symbols", help="comma-separated symbols (default: all in the source)")
    p.add_argument("--exchange", default="NSE", type=str.upper, choices=["NSE", "BSE"])
    p.add_argument("--interval", default="1m", help="lake bar interval: 1m, 5m, 15m, ... or 1d (default 1m)")
    p.add_argument(
        "--adjusted",
        action="store_true",
        help="lake: read split/bonus-adjusted prices (research; fills at adjusted prices). Default: "
        "as-traded prices, with splits, bonuses and dividends settled on positions at their ex-dates",
    )
    p.add_argument("--follow-series", action="store_true",
                   help="lake, daily bars: follow each symbol across its NSE cash series EQ/BE/BZ (by ISIN "
                   "where the file has it); without it, sessions traded outside EQ are left out and listed")
    p.add_argument("--start", type=date_arg,
                   help="first session date (YYYY-MM-DD); --lake minute bars: default the first stored")
    p.add_argument("--end", type=date_arg,
                   help="last session date (YYYY-MM-DD); --lake minute bars: default the last stored")
    # None: the shared defaults of vyapari.costs.defaults, read when the command runs (not for --help)
    p.add_argument("--fees", default=None, help=FEES_HELP)
    p.add_argument("--slippage", default=None, help=SLIPPAGE_HELP)
    p.add_argument(
        "--segment",
        choices=["delivery", "intraday", "futures", "options"],
        help="charge segment (default: from the strategy's product, CNC→delivery, MIS→intraday)",
    )
    p.add_argument(
        "--capital", type=float, default=1_000_000.0, help="starting cash in ₹ (default 10,00,000)"
    )
    p.add_argument("--fill-at", default="next_open", choices=["next_open", "same_close"])
    p.add_argument("--path", default="auto", choices=["auto", "vector", "event"], help="engine path")
    p.add_argument("--out", type=Path,
                   help="folder for the results (Parquet), summary.json and report.json/report.html")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=run)


def _params(text: str) -> dict[str, Any]:
    from vyapari.core.errors import InvalidInput

    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput("--params", f"not valid JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise InvalidInput("--params", "must be a JSON object")
    return value


def slippage_from_spec(text: str) -> Any:
    """:func:`vyapari.costs.spec.slippage_from_spec`, its error naming ``--slippage``."""
    from vyapari.core.errors import InvalidInput
    from vyapari.costs.spec import slippage_from_spec as from_spec

    try:
        return from_spec(text)
    except InvalidInput as exc:
        raise InvalidInput("--slippage", exc.reason) from None


def _feed(args: argparse.Namespace) -> Any:
    from vyapari.model.enums import Exchange
    from vyapari.strategy.feed import FolderDataFeed, LakeDataFeed

    symbols = [s.strip().upper() for s in args.symbols.split(",")] if args.symbols else None
    if args.data is not None:
        return FolderDataFeed(args.data, symbols)
    return LakeDataFeed(args.lake, Exchange(args.exchange), symbols, args.interval, args.adjusted,
                        args.follow_series)


def run(args: argparse.Namespace) -> int:
    """Load bars, run the backtest with a progress bar, write and print the results."""
    from vyapari.backtest.config import BacktestConfig
    from vyapari.backtest.engine import run_backtest
    from vyapari.costs.defaults import DEFAULT_FEES, DEFAULT_SLIPPAGE
    from vyapari.model.enums import Exchange, Segment
    from vyapari.strategies import make_strategy
    from vyapari.strategy.feed import load_panel

    strategy = make_strategy(args.strategy, _params(args.params))
    if not args.capital > 0:
        from vyapari.core.errors import InvalidInput

        raise InvalidInput("--capital", f"must be a positive amount in ₹, got {args.capital}")
    config = BacktestConfig(
        capital_inr=args.capital,
        fees=args.fees or DEFAULT_FEES,
        slippage=slippage_from_spec(args.slippage or DEFAULT_SLIPPAGE),
        exchange=Exchange(args.exchange),
        segment=Segment(args.segment) if args.segment else None,
        fill_at=args.fill_at,
        path=args.path,
        run_id=strategy.name,
    )
    if args.follow_series and args.lake is None:
        from vyapari.core.errors import InvalidInput

        raise InvalidInput("--follow-series", "only with --lake")
    panel = load_panel(_feed(args), args.start, args.end, exchange=Exchange(args.exchange))
    _warn_series_moves(args, list(panel.symbols))
    result = _run_with_progress(run_backtest, strategy, panel, config, quiet=args.json)
    if args.out is not None:
        from vyapari.evaluation.run import evaluate_run_dir

        result.write(args.out)
        evaluate_run_dir(args.out, benchmark=_benchmark(args, panel))  # report beside the results
    for note in result.notes:  # on stderr, so --json output stays one document
        print(f"vyapari backtest: note: {note}", file=sys.stderr)
    if args.json:
        print_json(result.summary)
    else:
        _print_summary(result.summary, args.out)
    warn_unfilled(result.summary)
    warn_gaps(result.summary)
    return 0


def _benchmark(args: argparse.Namespace, panel: Any) -> Any:
    """NIFTY 50's session closes from the lake for the tear sheet, or None (a folder, no index)."""
    if args.lake is None or not len(panel.session_dates):
        return None
    from vyapari.evaluation.benchmark import lake_benchmark

    dates = panel.session_dates
    return lake_benchmark(args.lake, args.exchange, dates[0].astype(object), dates[-1].astype(object))


def warn_gaps(summary: dict[str, Any]) -> None:
    """On stderr, each run of sessions the calendar has but the data does not (a gap, not a holiday)."""
    import sys

    for gap in summary.get("data_gaps", []):
        print(f"warning: the data has no bar for {gap['sessions']} session(s) {gap['first_missing']} .. "
              f"{gap['last_missing']} (a gap, not holidays); the weekly verdict leaves the weeks it "
              "touches out", file=sys.stderr)


def _warn_series_moves(args: argparse.Namespace, symbols: list[str]) -> None:
    """On stderr, sessions an EQ-only daily lake read left out because the scrip traded in BE/BZ."""
    if args.lake is None or args.interval != "1d" or args.follow_series or args.exchange != "NSE":
        return
    from vyapari.data.lake import Lake

    requested = [s.strip().upper() for s in args.symbols.split(",")] if args.symbols else symbols
    for move in Lake.at(args.lake).series_moves("NSE", requested, args.start, args.end):
        print(series_move_text(move), file=sys.stderr)


def series_move_text(move: dict[str, Any]) -> str:
    """One line on a series move: which symbol, which series, which sessions, and the flag to use."""
    return (f"warning: {move['symbol']} traded in series {move['series']} on {move['sessions']} session(s) "
            f"{move['first']} .. {move['last']}, left out of this EQ read (a series move, not missing data); "
            "--follow-series reads across EQ/BE/BZ")


def warn_unfilled(summary: dict[str, Any]) -> None:
    """On stderr, when most orders did not fill: how many, and why (the summary's reasons)."""
    import sys

    total = int(summary.get("orders", 0))
    filled = int(summary.get("orders_by_status", {}).get("FILLED", 0))
    if total == 0 or (total - filled) * 2 <= total:
        return
    reasons = summary.get("orders_by_reason", {})
    why = "; ".join(f"{n} {r}" for r, n in sorted(reasons.items(), key=lambda x: -x[1])) or "no reason given"
    print(f"warning: {total - filled} of {total} orders did not fill in full: {why}", file=sys.stderr)


def _run_with_progress(run_backtest: Any, strategy: Any, panel: Any, config: Any, *, quiet: bool) -> Any:
    if quiet:  # no bar to draw: rich need not load
        return run_backtest(strategy, panel, config)
    from rich.progress import Progress

    with Progress(transient=True, disable=quiet) as progress:
        task = progress.add_task(f"backtest {strategy.name}", total=panel.shape[0])

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return run_backtest(strategy, panel, config, progress=report)


def _print_summary(summary: dict[str, Any], out: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{summary['strategy']} {json.dumps(summary['params'])}", show_header=False)
    for key in (
        "start",
        "end",
        "symbols",
        "bars",
        "orders",
        "fills",
        "capital_inr",
        "final_equity_inr",
        "pnl_inr",
        "charges_inr",
        "path",
    ):
        table.add_row(key, f"{summary[key]:,.2f}" if isinstance(summary[key], float) else str(summary[key]))
    for key in ("orders_by_status", "orders_by_reason"):
        counts = summary.get(key) or {}
        table.add_row(key, ", ".join(f"{k}: {v}" for k, v in counts.items()) or "-")
    for key, value in summary["statistics"].items():
        table.add_row(key, f"{value:.4f}")
    console = Console()
    console.print(table)
    if out is not None:
        console.print(f"results written to {out}")
