"""What the light (zip) handlers import: never numpy or pandas (their package has neither); the API
and WebSocket handlers also not the X-Ray SDK (~200 ms of CPU at a cold start, measured with
``make package-check``: Lambda's active tracing already records their invocations), while the workflow
handlers trace with Powertools' Tracer, where a run's S3 and Glue calls are worth a trace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ENV = {
    "AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "ap-south-1", "AWS_LAMBDA_FUNCTION_NAME": "probe",
    "LAKE_URI": "s3://lake", "VYAPARI_API_BACKEND": "aws", "REGISTRY_TABLE": "r", "ORDERS_TABLE": "o",
    "POSITIONS_TABLE": "p", "TRADES_TABLE": "t", "CONNECTIONS_TABLE": "c", "ORDER_STATE_TABLE": "s",
    "BACKTEST_STATE_MACHINE_ARN": "arn:aws:states:ap-south-1:123456789012:stateMachine:b",
    "COGNITO_USER_POOL_ID": "ap-south-1_x", "COGNITO_APP_CLIENT_ID": "c", "WS_ENDPOINT_URL": "https://ws",
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
}
PROBE = ("import json, sys, importlib; importlib.import_module(sys.argv[1]); "
         "print(json.dumps([m for m in ('numpy', 'pandas', 'pyarrow', 'aws_xray_sdk') if m in sys.modules]))")


def _imported(module: str) -> list[str]:
    env = {**os.environ, **ENV, "PYTHONPATH": os.pathsep.join([str(ROOT / "sdk"), str(ROOT)])}
    done = subprocess.run([sys.executable, "-c", PROBE, module], capture_output=True, text=True, env=env,
                          timeout=120, check=True, cwd=ROOT)
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("name", ["api", "ws_connect", "ws_default", "ws_disconnect", "ws_publish"])
def test_api_and_websocket_handlers_import_no_numpy_pandas_or_xray(name: str) -> None:
    assert _imported(f"functions.{name}.handler") == []


@pytest.mark.parametrize("name", ["record_failure", "list_active_runs", "download_exchange_files",
                                  "plan_backtest", "aggregate_results", "publish_evaluation"])
def test_light_workflow_handlers_trace_but_import_no_numpy_or_pandas(name: str) -> None:
    assert _imported(f"functions.{name}.handler") == ["aws_xray_sdk"]


def test_planning_a_run_checks_its_strategy_reference_without_numpy() -> None:
    # plan_backtest is a light (zip) Lambda: validating the request's strategy must not load numpy
    import subprocess
    import sys

    code = ("import sys; from vyapari.workflows.plan import BacktestRequest; "
            "BacktestRequest.from_dict({'run_id': 'r', 'strategy': 'sma_cross', 'start': '2025-09-01', "
            "'end': '2025-09-05'}); print('numpy' in sys.modules, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         timeout=120)
    assert out.stdout.split() == ["False", "False"], out.stderr
