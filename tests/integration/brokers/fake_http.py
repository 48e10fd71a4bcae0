"""A tiny JSON HTTP server on 127.0.0.1 (ephemeral port) in a background thread, for fake brokers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    body: Any
    headers: dict[str, str]


@dataclass
class Response:
    status: int
    body: Any
    content_type: str = "application/json"
    delay_s: float = 0.0


@dataclass
class Fault:
    """Applied to the next request on ``route`` (method, path prefix): ``respond`` replaces the answer;
    ``delay_s`` delays the real answer (a time-out AFTER the broker acted)."""

    route: tuple[str, str]
    respond: Response | None = None
    delay_s: float = 0.0


Handler = Callable[[Request], Response]


@dataclass
class FakeServer:
    routes: list[tuple[str, str, Handler]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    log: list[Request] = field(default_factory=list)

    def start(self) -> str:
        server = self

        class _H(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def _do(self) -> None:
                server.dispatch(self)

            do_GET = do_POST = do_PUT = do_DELETE = _do  # noqa: N815 (http.server's names)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        port = self.httpd.server_address[1]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def add_fault(
        self, method: str, path: str, respond: Response | None = None, delay_s: float = 0.0
    ) -> None:
        self.faults.append(Fault((method, path), respond, delay_s))

    def _fault_for(self, req: Request) -> Fault | None:
        for fault in self.faults:
            if fault.route[0] == req.method and req.path.startswith(fault.route[1]):
                self.faults.remove(fault)
                return fault
        return None

    def dispatch(self, h: BaseHTTPRequestHandler) -> None:
        req = _parse(h)
        self.log.append(req)
        fault = self._fault_for(req)
        if fault is not None and fault.respond is not None:
            return _send(h, fault.respond)
        resp = next((fn(req) for m, p, fn in self.routes if m == req.method and _match(p, req.path)), None)
        resp = resp or Response(404, {"status": "error", "message": "route not found"})
        if fault is not None:
            resp.delay_s = fault.delay_s
        _send(h, resp)


def _match(pattern: str, path: str) -> bool:
    parts, actual = pattern.strip("/").split("/"), path.strip("/").split("/")
    return len(parts) == len(actual) and all(p in ("*", a) for p, a in zip(parts, actual, strict=True))


def _parse(h: BaseHTTPRequestHandler) -> Request:
    url = urlparse(h.path)
    length = int(h.headers.get("Content-Length") or 0)
    raw = h.rfile.read(length) if length else b""
    ctype = h.headers.get("Content-Type") or ""
    form: dict[str, str] = {}
    body: Any = None
    if "json" in ctype and raw:
        body = json.loads(raw)
    elif raw:
        form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
    query = {k: v[-1] for k, v in parse_qs(url.query).items()}
    return Request(h.command, url.path, query, form, body, {k.lower(): v for k, v in h.headers.items()})


def _send(h: BaseHTTPRequestHandler, resp: Response) -> None:
    if resp.delay_s:
        time.sleep(resp.delay_s)
    payload = resp.body if isinstance(resp.body, bytes) else json.dumps(resp.body).encode()
    try:
        h.send_response(resp.status)
        h.send_header("Content-Type", resp.content_type)
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        h.wfile.write(payload)
    except (BrokenPipeError, ConnectionResetError):
        pass
