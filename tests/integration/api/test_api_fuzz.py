"""Fuzz the REST API from its own OpenAPI document with schemathesis: no operation may answer 500.

The handler runs in-process behind the WSGI shim of ``vyapari api serve`` (local backend, a sample
lake, admin caller so every operation is reachable). Bounded: 20 examples per operation. Operations
are driven with hypothesis directly (``schemathesis.pytest.from_fixture`` does not run under pytest 9).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from tests.unit.api.api_events import build_lake, load_api_handler

from vyapari.cli.api import wsgi_app


def _schema(root: Path) -> Any:
    handler = load_api_handler(root / "state", build_lake(root))
    return schemathesis.openapi.from_wsgi("/openapi.json", wsgi_app(handler.lambda_handler, groups="admin"))


def test_api_never_answers_500(tmp_path: Path) -> None:
    operations = [result.ok() for result in _schema(tmp_path).get_all_operations()]
    assert len(operations) >= 11

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case: Any) -> None:
            case.call_and_validate(checks=[not_a_server_error])

        fuzz()
