"""The one code asset of every Lambda: ``functions/`` plus the ``vyapari`` sdk, staged without Docker.

The asset directory holds ``functions/`` (without the local runner) and ``vyapari/`` (copied from
``sdk/vyapari``) side by side, so handler strings like ``functions.ingest_file.handler.lambda_handler``
import ``vyapari`` from ``/var/task``. It is staged once per process into a temporary directory that CDK
fingerprints by content and copies into ``cdk.out``; third-party packages come from layers.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from aws_cdk import aws_lambda as lambda_

from cdk.paths import FUNCTIONS, SDK_PACKAGE

_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", ".mypy_cache", "local")


@lru_cache(maxsize=1)
def staged_source() -> Path:
    """The staged asset directory (created on first use, removed when the process exits)."""
    root = Path(tempfile.mkdtemp(prefix="vyapari-lambda-src-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    shutil.copytree(FUNCTIONS, root / "functions", ignore=_IGNORE)
    shutil.copytree(SDK_PACKAGE, root / "vyapari", ignore=_IGNORE)
    return root


def function_code() -> lambda_.Code:
    """The shared ``lambda.Code`` asset (identical content, so CDK uploads it once)."""
    return lambda_.Code.from_asset(str(staged_source()))


def handler_module_path(handler: str) -> Path:
    """The file a ``package.module.function`` handler string points at, e.g. ``functions/x/handler.py``."""
    module, _, _ = handler.rpartition(".")
    return FUNCTIONS.parent.joinpath(*module.split(".")).with_suffix(".py")
