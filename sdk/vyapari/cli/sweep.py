"""``vyapari sweep``: a parameter grid over a lake, ranked — the same work items the AWS
backtest workflow fans out, run on a local process pool."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from vyapari.cli._common import date_arg, print_json


def register(sub: argparse._SubParsersAction, name: str, help_text: str) -> None:
    """Add the ``sweep`` command."""
    from vyapari.cli.backtest import STRATEGY_HELP

    p = sub.add_parser(
        name,
        help=help_text,
        description=help_text + ". Results go to "
        "<lake>/runs/<run-id>/ (one folder per work item, plus ranking.json and ranking.csv); with --data, "
        "to <out>/runs/<run-id>/. The bars are read once and the grid runs on them in --workers processes; "
        "each grid point writes its item.json and summary.json, and only the --keep-top best (or, with "
        "--keep-runs, every point) their trades, orders, positions and equity. Progress goes to stderr.",
    )
    p.add_argument("--strategy", required=True, help=STRATEGY_HELP)
    p.add_argument("--params", default="{}", help="fixed parameters as JSON")
    p.add_argument(
        "--grid", required=True, help='parameter grid as JSON, e.g. \'{"k": [1.5, 2], "lookback": [20, 40]}\''
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--lake", type=Path, help="the local lake folder")
    src.add_argument("--data", type=Path, help="folder with <SYMBOL>.parquet or <SYMBOL>.csv bar files")
    p.add_argument("--out", type=Path,
                   help="folder for report.html (the ranking, a heatmap, the deflated Sharpe) and best/ "
                   "(the best run's tear sheet); with --data also for runs/<run-id>/ (default "
                   "sweep-output); with --lake the default is <lake>/runs/<run-id>/")
    p.add_argument("--start", type=date_arg, help="first session (required with --lake)")
    p.add_argument("--end", type=date_arg, help="last session (required with --lake)")
    p.add_argument("--symbols", help="comma-separated symbols (default: all the lake has)")
    p.add_argument("--exchange", default="NSE", type=str.upper, choices=["NSE", "BSE"])
    p.add_argument("--interval", default="1m")
    p.add_argument("--fees", default="zerodha")
    p.add_argument("--capital", type=float, default=1_000_000.0)
    p.add_argument("--rank-by", default="sharpe")
    p.add_argument(
        "--symbols-per-item", type=int, default=1000, help="symbols per work item (default: all in one)"
    )
    p.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    p.add_argument("--run-id", default="sweep", help="name of the run folder (default sweep)")
    keep = p.add_mutually_exclusive_group()
    keep.add_argument("--keep-top", type=int, default=1, metavar="N",
                      help="write the full result files of the N best points (default 1: the report's "
                      "tear sheet and deflated Sharpe read the best one's)")
    keep.add_argument("--keep-runs", action="store_true", help="write the full result files of every point")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def _json_arg(text: str, name: str) -> dict[str, Any]:
    from vyapari.core.errors import InvalidInput

    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(name, f"not valid JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise InvalidInput(name, "must be a JSON object")
    return value


def run(args: argparse.Namespace) -> int:
    """Plan, run with a progress bar, print the ranking."""
    from rich.progress import Progress

    from vyapari.core.errors import InvalidInput
    from vyapari.workflows.plan import BacktestRequest
    from vyapari.workflows.sweep import run_panel_sweep, run_sweep

    if args.keep_top < 0:
        raise InvalidInput("--keep-top", f"must be 0 or more, got {args.keep_top}")
    if args.workers < 1:
        raise InvalidInput("--workers", f"must be at least 1, got {args.workers}")
    keep = None if args.keep_runs else args.keep_top
    panel = None
    if args.data is not None:
        panel = _folder_panel(args)
        dates = panel.session_dates
        args.start = args.start or dates[0].astype(object)
        args.end = args.end or dates[-1].astype(object)
    elif args.start is None or args.end is None:
        raise InvalidInput("--start/--end", "required with --lake")
    request = BacktestRequest.from_dict(
        {
            "run_id": args.run_id,
            "strategy": args.strategy,
            "params": _json_arg(args.params, "--params"),
            "grid": _json_arg(args.grid, "--grid"),
            "start": args.start.isoformat(),
            "end": args.end.isoformat(),
            "symbols": args.symbols.split(",") if args.symbols else None,
            "exchange": args.exchange,
            "interval": args.interval,
            "symbols_per_item": args.symbols_per_item,
            "rank_by": args.rank_by,
            "capital_inr": args.capital,
            "fees": args.fees,
        },
        local=True,
    )
    from rich.console import Console

    with Progress(transient=True, console=Console(stderr=True)) as progress:
        task = progress.add_task(f"sweep {request.strategy}", total=None)

        def report(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        if panel is not None:
            args.out = args.out or Path("sweep-output")
            ranking = run_panel_sweep(request, panel, args.out, workers=args.workers, progress=report,
                                      keep=keep)
        else:
            ranking = run_sweep(request, args.lake, workers=args.workers, progress=report, keep=keep)
    ranking["report"] = str(_write_report(args, ranking))
    if args.json:
        print_json(ranking)
    else:
        _print(ranking)
    return 0


def _write_report(args: argparse.Namespace, ranking: dict[str, Any]) -> Path:
    """The sweep's report.html (and the best run's tear sheet in best/)."""
    from vyapari.evaluation.sweep_report import write_sweep_report

    root = args.out if args.data is not None else args.lake
    out = args.out or args.lake / "runs" / ranking["run_id"]
    return write_sweep_report(out, ranking, root)


def _folder_panel(args: argparse.Namespace) -> Any:
    from vyapari.model.enums import Exchange
    from vyapari.strategy.feed import FolderDataFeed, load_panel

    symbols = [s.strip().upper() for s in args.symbols.split(",")] if args.symbols else None
    exchange = Exchange(args.exchange)
    return load_panel(FolderDataFeed(args.data, symbols), args.start, args.end, exchange=exchange)


def _print(ranking: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"{ranking['run_id']} ({ranking.get('strategy')}): {ranking['items']} items "
        f"ranked by {ranking['rank_by']}"
    )
    for col in ("rank", "params", "fills", "pnl_inr", "sharpe", "max_drawdown"):
        table.add_column(col)
    for row in ranking["top"]:
        table.add_row(
            str(row["rank"]),
            json.dumps(row["params"]),
            str(row["fills"]),
            f"{row['pnl_inr']:,.2f}" if row["pnl_inr"] is not None else "-",
            f"{row['sharpe']:.3f}" if row["sharpe"] is not None else "-",
            f"{row['max_drawdown']:.2%}" if row["max_drawdown"] is not None else "-",
        )
    console = Console()
    console.print(table)
    console.print(
        f"deflated Sharpe of the best ({ranking['trials']} trials): {ranking['best_deflated_sharpe']}"
    )
    console.print(f"report: {ranking['report']}")
