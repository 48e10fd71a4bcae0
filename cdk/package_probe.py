"""Run inside the package check's fresh interpreter (``python -I -S``): standard library only.

``python -I -S cdk/package_probe.py '<json>'`` puts the given directories on ``sys.path`` where
the Lambda runtime has them: ``front`` before the standard library (``/var/task``, ``/opt/python``,
an image's ``PYTHONPATH``), ``back`` after it (the runtime's boto3, an image's site-packages). It
imports the handler, times the import, calls it with the fixture event and a Lambda-like context
and prints one JSON line: ``import_ms`` (wall) and ``import_cpu_ms``, ``call_ms`` and ``call_cpu_ms``
(the first call, which pays what the handler builds lazily),
``phase`` (``import`` or ``call``), ``error`` / ``error_type`` (None when it answered), ``answer``
(the status code or the result's type) and ``heavy`` (numpy/pandas/pyarrow/numba seen in sys.modules).
"""

import importlib
import json
import sys
import time
import traceback
from typing import Any

HEAVY = ("numpy", "pandas", "pyarrow", "numba", "plotly", "pandas_market_calendars")


class Context:
    """The attributes Powertools and the handlers read from a Lambda context."""

    function_name = "package-check"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:ap-south-1:123456789012:function:package-check"
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = "/aws/lambda/package-check"
    log_stream_name = "package-check"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


def main() -> None:
    spec = json.loads(sys.argv[1])
    sys.path[:0] = spec["front"]
    sys.path.extend(spec["back"])
    module_name, _, function = spec["handler"].rpartition(".")
    out: dict[str, Any] = {
        "phase": "import", "error": None, "error_type": None, "import_ms": None, "answer": None,
    }
    try:
        started, cpu = time.perf_counter(), time.process_time()
        handler = getattr(importlib.import_module(module_name), function)
        out["import_ms"] = round((time.perf_counter() - started) * 1000, 1)
        out["import_cpu_ms"] = round((time.process_time() - cpu) * 1000, 1)  # robust on a busy host
        out["phase"] = "call"
        if spec["event"] is None:
            raise SystemExit(0)
        with open(spec["event"], encoding="utf-8") as f:
            event = json.load(f)
        started, cpu = time.perf_counter(), time.process_time()
        try:
            result = handler(event, Context())
        finally:  # the first call: what an import deferred to the first request costs
            out["call_ms"] = round((time.perf_counter() - started) * 1000, 1)
            out["call_cpu_ms"] = round((time.process_time() - cpu) * 1000, 1)
        out["answer"] = result.get("statusCode", "ok") if isinstance(result, dict) else type(result).__name__
    except SystemExit:
        pass
    except BaseException as error:  # report everything, the parent decides
        out["error_type"] = type(error).__name__
        out["error"] = "".join(traceback.format_exception_only(type(error), error)).strip()[-600:]
        out["import_error"] = isinstance(error, ImportError)
    out["heavy"] = sorted(name for name in HEAVY if name in sys.modules)
    sys.stdout.flush()
    print("PACKAGE-CHECK " + json.dumps(out))


if __name__ == "__main__":
    main()
