"""REST API cross-cutting behaviour: 500 without a stack trace, 404s, OpenAPI and Swagger, light import."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from functions.shared.api_store import ApiServices
from openapi_spec_validator import validate

Client = Callable[..., tuple[int, Any]]


def test_unexpected_errors_are_500_with_a_request_id_only(api: ModuleType, client: Client,
                                                           services: ApiServices,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret detail /var/task/x.py")

    logged: list[tuple[str, Any]] = []
    monkeypatch.setattr(api.logger, "error", lambda msg, extra: logged.append((msg, extra)))
    monkeypatch.setattr(services.registry.records, "query", boom)
    status, body = client("GET", "/strategy-runs")
    assert status == 500
    text = json.dumps(body)
    assert "Traceback" not in text and "secret" not in text and "RuntimeError" not in text
    assert body == {"error": "internal_error", "message": "internal error; quote the request id",
                    "request_id": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "fields": []}
    [(_, extra)] = logged  # logged server-side with the (redacted) traceback and the request id
    assert extra["request_id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert "RuntimeError: secret detail" in extra["error"] and "Traceback" in extra["error"]


def test_unknown_routes_are_404_json(client: Client) -> None:
    status, body = client("GET", "/nowhere")
    assert status == 404 and body["error"] == "not_found"


def test_openapi_document_is_valid_and_lists_every_route(client: Client) -> None:
    status, document = client("GET", "/openapi.json", groups=None)
    assert status == 200
    validate(document)
    paths = document["paths"]
    for path in ("/exchanges", "/assets", "/bars", "/strategies", "/strategy-runs",
                 "/strategy-runs/{run_id}/start", "/strategy-runs/{run_id}/evaluate", "/orders",
                 "/positions", "/trades"):
        assert path in paths, path
    assert "201" in paths["/strategies"]["post"]["responses"]
    assert "202" in paths["/strategy-runs/{run_id}/start"]["post"]["responses"]


def test_swagger_ui_is_served(client: Client) -> None:
    status, page = client("GET", "/swagger", groups=None)
    assert status == 200 and "swagger" in page.lower()
    status, document = client("GET", "/swagger", query={"format": "json"}, groups=None)
    assert status == 200 and document["info"]["title"] == "vyapari API"


def test_importing_the_handler_loads_neither_pandas_nor_pyarrow(tmp_path: Path) -> None:
    code = ("import os, sys; os.environ.update(VYAPARI_API_BACKEND='local', "
            "VYAPARI_API_STATE_DIR=sys.argv[1], LAKE_URI=sys.argv[1]); import functions.api.handler; "
            "print(sorted(m for m in ('pandas', 'pyarrow') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                         check=True, cwd=str(Path(__file__).resolve().parents[3]))
    assert out.stdout.strip() == "[]"


WRITES = [("POST", "/strategies", "admin"), ("POST", "/strategy-runs", "trader"),
          ("POST", "/orders", "trader"), ("POST", "/live/kill-switch", "trader")]


@pytest.mark.parametrize(("method", "path", "needed"), WRITES)
def test_roles_are_checked_before_the_body_is_validated(client: Client, method: str, path: str,
                                                        needed: str) -> None:
    for groups, raw in (("viewer", '{"junk": 1}'), ("viewer", "[" * 5000 + "]" * 5000), (None, "not json")):
        status, body = client(method, path, groups=groups, raw_body=raw)
        assert (status, body["error"]) == (403, "forbidden"), (groups, body)
        assert f"needs the {needed} role" in body["message"] and body["fields"] == []
    status, body = client(method, path, groups=needed, raw_body='{"junk": 1}')
    assert status == 422 and body["fields"]  # the same body, from a caller with the role: validated


def test_a_body_nested_past_the_parsers_limit_is_400_not_500(client: Client) -> None:
    for raw in ("[" * 100_000 + "]" * 100_000, '{"a":' * 5_000 + "1" + "}" * 5_000):
        status, body = client("POST", "/strategies", groups="admin", raw_body=raw)
        assert (status, body["error"]) == (400, "bad_request"), body
        assert "nested too deeply" in body["message"]
