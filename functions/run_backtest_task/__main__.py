"""Fargate entrypoint of a large backtest work item: ``python -m functions.run_backtest_task``.

The item comes from ``--item JSON`` or the ``WORK_ITEM`` environment variable (the workflow's container
override); the lake from ``LAKE_URI``. Same logic as the ``run_backtest_item`` Lambda. Prints the
outcome as one JSON line; exit status 0 on success, 2 on a bad item, 1 on any other failure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the item, run it, print the outcome."""
    parser = argparse.ArgumentParser(prog="python -m functions.run_backtest_task")
    parser.add_argument("--item", default=os.environ.get("WORK_ITEM", ""), help="work item JSON")
    args = parser.parse_args(argv)
    if not args.item:
        print("run_backtest_task: no work item (--item or WORK_ITEM)", file=sys.stderr)
        return 2
    from functions.shared.lake_store import build_store
    from functions.shared.settings import get_settings
    from vyapari.core.errors import InvalidInput
    from vyapari.workflows.items import run_item
    from vyapari.workflows.plan import WorkItem

    try:
        item = WorkItem.from_dict(json.loads(args.item))
    except (ValueError, InvalidInput) as exc:
        print(f"run_backtest_task: bad work item: {exc}", file=sys.stderr)
        return 2
    result = run_item(build_store(get_settings()), item)
    print(json.dumps({**result, "runner": "fargate"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
