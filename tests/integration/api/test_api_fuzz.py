"""Fuzz ``vyapari api serve`` over HTTP from its own OpenAPI document with schemathesis: no 5xx, ever.

The server runs as a subprocess (waitress, local sign-in, the REST handler with the local backend
and a sample lake). Every operation is fuzzed twice, signed in as an admin (every operation
reachable) and as a viewer (writes refused before validation), with bodies, queries and headers
schemathesis generates, plus bodies without a content type. Bounded: 12 examples per operation and
role. Operations are driven with hypothesis directly (``schemathesis.pytest.from_fixture`` does not
run under pytest 9). The counts are printed (``-s``) for the record.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from tests.unit.api.api_events import build_lake
from tests.unit.api.api_server import add_user, serve

EXAMPLES = 12


def _fuzz(operation: Any, base: str, session: requests.Session, headers: dict[str, str],
          statuses: Counter[int]) -> None:
    """Call ``operation`` with ``EXAMPLES`` generated cases; count the statuses; fail on a 5xx."""

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def fuzz(case: Any) -> None:
        response = case.call_and_validate(base_url=base, session=session, headers=headers,
                                          checks=[not_a_server_error])
        statuses[response.status_code] += 1

    fuzz()


def test_local_server_never_answers_5xx_to_admin_or_viewer(tmp_path: Path) -> None:
    add_user(tmp_path / "api-state", "ada", "admin")
    add_user(tmp_path / "api-state", "vera", "viewer")
    with serve(tmp_path, lake=build_lake(tmp_path)) as server:
        schema = schemathesis.openapi.from_url(f"{server.base}/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 11
        session = requests.Session()
        session.trust_env = False
        statuses: Counter[int] = Counter()

        for role, name in (("admin", "ada"), ("viewer", "vera")):
            headers = {"Authorization": f"Bearer {server.login(name)}"}
            for operation in operations:
                _fuzz(operation, server.base, session, headers, statuses)
                if operation.method.upper() in ("POST", "PUT", "PATCH"):  # a body without a content type
                    bare = session.request(operation.method.upper(), server.base + operation.path.replace(
                        "{run_id}", "r1"), data=b"", headers=headers)
                    statuses[bare.status_code] += 1
                    assert bare.status_code < 500, (operation.path, bare.text)
            if role == "viewer":
                assert statuses[200] > 0 and statuses[403] > 0
        calls, errors = sum(statuses.values()), sum(n for s, n in statuses.items() if s >= 500)
        print(f"\nfuzzed {calls} calls over {len(operations)} operations as admin and viewer: "
              f"{errors} answered 5xx; statuses {dict(sorted(statuses.items()))}")
        assert errors == 0 and calls >= 2 * len(operations) * 5
