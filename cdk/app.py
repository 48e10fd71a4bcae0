"""The vyapari CDK app: ``npx cdk synth`` / ``npx cdk deploy --all [-c stage=prod]``.

Run as a script (``python cdk/app.py`` from ``cdk.json``); the repository root goes first on
``sys.path`` so ``cdk.constructs`` is our package and ``constructs`` stays the library.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    sys.path[0] = str(ROOT)

import aws_cdk as cdk  # noqa: E402

from cdk.config import StageConfig, load_config  # noqa: E402
from cdk.nag import add_nag  # noqa: E402
from cdk.stacks.api import ApiStack  # noqa: E402
from cdk.stacks.compute import ComputeStack  # noqa: E402
from cdk.stacks.data import DataStack  # noqa: E402
from cdk.stacks.live import LiveStack  # noqa: E402
from cdk.stacks.monitoring import MonitoringStack  # noqa: E402
from cdk.stacks.workflows import WorkflowsStack  # noqa: E402


def build_app(app: cdk.App) -> dict[str, cdk.Stack]:
    """Add every stack of the selected stage to ``app``; returns them by short name."""
    config: StageConfig = load_config(app.node)
    env = cdk.Environment(account=app.node.try_get_context("account") or None, region=config.region)
    data = DataStack(app, config.stack_id("Data"), config=config, env=env)
    compute = ComputeStack(app, config.stack_id("Compute"), config=config, data=data, env=env)
    workflows = WorkflowsStack(
        app, config.stack_id("Workflows"), config=config, data=data, compute=compute, env=env
    )
    api = ApiStack(app, config.stack_id("Api"), config=config, data=data, workflows=workflows, env=env)
    live = LiveStack(
        app, config.stack_id("Live"), config=config, data=data, compute=compute, api=api, env=env
    )
    monitoring = MonitoringStack(
        app, config.stack_id("Monitoring"), config=config, workflows=workflows, api=api, live=live, env=env
    )
    stacks: dict[str, cdk.Stack] = {
        "data": data,
        "compute": compute,
        "workflows": workflows,
        "api": api,
        "live": live,
        "monitoring": monitoring,
    }
    for stack in stacks.values():
        cdk.Tags.of(stack).add("project", "vyapari")
        cdk.Tags.of(stack).add("stage", config.stage)
    if config.nag:
        add_nag(app, stacks, config.prefix)
    return stacks


def cdk_json_context() -> dict[str, Any]:
    """The ``context`` of ``cdk.json`` (the CLI passes it; plain ``python cdk/app.py`` and tests need it)."""
    return dict(json.loads((ROOT / "cdk.json").read_text(encoding="utf-8")).get("context", {}))


def make_app(overrides: Mapping[str, Any] | None = None, outdir: str | None = None) -> cdk.App:
    """An ``App`` with ``cdk.json``'s context below the CLI's ``-c`` values and ``overrides`` above them."""
    return cdk.App(context=cdk_json_context(), post_cli_context=dict(overrides or {}), outdir=outdir)


def main() -> None:
    """Synthesize the app into ``cdk.out``."""
    app = make_app()
    build_app(app)
    app.synth()


if __name__ == "__main__":
    main()
