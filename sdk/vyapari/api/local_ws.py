"""The local WebSocket endpoint of ``vyapari api serve``: the AWS WebSocket API's protocol, on this machine.

A client connects to ``ws://<host>:<ws port>/?token=<token>`` with a token of ``POST /auth/login``
(the REST API's users and signing secret; 401 without a valid token or for a removed user, 403 for a
user without a role), then sends ``{"action": "subscribe"|"unsubscribe", "channel":
"quotes"|"orders"|"pnl", "symbols": [...]}`` and gets ``{"ok": true, "channels": {...}}`` or ``{"ok":
false, "field": ..., "error": ...}`` back, as from the ``$default`` route in AWS
(:mod:`vyapari.api.streams`). Published messages arrive as ``{"channel": ..., **message}``, exactly as
the ``ws_publish`` function and the live service send them.

What is published: every message of a ``vyapari live`` session on the live state folder, read from
its event log (:class:`~vyapari.api.local_live.EventLog`) every ``poll_s`` seconds (0.1 by default),
from the events written after the server started (or all of a log that appears later). A client that
reads too slowly loses its oldest queued messages, never slows the others.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import uuid
from collections.abc import Awaitable
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from vyapari.api.local_live import EventLog, LiveDatabase
from vyapari.api.ports import Identity, InvalidToken, MemoryRecordStore, StaleConnection, TokenVerifier
from vyapari.api.registry import now_ist
from vyapari.api.roles import Role, role_of
from vyapari.api.streams import ConnectionRegistry, parse_message
from vyapari.api.users import UserFile
from vyapari.core.errors import InvalidInput

log = logging.getLogger(__name__)
QUEUE_SIZE = 1000
"""Messages waiting for one slow client before its oldest are dropped."""
MAX_MESSAGE_BYTES = 64 * 1024


class _Poster:
    """A :class:`~vyapari.api.ports.ConnectionPoster` onto each connection's send queue."""

    def __init__(self) -> None:
        self.queues: dict[str, asyncio.Queue[bytes]] = {}

    def post(self, connection_id: str, data: bytes) -> None:
        queue = self.queues.get(connection_id)
        if queue is None:
            raise StaleConnection(connection_id)
        if queue.full():
            queue.get_nowait()  # this client is behind: drop its oldest message
        queue.put_nowait(data)


