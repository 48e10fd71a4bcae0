"""``vyapari backtest``: run a strategy on bars from a folder or the lake and write results."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from vyapari.cli._common import date_arg, print_json

FEES_HELP = "zerodha, upstox, none or bps:N (default zerodha)"
SLIPPAGE_HELP = "none, bps:N (fixed) or volume[:LIMIT[:IMPACT]] (volume share; default none)"


def register(sub: argparse._SubParsersAction, name: str, help_text: str) -> None:
    """Add the ``backtest`` command."""
    from vyapari.strategies import STRATEGIES

    p = sub.add_parser(
        name,
        help=help_text,
        description=help_text + ". Orders fill at the next bar's "
        "open by default; all times IST; amounts in ₹.",
    )
    p.add_argument("--strategy", required=True, choices=sorted(STRATEGIES), help="strategy to run")
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
    p.add_argument("--start", type=date_arg, help="first session date (YYYY-MM-DD)")
    p.add_argument("--end", type=date_arg, help="last session date (YYYY-MM-DD)")
    p.add_argument("--fees", default="zerodha", help=FEES_HELP)
    p.add_argument("--slippage", default="none", help=SLIPPAGE_HELP)
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
    """``none``, ``bps:N`` or ``volume[:LIMIT[:IMPACT]]`` → a SlippageModel."""
    from decimal import Decimal, InvalidOperation

    from vyapari.core.errors import InvalidInput
    from vyapari.costs.slippage import FixedBpsSlippage, NoSlippage, VolumeShareSlippage

    kind, _, rest = text.strip().lower().partition(":")
    try:
        if kind == "none" and not rest:
            return NoSlippage()
        if kind == "bps" and rest:
            return FixedBpsSlippage(Decimal(rest))
        if kind == "volume":
            parts = [Decimal(x) for x in rest.split(":")] if rest else []
            return VolumeShareSlippage(*parts)
    except (InvalidOperation, TypeError):
        pass
    raise InvalidInput("--slippage", f"{text!r} is not one of: {SLIPPAGE_HELP}")


def _feed(args: argparse.Namespace) -> Any:
    from vyapari.model.enums import Exchange
    from vyapari.strategy.feed import FolderDataFeed, LakeDataFeed

    symbols = [s.strip().upper() for s in args.symbols.split(",")] if args.symbols else None
    if args.data is not None:
        return FolderDataFeed(args.data, symbols)
    return LakeDataFeed(args.lake, Exchange(args.exchange), symbols, args.interval, args.adjusted)


def run(args: argparse.Namespace) -> int:
    """Load bars, run the backtest with a progress bar, write and print the results."""
    from vyapari.backtest.config import BacktestConfig
    from vyapari.backtest.engine import run_backtest
    from vyapari.model.enums import Exchange, Segment
    from vyapari.strategies import make_strategy
    from vyapari.strategy.feed import load_panel

    strategy = make_strategy(args.strategy, _params(args.params))
    config = BacktestConfig(
        capital_inr=args.capital,
        fees=args.fees,
        slippage=slippage_from_spec(args.slippage),
        exchange=Exchange(args.exchange),
        segment=Segment(args.segment) if args.segment else None,
        fill_at=args.fill_at,
        path=args.path,
        run_id=f"{args.strategy}",
    )
    panel = load_panel(_feed(args), args.start, args.end, exchange=Exchange(args.exchange))
    result = _run_with_progress(run_backtest, strategy, panel, config, quiet=args.json)
    if args.out is not None:
        from vyapari.evaluation.run import evaluate_run_dir

        result.write(args.out)
        evaluate_run_dir(args.out)  # report.json and report.html beside the results
    if args.json:
        print_json(result.summary)
    else:
        _print_summary(result.summary, args.out)
    return 0


def _run_with_progress(run_backtest: Any, strategy: Any, panel: Any, config: Any, *, quiet: bool) -> Any:
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
    for key, value in summary["statistics"].items():
        table.add_row(key, f"{value:.4f}")
    console = Console()
    console.print(table)
    if out is not None:
        console.print(f"results written to {out}")
