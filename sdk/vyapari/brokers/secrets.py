"""The secrets port: where the daily broker session (access token) is kept.

:class:`SecretsStore` is a small Protocol; the sdk ships :class:`LocalFileSecretsStore`
(a JSON file readable by its owner only, mode 0600) and :class:`InMemorySecretsStore`.
The AWS Secrets Manager implementation lives in ``functions/shared`` (the sdk never
imports boto3). Adapters read through the port on every session check, so a token
written by ``vyapari login`` (or the login callback) is used without a restart.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from vyapari.core.errors import InvalidInput

FILE_MODE = 0o600


class SecretsStore(Protocol):
    """Named secrets, each a flat mapping of strings."""

    def get(self, name: str) -> Mapping[str, str] | None:
        """The secret called ``name``, or None when absent."""
        ...

    def put(self, name: str, value: Mapping[str, str]) -> None:
        """Create or replace the secret called ``name``."""
        ...


class InMemorySecretsStore:
    """A process-local store (tests, paper trading)."""

    def __init__(self, initial: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self._data: dict[str, dict[str, str]] = {k: dict(v) for k, v in (initial or {}).items()}
        self._lock = threading.Lock()

    def get(self, name: str) -> Mapping[str, str] | None:
        """A copy of the secret ``name`` or None."""
        with self._lock:
            value = self._data.get(name)
            return dict(value) if value is not None else None

    def put(self, name: str, value: Mapping[str, str]) -> None:
        """Store a copy of ``value`` under ``name``."""
        with self._lock:
            self._data[name] = dict(value)


class LocalFileSecretsStore:
    """Secrets in one JSON file ``{name: {key: value}}`` with mode 0600, replaced atomically.

    Parameters
    ----------
    path : Path
        The file; its directory is created (mode 0700) when missing.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def _read_all(self) -> dict[str, dict[str, str]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise InvalidInput("secrets_file", f"{self.path.name} is not valid JSON") from None
        if not isinstance(data, dict):
            raise InvalidInput("secrets_file", f"{self.path.name} must hold a JSON object")
        return data

    def get(self, name: str) -> Mapping[str, str] | None:
        """The secret ``name`` read from the file now (not cached), or None."""
        value = self._read_all().get(name)
        return dict(value) if isinstance(value, dict) else None

    def put(self, name: str, value: Mapping[str, str]) -> None:
        """Write ``name`` into the file atomically; the file ends with mode 0600."""
        data = self._read_all()
        data[name] = dict(value)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".secrets-", dir=self.path.parent)
        try:
            os.fchmod(fd, FILE_MODE)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2, sort_keys=True)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        os.chmod(self.path, FILE_MODE)
