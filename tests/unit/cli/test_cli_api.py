"""``vyapari api serve`` and ``vyapari api users``: the REST handler served over HTTP behind local sign-in.

Every test runs the real CLI in a subprocess and talks HTTP to it: users come from ``users add``,
tokens from ``POST /auth/login``, and the roles are checked by the handler's own route middlewares.
"""

from __future__ import annotations

import json
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from tests.unit.api.api_server import PASSWORD, ROOT, add_user, serve, vyapari

from vyapari.api.tokens import issue_token
from vyapari.cli.api import is_loopback
from vyapari.cli.main import main

RUN = {"name": "r", "strategy": "sma_cross", "params": {}, "symbols": ["INFY"], "start": "2025-09-26",
       "end": "2025-09-30"}


def _raw(base: str, request: bytes) -> bytes:
    """Send ``request`` as is on a new connection; the raw response (up to where the server closed)."""
    host, port = base.removeprefix("http://").split(":")
    chunks = []
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        try:
            for start in range(0, len(request), 1024):  # the server may answer and close before the end
                conn.sendall(request[start:start + 1024])
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        try:
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            pass
    return b"".join(chunks)


def test_users_file_and_token_secret_are_private(tmp_path: Path) -> None:
    add_user(tmp_path / "s", "asha", "trader")
    users = tmp_path / "s" / "users.json"
    assert stat.S_IMODE(users.stat().st_mode) == 0o600
    stored = json.loads(users.read_text())["users"]["asha"]
    assert stored["role"] == "trader" and stored["password"].startswith("$argon2id$")
    assert PASSWORD not in users.read_text()
    listed = vyapari("api", "users", "list", "--state-dir", str(tmp_path / "s"))
    assert listed.stdout.split() == ["asha", "trader"]
    as_json = vyapari("api", "users", "list", "--json", "--state-dir", str(tmp_path / "s"))
    assert json.loads(as_json.stdout) == [{"name": "asha", "role": "trader"}]
    again = vyapari("api", "users", "add", "asha", "--role", "admin", "--password-stdin", "--state-dir",
                    str(tmp_path / "s"), stdin=PASSWORD + "\n")
    assert again.returncode == 2 and "exists" in again.stderr
    short = vyapari("api", "users", "add", "ravi", "--role", "viewer", "--password-stdin", "--state-dir",
                    str(tmp_path / "s"), stdin="short\n")
    assert short.returncode == 2 and "password" in short.stderr
    users.chmod(0o644)
    shared = vyapari("api", "users", "list", "--state-dir", str(tmp_path / "s"))
    assert shared.returncode == 2 and "chmod 600" in shared.stderr


def test_first_run_creates_the_users_file_and_serves_swagger_openapi_without_sign_in(tmp_path: Path) -> None:
    with serve(tmp_path) as server:
        assert stat.S_IMODE((server.state_dir / "users.json").stat().st_mode) == 0o600
        assert stat.S_IMODE((server.state_dir / "token.secret").stat().st_mode) == 0o600
        status, page = server.call("GET", "/swagger")
        assert status == 200 and b"swagger" in page.lower()
        status, document = server.call("GET", "/openapi.json")
        assert status == 200 and "/bars" in document["paths"]
        # Swagger UI's "Authorize" takes the token of POST /auth/login (a Cognito ID token in AWS)
        assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
        assert document["security"] == [{"bearer": []}]
        status, refused = server.call("GET", "/strategies")
        assert status == 401 and "/auth/login" in refused["message"]


def test_login_token_carries_the_users_role_and_no_header_grants_one(tmp_path: Path) -> None:
    add_user(tmp_path / "api-state", "vera", "viewer")
    add_user(tmp_path / "api-state", "tara", "trader")
    with serve(tmp_path) as server:
        for name, password in (("vera", "wrong pass"), ("nobody", PASSWORD)):
            answer = server.call("POST", "/auth/login", body={"username": name, "password": password})
            assert answer[0] == 401
        assert server.call("POST", "/auth/login", raw=b"[[[", headers={"Content-Type": "x"})[0] == 400
        assert server.call("GET", "/auth/login")[0] == 405
        viewer, trader = server.login("vera"), server.login("tara")

        assert server.call("GET", "/strategies", token=viewer)[0] == 200
        # the role is checked before the body is validated: a viewer learns nothing about its shape
        status, answer = server.call("POST", "/strategy-runs", token=viewer, body={"junk": 1})
        assert (status, answer["error"]) == (403, "forbidden")
        assert server.call("POST", "/strategy-runs", token=trader, body={"junk": 1})[0] == 422
        for claim in ({"X-Vyapari-Groups": "admin"}, {"X-Amzn-Oidc-Data": "admin"}):
            assert server.call("POST", "/strategy-runs", token=viewer, body=RUN, headers=claim)[0] == 403
            assert server.call("GET", "/strategies", headers=claim)[0] == 401

        secret = (server.state_dir / "token.secret").read_text().strip().encode()
        expired = issue_token(secret, "tara", ["admin"], ttl_s=-10)
        forged = issue_token(b"not the secret", "tara", ["admin"])
        for bad in (expired, forged, viewer + "x", "a.b"):
            status, answer = server.call("GET", "/strategies", token=bad)
            assert status == 401, (bad, answer)
        assert server.call("GET", "/strategies", headers={"Authorization": f"Basic {viewer}"})[0] == 401

        removed = vyapari("api", "users", "remove", "vera", "--state-dir", str(server.state_dir))
        assert removed.returncode == 0
        assert server.call("GET", "/strategies", token=viewer)[0] == 401  # removing a user revokes its tokens


