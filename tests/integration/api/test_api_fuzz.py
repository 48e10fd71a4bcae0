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
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
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
        operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
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


HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
                      max_size=80).map(str.strip)
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                max_size=3), max_leaves=10)
LOGIN = st.fixed_dictionaries({}, optional={"username": st.just("ada") | st.text(max_size=10) | JSON,
                                            "password": st.text(max_size=30) | JSON}) | JSON


def test_sign_in_and_tokens_never_answer_5xx(tmp_path: Path) -> None:
    """Any Authorization header (latin-1 text, forged tokens) and any login body: 4xx, never 5xx."""
    add_user(tmp_path / "api-state", "ada", "admin")
    with serve(tmp_path) as server:
        session = requests.Session()
        session.trust_env = False
        statuses: Counter[int] = Counter()

        @given(header=HEADER_TEXT, bearer=st.booleans(), login=LOGIN)
        @example(header="\xe9t\xe9.sign\xe9", bearer=True,  # non-ASCII token; a lone surrogate password
                 login={"username": "ada", "password": "\ud800pass1234"})
        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(header: str, bearer: bool, login: Any) -> None:
            value = f"Bearer {header}" if bearer else header
            sent = {"Authorization": value} if value else {}
            answer = session.get(f"{server.base}/strategies", headers=sent)
            assert answer.status_code == 401, (value, answer.text)
            signed = session.post(f"{server.base}/auth/login", json=login)
            assert signed.status_code in (400, 401), (login, signed.text)
            statuses[answer.status_code] += 1
            statuses[signed.status_code] += 1

        fuzz()
        print(f"\nsign-in fuzz: {sum(statuses.values())} calls, statuses {dict(sorted(statuses.items()))}")
        assert statuses[401] > 60 and statuses[400] > 0 and not any(s >= 500 for s in statuses)
