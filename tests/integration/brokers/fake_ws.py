"""A minimal RFC 6455 websocket server (stdlib only) on 127.0.0.1 for fake tick feeds.

Records every message a client sends, can push binary frames to the current client and
can drop the connection abruptly (no close frame, as a network failure does).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _frame(opcode: int, payload: bytes) -> bytes:
    head = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        return head + bytes([n]) + payload
    if n < 65536:
        return head + bytes([126]) + struct.pack(">H", n) + payload
    return head + bytes([127]) + struct.pack(">Q", n) + payload


def _recv_exact(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


class FakeWebSocketServer:
    def __init__(self) -> None:
        self.sock: socket.socket = socket.create_server(("127.0.0.1", 0))
        self.url: str = f"ws://127.0.0.1:{self.sock.getsockname()[1]}/"
        self.received: list[tuple[int, bytes]] = []  # (connection number, payload)
        self.opcodes: list[int] = []  # of each message in `received`: 1 text, 2 binary
        # refuse(headers) -> a status line such as "401 Unauthorized" to refuse that handshake with
        self.refuse: Callable[[dict[str, str]], str | None] | None = None
        self.request_lines: list[str] = []
        self.headers: list[dict[str, str]] = []
        self.connections = 0
        self._conn: socket.socket | None = None
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _handshake(self, conn: socket.socket) -> None:
        raw = b""
        while b"\r\n\r\n" not in raw:
            chunk = conn.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            raw += chunk
        lines = raw.decode().split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
        self.request_lines.append(lines[0])
        self.headers.append(headers)
        refusal = self.refuse(headers) if self.refuse is not None else None
        if refusal:
            conn.sendall(f"HTTP/1.1 {refusal}\r\nContent-Length: 0\r\n\r\n".encode())
            raise ConnectionError(refusal)
        accept = base64.b64encode(hashlib.sha1((headers["sec-websocket-key"] + _GUID).encode()).digest())
        conn.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )

    def _serve(self, conn: socket.socket) -> None:
        try:
            self._handshake(conn)
            with self._lock:
                self.connections += 1
                number = self.connections
                self._conn = conn
            while True:
                b1, b2 = _recv_exact(conn, 2)
                n = b2 & 0x7F
                if n == 126:
                    (n,) = struct.unpack(">H", _recv_exact(conn, 2))
                elif n == 127:
                    (n,) = struct.unpack(">Q", _recv_exact(conn, 8))
                mask = _recv_exact(conn, 4) if b2 & 0x80 else b"\0\0\0\0"
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(_recv_exact(conn, n)))
                opcode = b1 & 0x0F
                if opcode == 8:
                    conn.sendall(_frame(8, payload[:2]))
                    return
                if opcode in (1, 2):
                    self.received.append((number, payload))
                    self.opcodes.append(opcode)
        except (ConnectionError, OSError):
            return

    def send_binary(self, payload: bytes) -> None:
        assert self._conn is not None
        self._conn.sendall(_frame(2, payload))

    def drop(self) -> None:
        """Kill the current connection without a close frame."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError):  # the client already closed it (ENOTCONN after a reset)
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def close(self) -> None:
        self.drop()
        self.sock.close()

    def wait_for(self, predicate: Any, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            time.sleep(0.01)
