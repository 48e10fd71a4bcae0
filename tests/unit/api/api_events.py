"""Helpers of the API tests: realistic API Gateway events from tests/events/api, a Lambda context,
a small sample lake, and loading the REST handler with the local backend."""

from __future__ import annotations

import copy
import importlib
import json
import os
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote

EVENTS = Path(__file__).resolve().parents[2] / "events" / "api"
LAKE_END = date(2025, 9, 30)


class FakeContext:
    """The attributes of a Lambda context that Powertools' Logger reads."""

    function_name = "vyapari-api"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:ap-south-1:123456789012:function:vyapari-api"
    aws_request_id = "11111111-2222-3333-4444-555555555555"


def load_event(name: str) -> dict[str, Any]:
    """A recorded event by file stem."""
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


def _resource(path: str) -> tuple[str, dict[str, str] | None]:
    parts = path.strip("/").split("/")
    if parts[0] == "strategy-runs" and len(parts) == 3:
        return f"/strategy-runs/{{run_id}}/{parts[2]}", {"run_id": parts[1]}
    return path, None


def rest_event(method: str, path: str, *, query: dict[str, str] | None = None, body: Any = None,
               groups: str | None = "viewer", raw_body: str | None = None) -> dict[str, Any]:
    """A REST proxy event like API Gateway's (Cognito authorizer claims with ``groups``)."""
    event = copy.deepcopy(load_event("rest_proxy"))
    resource, params = _resource(path)
    event.update(httpMethod=method, path=path, resource=resource, pathParameters=params,
                 queryStringParameters=query or None,
                 multiValueQueryStringParameters={k: [v] for k, v in (query or {}).items()} or None,
                 body=raw_body if raw_body is not None else (json.dumps(body) if body is not None else None))
    if body is not None or raw_body is not None:
        event["headers"]["Content-Type"] = "application/json"
    context = event["requestContext"]
    context.update(httpMethod=method, resourcePath=resource, path=f"/prod{quote(path)}")
    if groups is None:
        context.pop("authorizer")
    else:
        context["authorizer"]["claims"]["cognito:groups"] = groups
    return event


def call(handler: ModuleType, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    """Invoke the REST handler; returns ``(status, decoded JSON body or text)``."""
    response = handler.lambda_handler(rest_event(method, path, **kwargs), FakeContext())
    body = response.get("body") or ""
    try:
        return response["statusCode"], json.loads(body)
    except ValueError:
        return response["statusCode"], body


def build_lake(folder: Path) -> Path:
    """Three NSE/BSE sessions of the synthetic sample (ending 2025-09-30) ingested into ``folder``."""
    from vyapari.cli.demo import ingest_sample
    from vyapari.data.sample import generate_sample

    generate_sample(folder / "sample", sessions=3, end=LAKE_END)
    ingest_sample(folder / "sample", folder / "lake")
    return folder / "lake"


def load_api_handler(state_dir: Path, lake_dir: Path) -> ModuleType:
    """``functions.api.handler`` imported with the local backend (environment restored afterwards)."""
    values = {"VYAPARI_API_BACKEND": "local", "VYAPARI_API_STATE_DIR": str(state_dir),
              "LAKE_URI": str(lake_dir), "POWERTOOLS_SERVICE_NAME": "vyapari-api"}
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        return importlib.import_module("functions.api.handler")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