class LocalWebSocketServer:
    """Serves the WebSocket protocol (see the module docstring) on a thread of its own.

    Parameters
    ----------
    host, port : str, int
        Where to listen (port 0: any free port; :meth:`start` returns the one chosen).
    verifier : TokenVerifier
        Checks ``?token=`` (the REST API's HMAC tokens).
    users : UserFile, optional
        When given, the token's user must still exist; their role now is their role.
    events : Path
        The live state folder's event log (``live-records.sqlite``; it may appear later).
    dev_role : Role, optional
        ``--insecure-dev-role``: a connection without a token gets this role.
    poll_s : float
        Seconds between reads of the event log when it had nothing new.
    """

    def __init__(self, host: str, port: int, verifier: TokenVerifier, events: Path, *,
                 users: UserFile | None = None, dev_role: Role | None = None, poll_s: float = 0.1) -> None:
        self.host, self.port, self.verifier, self.events_path = host, port, verifier, Path(events)
        self.users, self.dev_role, self.poll_s = users, dev_role, poll_s
        self.registry = ConnectionRegistry(MemoryRecordStore())
        self.poster = _Poster()
        self._identities: dict[Any, Identity] = {}
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Future[None] | None = None
        self._thread = threading.Thread(target=self._run, name="local-ws", daemon=True)

    # ----- lifecycle ------------------------------------------------------------------------
    def start(self, timeout_s: float = 10.0) -> int:
        """Listen on a daemon thread; the port once listening (the bind error, if any, is raised)."""
        self._thread.start()
        if not self._ready.wait(timeout_s):
            raise TimeoutError(f"the WebSocket server did not start within {timeout_s} s")
        if self._error is not None:
            raise self._error
        return self.port

    def stop(self, timeout_s: float = 5.0) -> None:
        """Close every connection and stop listening."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(_resolve, stop)
        self._thread.join(timeout_s)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # a bind error reaches start(); later ones are logged
            self._error = exc
            if self._ready.is_set():
                log.error("the WebSocket server stopped: %s", type(exc).__name__)
        finally:
            self._ready.set()

    async def _main(self) -> None:
        from websockets.asyncio.server import serve

        self._loop = asyncio.get_running_loop()
        self._stop = self._loop.create_future()
        async with serve(self._connection, self.host, self.port, process_request=self._authorize,
                         max_size=MAX_MESSAGE_BYTES, server_header="vyapari") as server:
            self.port = int(next(iter(server.sockets)).getsockname()[1])
            tail = asyncio.create_task(self._tail())
            self._ready.set()
            try:
                await self._stop
            finally:
                tail.cancel()

    # ----- connections ----------------------------------------------------------------------
    def _identity(self, token: str) -> Identity | HTTPStatus:
        """The caller's identity with their current role, or the refusal's status."""
        if not token:
            if self.dev_role is not None:
                return Identity("insecure-dev", (self.dev_role.name.lower(),))
            return HTTPStatus.UNAUTHORIZED
        try:
            identity = self.verifier.verify(token)
        except InvalidToken:
            return HTTPStatus.UNAUTHORIZED
        if self.users is not None:
            user = self.users.get(identity.subject)
            if user is None:
                return HTTPStatus.UNAUTHORIZED
            identity = Identity(user.name, (user.role.name.lower(),))
        return identity if role_of(identity.groups) is not None else HTTPStatus.FORBIDDEN

    def _authorize(self, connection: Any, request: Any) -> Any:
        """``process_request``: refuse (401/403) or remember who connects; the token is never logged."""
        token = (parse_qs(urlsplit(request.path).query).get("token") or [""])[-1]
        found = self._identity(token)
        if isinstance(found, HTTPStatus):
            return connection.respond(found, f"{found.phrase.lower()}\n")
        self._identities[connection] = found
        return None

    async def _connection(self, websocket: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        identity = self._identities.pop(websocket)
        connection_id = uuid.uuid4().hex
        queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self.poster.queues[connection_id] = queue
        self.registry.connect(connection_id, identity, now_ist().isoformat())
        sender = asyncio.create_task(self._send(websocket, queue))
        try:
            async for raw in websocket:
                await websocket.send(json.dumps(self._apply(connection_id, raw)))
        except ConnectionClosed:
            pass
        finally:
            sender.cancel()
            self.poster.queues.pop(connection_id, None)
            self.registry.disconnect(connection_id)

    def _apply(self, connection_id: str, raw: str | bytes) -> dict[str, Any]:
        try:
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
            channels = self.registry.apply(connection_id, parse_message(text))
        except InvalidInput as exc:
            return {"ok": False, "field": exc.field, "error": exc.reason}
        return {"ok": True, "channels": channels}

    @staticmethod
    async def _send(websocket: Any, queue: asyncio.Queue[bytes]) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            while True:
                data = await queue.get()
                await websocket.send(data.decode())
        except ConnectionClosed:
            return

    # ----- the event log ----------------------------------------------------------------------
    async def _tail(self) -> None:
        """Fan out the live session's events as they are logged."""
        events: EventLog | None = None
        last = 0
        if self.events_path.exists():
            events = EventLog(LiveDatabase(self.events_path))
            last = await _off_loop(events.last_seq)
        while True:
            try:
                if events is None and self.events_path.exists():
                    events, last = EventLog(LiveDatabase(self.events_path)), 0  # a session's first log
                batch = [] if events is None else await _off_loop(events.after, last)
                for event in batch:
                    last = event.seq
                    try:
                        self.registry.publish(self.poster, event.channel, event.message)
                    except InvalidInput:  # not one of the channels: nobody can subscribe to it
                        log.debug("event %d on unknown channel %s skipped", event.seq, event.channel)
                if batch:
                    continue
                if events is not None and await _off_loop(events.last_seq) < last:
                    last = 0  # the log was made anew
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a locked or damaged log: try again, keep serving
                log.warning("reading the live event log failed: %s", type(exc).__name__)
            await asyncio.sleep(self.poll_s)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _off_loop(function: Any, *args: Any) -> Awaitable[Any]:
    """Run a blocking SQLite read on a worker thread."""
    return asyncio.to_thread(function, *args)
