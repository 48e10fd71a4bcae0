"""``vyapari evaluate``: the weekly target verdict of an equity curve or a backtest folder.

Exit status 0 whatever the badge (the badge is the answer, not an error); 2 on bad input.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from vyapari.cli._common import print_json


def register(sub: argparse._SubParsersAction, name: str, help_text: str) -> None:
    """Add the ``evaluate`` command."""
    p = sub.add_parser(
        name,
        help=help_text,
        description=help_text + ". Targets come from "
        "TARGET_WEEKLY_RETURN_PCT (1.0), MAX_DRAWDOWN_PCT (10.0), P95_WEEKLY_DRAWDOWN_PCT (-3.0) "
        "and TOLERANCE_PCT (20).",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--equity", type=Path, help="CSV or Parquet with timestamp,equity (naive = IST)")
    src.add_argument("--run", type=Path, help="a backtest output folder (vyapari backtest --out)")
    p.add_argument(
        "--trades", type=Path, help="with --equity: trades Parquet (ts, charges_inr, realised_pnl_inr)"
    )
    p.add_argument("--out", type=Path, help="write report.json and report.html here")
    p.add_argument("--json", action="store_true", help="print the evaluation as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Evaluate, optionally write the report, print the verdict."""
    from vyapari.evaluation.criteria import TargetCriteria
    from vyapari.evaluation.run import evaluate_equity_file, evaluate_run_dir

    criteria = TargetCriteria.from_env(os.environ)
    report = None
    if args.run is not None:
        evaluation, report = evaluate_run_dir(args.run, args.out, criteria)
    else:
        evaluation = evaluate_equity_file(args.equity, criteria, args.trades)
        if args.out is not None:
            from vyapari.evaluation.report import write_report
            from vyapari.evaluation.run import read_equity

            report = write_report(
                args.out, evaluation, read_equity(args.equity), target=criteria.weekly_return
            )
    if args.json:
        print_json(evaluation.to_dict())
        return 0
    _print(evaluation, report)
    return 0


def _print(evaluation: object, report: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    from vyapari.evaluation.weekly import WeeklyEvaluation

    assert isinstance(evaluation, WeeklyEvaluation)
    colour = {"green": "green", "amber": "yellow", "red": "red"}
    table = Table(title=f"weekly target: {len(evaluation.full_weeks)} full weeks")
    for col in ("criterion", "value", "target", "badge", "reason"):
        table.add_column(col)
    for c in evaluation.criteria:
        table.add_row(
            c.name,
            f"{c.value:.2%}",
            f"{c.target:.2%}",
            f"[{colour[c.badge.value]}]{c.badge.value}[/]",
            c.reason,
        )
    console = Console()
    console.print(table)
    console.print(f"overall: [bold {colour[evaluation.badge.value]}]{evaluation.badge.value.upper()}[/]")
    if report is not None:
        console.print(f"report: {report}")
