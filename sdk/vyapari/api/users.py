"""Local users of ``vyapari api serve``: names, roles (viewer, trader, admin) and argon2id password hashes.

The file (``users.json`` in the API state folder) is created on first use with mode 0600 and refused
when others may read it, like an SSH key. Writes replace it atomically, so a crash leaves the old or
the new file. Passwords are hashed with argon2-cffi's defaults (argon2id, RFC 9106 low-memory profile);
a hash made with older parameters is upgraded on the next successful login.

The roles are those of the Cognito groups in AWS (:mod:`vyapari.api.roles`).
"""

from __future__ import annotations

import functools
import json
import os
import re
import stat
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vyapari.api.roles import Role
from vyapari.core.errors import InvalidInput

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024


@dataclass(frozen=True)
class User:
    """A local user: ``name`` and ``role`` (the one Cognito group it stands for)."""

    name: str
    role: Role


def _hasher() -> Any:
    try:
        from argon2 import PasswordHasher
    except ImportError as exc:
        raise InvalidInput("users", "needs the api dependency group (argon2-cffi): "
                           "pip install 'vyapari[api]'") from exc
    return PasswordHasher()


def check_private(path: Path) -> None:
    """Refuse a secret file that users other than its owner may read or write."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InvalidInput(str(path), f"is readable by others (mode {stat.S_IMODE(mode):o}); chmod 600 it")


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically with mode 0600 (a temporary file in the same folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class UserFile:
    """The users of one state folder, read from ``path`` on every call (edits apply without restart).

    Parameters
    ----------
    path : Path
        The JSON file: ``{"users": {name: {"role": ..., "password": <argon2 hash>}}}``.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def ensure(self) -> bool:
        """Create an empty file (mode 0600) when there is none; returns whether it created one."""
        if self.path.exists():
            check_private(self.path)
            return False
        write_private(self.path, json.dumps({"users": {}}, indent=2) + "\n")
        return True

    def _read(self) -> dict[str, dict[str, str]]:
        if not self.path.exists():
            return {}
        check_private(self.path)
        try:
            users = json.loads(self.path.read_text(encoding="utf-8")).get("users", {})
        except (ValueError, AttributeError) as exc:
            raise InvalidInput(str(self.path), f"not a users file ({exc})") from None
        if not isinstance(users, dict):
            raise InvalidInput(str(self.path), "'users' is not an object")
        return users

    def _write(self, users: dict[str, dict[str, str]]) -> None:
        write_private(self.path, json.dumps({"users": users}, indent=2, sort_keys=True) + "\n")

    def users(self) -> list[User]:
        """Every user, by name."""
        return [User(name, Role[str(row["role"]).upper()]) for name, row in sorted(self._read().items())]

    def get(self, name: str) -> User | None:
        """The user called ``name``, or ``None``."""
        row = self._read().get(name)
        return User(name, Role[str(row["role"]).upper()]) if row else None

    def add(self, name: str, role: Role, password: str, *, replace: bool = False) -> User:
        """Add user ``name`` with ``role`` (or, with ``replace``, change its role and password)."""
        if not NAME.fullmatch(name):
            raise InvalidInput("name", f"{name!r}: use 1-64 letters, digits, '.', '_', '@' or '-'")
        if not _is_text(password):
            raise InvalidInput("password", "is not valid Unicode text")
        if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise InvalidInput("password", f"must have {MIN_PASSWORD} to {MAX_PASSWORD} characters")
        hashed = _hasher().hash(password)
        with self._lock:
            users = self._read()
            if name in users and not replace:
                raise InvalidInput("name", f"user {name!r} exists (pass --replace to change it)")
            users[name] = {"role": role.name.lower(), "password": hashed}
            self._write(users)
        return User(name, role)

    def remove(self, name: str) -> bool:
        """Remove user ``name``; returns whether it existed (its tokens stop working at once)."""
        with self._lock:
            users = self._read()
            if users.pop(name, None) is None:
                return False
            self._write(users)
        return True

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when ``password`` is theirs, ``None`` otherwise (an unknown name costs one hash too)."""
        from argon2.exceptions import InvalidHashError, VerificationError

        if not _is_text(password):
            return None
        hasher = _hasher()
        row = self._read().get(name)
        stored = row["password"] if row else _decoy()
        try:
            hasher.verify(stored, password[:MAX_PASSWORD])
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if hasher.check_needs_rehash(stored):
            with self._lock:
                users = self._read()
                if name in users:
                    users[name]["password"] = hasher.hash(password)
                    self._write(users)
        return User(name, Role[str(row["role"]).upper()])


def _is_text(value: str) -> bool:
    """Whether ``value`` encodes as UTF-8 (a JSON ``\\ud800`` escape gives a lone surrogate that does not)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@functools.cache
def _decoy() -> str:
    """A hash of a random password (an unknown name is answered after one verification, like a known one)."""
    return str(_hasher().hash(os.urandom(16).hex()))
