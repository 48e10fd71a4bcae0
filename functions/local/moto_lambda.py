"""Make moto's docker-less Lambda run our real handlers in-process.

moto's ``LambdaSimpleBackend.invoke`` (used with ``config={"lambda": {"use_docker": False}}``) echoes the
payload. :func:`install` replaces it: the function name (or ARN) is looked up in a ``{name: module}``
table, the module's ``lambda_handler(event, context)`` is called, and an exception is reported the way
Lambda does — header ``x-amz-function-error: Unhandled`` and a ``{"errorType", "errorMessage",
"stackTrace"}`` payload — so Step Functions ``Retry``/``Catch`` on ``errorType`` work as on AWS.
"""

from __future__ import annotations

import importlib
import json
import sys
import threading
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from moto.awslambda_simple.models import LambdaSimpleBackend

Hook = Callable[[str, Any, Any], None]


@dataclass
class FakeLambdaContext:
    """The attributes of a Lambda context object that Powertools reads."""

    function_name: str
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = ""
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left: a constant 15 minutes locally."""
        return 900_000


@dataclass
class LocalLambdas:
    """Routes invocations to handler modules.

    ``before`` hooks see ``(function, event, None)`` and may raise (the error is the function's, as if
    the handler raised: how tests inject a transient failure); ``after`` hooks see ``(function, event,
    result)``.
    """

    modules: dict[str, str]
    before: list[Hook] = field(default_factory=list)
    after: list[Hook] = field(default_factory=list)
    loaded: dict[str, ModuleType] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def module(self, function: str) -> ModuleType:
        """The handler module of ``function``, imported fresh once per :func:`install` (a cold start)."""
        with self.lock:  # Parallel branches and Map iterations invoke from several threads
            if function not in self.loaded:
                name = self.modules[function]
                sys.modules.pop(name, None)
                self.loaded[function] = importlib.import_module(name)
            return self.loaded[function]

    def invoke(self, function: str, body: Any, response_headers: dict[str, str]) -> bytes:
        """Run the handler on the JSON ``body``; an error payload and header when it raises."""
        event = json.loads(body) if body else {}
        try:
            for hook in self.before:
                hook(function, event, None)
            result = self.module(function).lambda_handler(event, FakeLambdaContext(function))
        except Exception as exc:  # every handler failure becomes a Lambda function error
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(
                {
                    "errorType": type(exc).__name__,
                    "errorMessage": str(exc),
                    "stackTrace": traceback.format_exception(exc)[-5:],
                }
            ).encode()
        for hook in self.after:
            hook(function, event, result)
        return json.dumps(result, default=str).encode()


def function_name_of(name_or_arn: str) -> str:
    """``my-fn`` from ``my-fn`` or ``arn:aws:lambda:region:account:function:my-fn[:qualifier]``."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn.split(":")[6]
    return name_or_arn


@contextmanager
def install(lambdas: LocalLambdas) -> Iterator[LocalLambdas]:
    """Patch ``LambdaSimpleBackend.invoke`` for the duration of the block."""
    original = LambdaSimpleBackend.invoke

    def invoke(
        self: LambdaSimpleBackend,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: Any,
    ) -> bytes:
        name = function_name_of(function_name)
        if name not in lambdas.modules:
            return original(self, function_name, qualifier, body, headers, response_headers)  # type: ignore[return-value]
        return lambdas.invoke(name, body, response_headers)

    LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]
    try:
        yield lambdas
    finally:
        LambdaSimpleBackend.invoke = original  # type: ignore[method-assign]
