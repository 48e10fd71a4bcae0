"""An HTTP S3 endpoint that refuses presigned URLs as S3 does, in front of moto's server; and the REST
handler on its AWS wiring over HTTP (:func:`aws_api_over_http`).

moto's server serves presigned GETs without checking their SigV4 query signature or expiry. This
gate does what S3 does first: it recomputes the signature of a presigned request with botocore's own
signer (same credentials, the URL's ``X-Amz-Date``) and answers 403 ``SignatureDoesNotMatch`` when it
differs (another key, another parameter) or ``AccessDenied`` / "Request has expired" once
``X-Amz-Date + X-Amz-Expires`` has passed; every other request is forwarded to moto unchanged.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import boto3
import pytest
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from functions.shared.api_settings import ApiSettings
from functions.shared.api_store import build_services
from moto.server import ThreadedMotoServer
from tests.integration.api.conftest import REGION, TABLES, create_api_tables
from tests.unit.api.api_events import load_api_handler

CREDENTIALS = Credentials("AKIATESTING0000LINK", "testing-secret")
ASL = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}


def presigned_refusal(url: str, credentials: Credentials, region: str, now: float) -> str | None:
    """Why S3 would refuse the presigned GET ``url`` at ``now`` (UTC epoch s), or ``None``."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    fields = dict(query)
    if "X-Amz-Signature" not in fields:
        return "AccessDenied: no signature"
    signed_at = datetime.strptime(fields["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    expires = int(fields["X-Amz-Expires"])
    bare = urlunsplit(parts._replace(query=urlencode([(k, v) for k, v in query
                                                      if not k.startswith("X-Amz-")])))
    request = AWSRequest(method="GET", url=bare, headers={})
    with mock.patch("botocore.auth.get_current_datetime", return_value=signed_at.replace(tzinfo=None)):
        S3SigV4QueryAuth(credentials, "s3", region, expires=expires).add_auth(request)
    expected = dict(parse_qsl(urlsplit(request.url).query))["X-Amz-Signature"]
    if expected != fields["X-Amz-Signature"]:
        return "SignatureDoesNotMatch"
    if signed_at.timestamp() + expires < now:
        return "AccessDenied: Request has expired"
    return None


@contextmanager
def s3_gate(upstream: str, credentials: Credentials, region: str) -> Iterator[str]:
    """Serve the gate on 127.0.0.1 in front of moto's ``upstream`` URL; yields the gate's URL."""

    class Gate(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            host = self.headers.get("Host", "")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            if self.command == "GET" and "X-Amz-Signature=" in self.path:
                refusal = presigned_refusal(f"http://{host}{self.path}", credentials, region, time.time())
                if refusal is not None:
                    return self._answer(403, {"Content-Type": "application/xml"},
                                        f"<Error><Code>{refusal}</Code></Error>".encode())
            dropped = ("host", "content-length", "expect")
            headers = {k: v for k, v in self.headers.items() if k.lower() not in dropped}
            if body is not None:  # else urllib sends a form's content type, which moto would parse
                headers.setdefault("Content-Type", "application/octet-stream")
            request = urllib.request.Request(upstream + self.path, data=body, headers=headers,
                                             method=self.command)
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    return self._answer(answer.status, dict(answer.headers), answer.read())
            except urllib.error.HTTPError as error:
                return self._answer(error.code, dict(error.headers), error.read())

        def _answer(self, status: int, headers: dict[str, str], data: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                if key.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward  # noqa: N815 - the base class's names

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Gate)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join()


@contextmanager
def aws_api_over_http(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """moto's server on a free port with S3 behind :func:`s3_gate`; the API's tables, the lake bucket
    ``lake`` (``LAKE_URI=s3://lake/v1``) and the backtest machine; the REST handler built for the ``aws``
    backend on them. Yields ``{"handler", "gate"}`` (the gate's URL: the S3 endpoint links point at)."""
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    try:
        with s3_gate(f"http://{host}:{port}", CREDENTIALS, REGION) as gate:
            for key, value in {"AWS_ACCESS_KEY_ID": CREDENTIALS.access_key,
                               "AWS_SECRET_ACCESS_KEY": CREDENTIALS.secret_key, "AWS_DEFAULT_REGION": REGION,
                               "AWS_REGION": REGION, "VYAPARI_API_BACKEND": "aws",
                               "AWS_ENDPOINT_URL": f"http://{host}:{port}", "AWS_ENDPOINT_URL_S3": gate,
                               "LAKE_URI": "s3://lake/v1", **TABLES}.items():
                monkeypatch.setenv(key, value)
            create_api_tables(boto3.client("dynamodb"))
            boto3.client("s3").create_bucket(Bucket="lake",
                                             CreateBucketConfiguration={"LocationConstraint": REGION})
            machine = boto3.client("stepfunctions").create_state_machine(
                name="backtest", definition=json.dumps(ASL), roleArn="arn:aws:iam::123456789012:role/sfn")
            monkeypatch.setenv("BACKTEST_STATE_MACHINE_ARN", machine["stateMachineArn"])
            handler = load_api_handler(tmp_path, tmp_path)
            monkeypatch.setattr(handler, "SERVICES", build_services(ApiSettings.from_env()))
            yield {"handler": handler, "gate": gate}
    finally:
        moto.stop()


