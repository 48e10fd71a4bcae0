"""The broker login's anti-forgery ``state``: issued with the login URL, single-use, expiring.

``vyapari login <broker> --url`` (or the API's ``POST /broker/{broker}/login``) issues a random
state, stores it and puts it in the broker's login URL (Kite: inside ``redirect_params``, Upstox:
the ``state`` parameter); both brokers send it back to the login callback unchanged, which
:meth:`LoginStates.consume` accepts once, for the broker it was issued for, until it expires
(:data:`STATE_TTL_S`, 10 minutes). A callback without a state, or with one that is unknown, used or
expired, stores no session: a redirect someone else started cannot replace the owner's session.

Only the SHA-256 of a state is stored, so reading the store does not yield a usable state.
:class:`FileLoginStates` keeps them in a JSON file (mode 0600) in the local API's state folder; the
AWS implementation (a DynamoDB table) lives with the functions.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Literal, Protocol

STATE_TTL_S = 600  # seconds a login state stays valid
STATE_PATTERN = r"^[A-Za-z0-9_-]{16,128}$"  # what new_state() produces (43 characters), with room
STATES_FILE = "login-states.json"

Reason = Literal["missing", "unknown", "used", "expired", "other broker"]


class LoginStateRejected(ValueError):
    """The callback's ``state`` is not one this deployment issued and has not used (``reason``)."""

    def __init__(self, broker: str, reason: Reason) -> None:
        self.broker, self.reason = broker, reason
        hint = {"missing": "the redirect carries no state",
                "unknown": "no login was started with this state",
                "used": "this login state was already used",
                "expired": f"the login state expired ({STATE_TTL_S // 60} minutes)",
                "other broker": "the login state was issued for another broker"}[reason]
        super().__init__(f"{broker} login refused: {hint}; start it again with vyapari login {broker} --url")


def new_state() -> str:
    """A fresh random state (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def state_key(state: str) -> str:
    """The stored key of ``state``: its SHA-256 in hex."""
    return hashlib.sha256(state.encode()).hexdigest()


class LoginStates(Protocol):
    """Issued login states; ``now`` is seconds since the epoch."""

    def issue(self, broker: str, now: float, ttl_s: int = STATE_TTL_S) -> str:
        """Store and return a new state for ``broker``, valid for ``ttl_s`` seconds from ``now``."""
        ...

    def consume(self, broker: str, state: str | None, now: float) -> None:
        """Accept ``state`` once; :class:`LoginStateRejected` when missing, unknown, used or expired."""
        ...


def judge(broker: str, record: dict[str, object] | None, now: float) -> Reason | None:
    """Why a stored ``record`` (``broker``, ``expires_at``, ``used_at``) does not admit a login, or None."""
    if record is None:
        return "unknown"
    if record.get("used_at") is not None:
        return "used"
    if record.get("broker") != broker:
        return "other broker"
    expires_at = record.get("expires_at")
    if not isinstance(expires_at, int | float) or now >= float(expires_at):
        return "expired"
    return None


class FileLoginStates:
    """:class:`LoginStates` in a JSON file (``<folder>/login-states.json``, mode 0600).

    Every call locks the file (``fcntl``), re-reads it and replaces it atomically, so the CLI that
    issues and the local API server that consumes see each other's writes. Entries older than a day
    past their expiry are dropped on each write.
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.path = Path(folder) / STATES_FILE

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, dict[str, object]]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a+", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            states = json.loads(self.path.read_text(encoding="utf-8")) if self.path.is_file() else {}
            yield states
            tmp = self.path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(states, f, indent=1, sort_keys=True)
            os.replace(tmp, self.path)

    def issue(self, broker: str, now: float, ttl_s: int = STATE_TTL_S) -> str:
        """Store and return a new state for ``broker``."""
        state = new_state()
        with self._locked() as states:
            for key in [k for k, v in states.items() if float(str(v.get("expires_at", 0))) < now - 86_400]:
                del states[key]
            states[state_key(state)] = {"broker": broker, "expires_at": now + ttl_s, "used_at": None}
        return state

    def consume(self, broker: str, state: str | None, now: float) -> None:
        """Accept ``state`` once (marking it used), else :class:`LoginStateRejected`."""
        if not state:
            raise LoginStateRejected(broker, "missing")
        with self._locked() as states:
            record = states.get(state_key(state))
            reason = judge(broker, record, now)
            if record is not None and record.get("used_at") is None:
                record["used_at"] = now  # used even when refused: a state is tried once
        if reason is not None:
            raise LoginStateRejected(broker, reason)