def test_bad_bodies_are_answered_4xx_not_500(tmp_path: Path) -> None:
    add_user(tmp_path / "api-state", "ada", "admin")
    with serve(tmp_path, "--max-body-bytes", "4096") as server:
        token = server.login("ada")
        for path in ("/strategies", "/strategy-runs", "/orders", "/live/kill-switch"):
            assert server.call("POST", path, token=token, raw=b"")[0] == 422, path
        deep = b"[" * 2000 + b"]" * 2000
        status, answer = server.call("POST", "/strategies", token=token, raw=deep,
                                     headers={"Content-Type": "application/json"})
        assert (status, answer["error"]) == (400, "bad_request"), answer
        status, answer = server.call("POST", "/strategies", token=token, raw=b"{" + b" " * 5000 + b"}")
        assert status == 413, answer
        auth = b"Authorization: Bearer " + token.encode() + b"\r\n"
        head = _raw(server.base, b"POST /strategies HTTP/1.1\r\nHost: x\r\n" + auth
                    + b"Content-Length: abc\r\n\r\n{}")
        assert head.startswith(b"HTTP/1.1 400"), head[:200]
        for target in (b"/strategies", b"/live/kill-switch"):  # no body, no Content-Type, no Content-Length
            bare = _raw(server.base, b"POST " + target + b" HTTP/1.1\r\nHost: x\r\n" + auth + b"\r\n")
            assert bare.startswith(b"HTTP/1.1 422"), bare[:200]
        chunked = _raw(server.base, b"POST /strategies HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                       + auth + b"\r\n2000\r\n" + b"x" * 0x2000 + b"\r\n0\r\n\r\n")
        assert chunked.startswith(b"HTTP/1.1 413"), chunked[:200]


def test_a_half_sent_request_does_not_block_other_clients(tmp_path: Path) -> None:
    add_user(tmp_path / "api-state", "vera", "viewer")
    with serve(tmp_path, "--threads", "1") as server:
        host, port = server.base.removeprefix("http://").split(":")
        stalled = []
        for _ in range(4):  # more stalled connections than worker threads
            conn = socket.create_connection((host, int(port)), timeout=30)
            conn.sendall(b"POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"user")
            stalled.append(conn)
        half_header = socket.create_connection((host, int(port)), timeout=30)
        half_header.sendall(b"GET /strategies HTTP/1.1\r\nHost: x\r\nAuthor")
        stalled.append(half_header)
        try:
            token = server.login("vera")  # urllib's 30 s timeout fails the test if the server is blocked
            assert server.call("GET", "/strategies", token=token)[0] == 200
        finally:
            for conn in stalled:
                conn.close()


def test_insecure_dev_role_is_explicit_warned_and_grants_only_that_role(tmp_path: Path) -> None:
    with serve(tmp_path, "--insecure-dev-role", "viewer") as server:
        assert server.call("GET", "/strategies")[0] == 200
        assert server.call("POST", "/strategy-runs", body=RUN)[0] == 403
        assert server.call("POST", "/live/kill-switch", body={"engaged": True, "reason": "x"})[0] == 403
        assert server.call("GET", "/strategies", token="forged.token")[0] == 401


def test_insecure_dev_role_prints_a_warning(tmp_path: Path) -> None:
    with serve(tmp_path, "--insecure-dev-role", "trader") as server:
        err = server.errors()  # printed before the address line, which serve() waited for
    assert "WARNING: --insecure-dev-role" in err and "acts as trader" in err


@pytest.mark.parametrize("extra", [[], ["--insecure-dev-role", "viewer"]])
def test_a_non_loopback_bind_is_refused_without_authentication(tmp_path: Path, extra: list[str]) -> None:
    if extra:
        add_user(tmp_path / "s", "ada", "admin")  # users exist: only the dev shortcut is refused
    done = vyapari("api", "serve", "--host", "0.0.0.0", "--port", "0", "--state-dir", str(tmp_path / "s"),
                   "--lake", str(tmp_path / "lake"), *extra)
    assert done.returncode == 2 and "not a loopback address" in done.stderr
    assert "vyapari API on" not in done.stdout


def test_loopback_addresses() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("::")


def test_cli_api_serve_names_a_bad_handler_in_one_line(capsys: pytest.CaptureFixture[str],
                                                        tmp_path: Path) -> None:
    assert main(["api", "serve", "--handler", "nohandler", "--state-dir", str(tmp_path)]) == 2
    assert "--handler" in capsys.readouterr().err


def test_serve_outside_the_repository_says_where_the_handler_lives(tmp_path: Path) -> None:
    done = vyapari("api", "serve", "--port", "0", "--state-dir", str(tmp_path / "s"),
                   "--app-dir", str(tmp_path))
    assert done.returncode == 2 and "functions/" in done.stderr and "clone" in done.stderr
    assert (ROOT / "pyproject.toml").is_file()


def test_users_add_asks_for_the_password_twice(tmp_path: Path) -> None:
    def add(lines: str) -> subprocess.CompletedProcess[str]:
        # a new session has no controlling terminal, so getpass reads the prompt's answers from stdin
        return subprocess.run([sys.executable, "-m", "vyapari.cli.main", "api", "users", "add", "ravi",
                               "--role", "viewer", "--state-dir", str(tmp_path / "s")], cwd=ROOT, input=lines,
                              capture_output=True, text=True, timeout=60, start_new_session=True, check=False)

    differ = add(f"{PASSWORD}\nsomething else\n")
    assert differ.returncode == 2 and "differ" in differ.stderr
    users = tmp_path / "s" / "users.json"
    assert not users.exists() or "ravi" not in users.read_text()
    same = add(f"{PASSWORD}\n{PASSWORD}\n")
    assert same.returncode == 0, same.stderr
    assert "password for ravi" in same.stderr + same.stdout
    assert json.loads(users.read_text())["users"]["ravi"]["role"] == "viewer"
