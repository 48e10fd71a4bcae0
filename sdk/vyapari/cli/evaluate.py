"""``vyapari evaluate``: the weekly target verdict of an equity curve or a backtest folder.

Inputs: ``--equity FILE`` (CSV or Parquet with ``timestamp`` or ``ts`` and ``net_equity`` and/or
``gross_equity`` columns, or an ``equity`` column with ``--basis gross|net``: a file that does not
say is refused; naive timestamps mean IST) with optional ``--trades FILE`` (``ts``, ``charges_inr``,
``realised_pnl_inr``), or ``--run DIR`` (a backtest output folder). ``--json`` prints the
evaluation's ``to_dict()``; otherwise a table of criteria with coloured badges. ``--out DIR``
writes ``report.json`` and ``report.html`` there (nothing is written without it).

Bases: the mean weekly return target is judged gross of charges, drawdowns on net equity; both
weekly returns are shown, and every criterion says its basis.

Targets come from the environment: ``TARGET_WEEKLY_RETURN_PCT`` (1.0), ``MAX_DRAWDOWN_PCT``
(10.0), ``P95_WEEKLY_DRAWDOWN_PCT`` (−3.0), ``TOLERANCE_PCT`` (20).

Exit status: 0 whatever the badge (the badge is the answer, not a failure; read it from the
JSON ``badge`` key); 2 with a one-line error naming the file on bad input.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from vyapari.cli._common import print_json

if TYPE_CHECKING:
    from vyapari.evaluation.result import WeeklyEvaluation

BADGE_STYLE = {"green": "green", "amber": "yellow", "red": "red"}


def register(sub: argparse._SubParsersAction, name: str, help_text: str) -> None:
    """Add the ``evaluate`` command."""
    p = sub.add_parser(
        name,
        help=help_text,
        description=help_text + ". Targets come from TARGET_WEEKLY_RETURN_PCT (1.0), MAX_DRAWDOWN_PCT "
        "(10.0), P95_WEEKLY_DRAWDOWN_PCT (-3.0) and TOLERANCE_PCT (20). Exit status 0 whatever the "
        "badge, 2 on bad input.",
    )
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--equity", type=Path, help="CSV or Parquet with timestamp (or ts),equity; naive = IST")
    src.add_argument("--run", type=Path, help="a backtest output folder (equity.parquet, trades.parquet)")
    p.add_argument("--trades", type=Path, help="with --equity: trades CSV or Parquet (ts, charges_inr, ...)")
    p.add_argument("--basis", choices=["gross", "net"],
                   help="with --equity: whether its equity column is gross or net of charges (required "
                   "unless the columns are named net_equity/gross_equity)")
    p.add_argument("--out", type=Path, help="write report.json and report.html into this folder")
    p.add_argument("--json", action="store_true", help="print the evaluation as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Evaluate, optionally write the report, print the verdict; 0 whatever the badge."""
    from vyapari.core.errors import InvalidInput
    from vyapari.evaluation.criteria import TargetCriteria
    from vyapari.evaluation.run import evaluate_inputs, load_equity_file, load_run_dir, write_inputs_report

    if args.run is not None and args.trades is not None:
        raise InvalidInput("--trades", "only with --equity (a --run folder has its own trades.parquet)")
    if args.run is not None and args.basis is not None:
        raise InvalidInput("--basis", "only with --equity (a --run folder's equity is net of charges)")
    from vyapari.cli.settings import effective_environ

    criteria = TargetCriteria.from_env(effective_environ())  # flags > environment > .env
    if args.run is not None:
        inputs = load_run_dir(args.run)
    else:
        inputs = load_equity_file(args.equity, args.trades, args.basis)
    evaluation = evaluate_inputs(inputs, criteria)
    report = write_inputs_report(args.out, inputs, evaluation) if args.out is not None else None
    if args.json:
        print_json(evaluation.to_dict())
    else:
        _print(evaluation, report)
    return 0


def _print(evaluation: WeeklyEvaluation, report: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    figures = evaluation.to_dict()
    table = Table(title=f"weekly target: {figures['weeks']} full weeks")
    table.add_column("criterion", no_wrap=True, min_width=len("mean_weekly_gross_return"))
    for col in ("value", "target", "badge", "reason"):
        table.add_column(col)
    for c in figures["criteria"]:
        unit = "%" if c["name"] != "full_weeks" else ""
        basis = f" {c['basis'].split(' ')[0]}" if c.get("basis") else ""
        table.add_row(
            c["name"],
            f"{c['value']:.2f}{unit}{basis}" if c["value"] is not None else "n/a",
            f"{c['target']:.2f}{unit}",
            f"[{BADGE_STYLE[c['badge']]}]{c['badge']}[/]",
            c["reason"],
        )
    console = Console()
    console.print(table)
    if figures["partial_weeks"]:
        console.print(f"partial weeks (flagged, not judged): {', '.join(figures['partial_weeks'])}")
    for gap in figures["data_gaps"]:
        console.print(f"[yellow]data gap[/]: {gap['sessions']} session(s) {gap['first_missing']} .. "
                      f"{gap['last_missing']} have no data (not holidays); the weeks they touch are "
                      "not judged")
    net, gross = figures["mean_weekly_net_return_pct"], figures["mean_weekly_gross_return_pct"]
    win = figures["weekly_win_rate_pct"]
    if net is not None:
        shown = f"{gross:.2f}%" if gross is not None else "unknown (no charges given)"
        console.print(f"mean weekly gross return: {shown}   mean weekly net return: {net:.2f}%   "
                      f"weekly win rate (net): {win:.1f}%")
    if figures["trade_win_rate_pct"] is not None:
        console.print(f"trade win rate: {figures['trade_win_rate_pct']:.1f}%")
    badge = figures["badge"]
    console.print(f"overall: [bold {BADGE_STYLE[badge]}]{badge.upper()}[/]")
    if report is not None:
        console.print(f"report: {report}")
