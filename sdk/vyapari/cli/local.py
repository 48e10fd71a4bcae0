"""``vyapari local run``: execute a workflow's ASL file locally (moto's Step Functions interpreter).

Example::

    vyapari local run backtest --lake lake --input '{"strategy": "sma_cross", "start": "2026-11-02",
        "end": "2026-11-20", "symbols": ["INFY", "TCS"], "grid": {"slow": [20, 30]}}'
    vyapari local run ingestion --lake lake --input '{"session_date": "2026-11-20"}' --mirror sample/

Lambda tasks run our handlers in this process, ECS tasks run the container command as a subprocess,
and the data goes to the lake folder (kept afterwards). Needs the ``aws`` and ``dev`` dependency groups
(boto3, moto); the runner lives in the repository's ``functions.local``, found through the
``workflow-runner`` plugin (:mod:`vyapari.cli.plugins`), so this command runs from a clone of the repository.
Exit status 0 when the execution succeeded, 1 when it failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from vyapari.cli.plugins import load_plugin
from vyapari.core.errors import InvalidInput

WORKFLOWS = ("ingestion", "backtest", "weekly-evaluation")


def register(sub: Any, name: str, help_text: str) -> None:
    """Add ``local run``."""
    parser = sub.add_parser(
        name, help=help_text, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    actions = parser.add_subparsers(dest="action", metavar="<action>", required=True)
    run = actions.add_parser("run", help="run a workflow from its statemachines/*.asl.json")
    run.add_argument("workflow", choices=WORKFLOWS)
    run.add_argument("--input", default="{}", help="execution input as JSON (default {})")
    run.add_argument("--lake", type=Path, default=Path("lake"), help="local lake folder (default ./lake)")
    run.add_argument("--mirror", help="folder or http(s) base standing in for the exchange archives")
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra handler setting, e.g. FARGATE_MIN_CELLS=1000 (repeatable)",
    )
    run.add_argument("--app-dir", type=Path, default=Path("."),
                     help="the repository clone holding functions/ (default: the current folder)")
    run.add_argument("--json", action="store_true",
                     help="print only one JSON object at the end: status, output or error and cause")
    run.set_defaults(func=run_command)


def _settings(args: argparse.Namespace) -> dict[str, str]:
    env = {"DOWNLOAD_MIRROR": str(args.mirror)} if args.mirror else {}
    for pair in args.set:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InvalidInput("--set", f"{pair!r} is not NAME=VALUE")
        env[key] = value
    return env


def run_command(args: argparse.Namespace) -> int:
    """Run the workflow, print its states as they run and the final output."""
    try:
        payload = json.loads(args.input)
    except json.JSONDecodeError as exc:
        raise InvalidInput("--input", f"not valid JSON ({exc.msg})") from None
    if not isinstance(payload, dict):
        raise InvalidInput("--input", "must be a JSON object")
    run_workflow = load_plugin("workflow-runner", app_dir=args.app_dir)
    run = run_workflow(args.workflow, payload, args.lake, env=_settings(args),
                       on_line=(lambda _line: None) if args.json else print)
    if args.json:
        print(json.dumps({"workflow": args.workflow, "status": run.status, "output": run.output,
                          "error": run.error, "cause": run.cause}, indent=2, sort_keys=True, default=str))
        return 0 if run.status == "SUCCEEDED" else 1
    print(f"\n{args.workflow}: {run.status}")
    if run.status != "SUCCEEDED":
        print(f"error: {run.error}\ncause: {run.cause}", file=sys.stderr)
        return 1
    print(json.dumps(run.output, indent=2, sort_keys=True, default=str))
    return 0
