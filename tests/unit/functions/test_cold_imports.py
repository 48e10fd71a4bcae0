"""The API and WebSocket handlers' cold import leaves out what they build on first use: boto3, the REST
resolver's validation models (pydantic), cryptography. Checked in a fresh interpreter per handler
(which modules are loaded, never how long it took: timings are in ``make package-check``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ENV = {"VYAPARI_API_BACKEND": "aws", "AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "ap-south-1",
       "REGISTRY_TABLE": "r", "ORDERS_TABLE": "o", "POSITIONS_TABLE": "p", "TRADES_TABLE": "t",
       "CONNECTIONS_TABLE": "c", "BACKTEST_STATE_MACHINE_ARN": "arn:aws:states:ap-south-1:1:stateMachine:b",
       "COGNITO_USER_POOL_ID": "ap-south-1_x", "COGNITO_APP_CLIENT_ID": "c", "ORDER_STATE_TABLE": "s",
       "WS_ENDPOINT_URL": "https://x.execute-api.ap-south-1.amazonaws.com/dev", "LAKE_URI": "s3://lake"}
# botocore's package itself is imported by Powertools (to register its user agent); its session is not
DEFERRED = ("boto3", "botocore.session", "pydantic", "cryptography",
            "aws_lambda_powertools.event_handler.openapi.models", "numpy", "pandas")
CODE = """
import sys
import {module}
print(",".join(m for m in {deferred!r} if m in sys.modules))
"""


@pytest.mark.parametrize("module", ["functions.api.handler", "functions.ws_connect.handler",
                                    "functions.ws_default.handler", "functions.ws_disconnect.handler",
                                    "functions.ws_publish.handler"])
def test_the_handler_imports_without_what_it_builds_on_first_use(module: str) -> None:
    env = {**os.environ, **ENV, "PYTHONPATH": os.pathsep.join([str(ROOT / "sdk"), str(ROOT)])}
    done = subprocess.run([sys.executable, "-c", CODE.format(module=module, deferred=DEFERRED)], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"{module} imports {done.stdout.strip()} at its cold start"
