"""AWS Secrets Manager implementation of the sdk's :class:`~vyapari.brokers.secrets.SecretsStore` port.

A secret ``name`` of the port (``zerodha/session``, ``broker-keys``) is the Secrets Manager secret
``<prefix>/<name>``, with ``prefix`` = ``vyapari/<stage>`` (``VYAPARI_SECRETS_PREFIX``). Values are
JSON objects of strings (``SecretString``). ``put`` writes a new version of an existing secret and
creates the secret the first time (the CDK app creates the stage's secrets up front, so in AWS the
create branch only serves new names and needs ``secretsmanager:CreateSecret``).

``get`` keeps what it read for ``max_age_s`` seconds (default 30) so a broker adapter checking its
session before every call does not call Secrets Manager each time; a token written by the login
callback is therefore used at most ``max_age_s`` later, without a restart. ``put`` refreshes the
cache of its own process at once. Values are never logged or put in error messages: errors name
the secret id and the AWS error code only.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from vyapari.core.errors import InvalidInput

DEFAULT_MAX_AGE_S = 30.0
CLIENT_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 5, "mode": "standard"})
_NAME = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,200}$")  # the characters Secrets Manager allows in names
BODY_LOGGERS = ("botocore.endpoint", "botocore.parsers")
"""botocore loggers that print request and response bodies (secret values) at DEBUG."""


def quiet_body_loggers() -> None:
    """Keep botocore's body-printing loggers at INFO or above, whatever the root level is."""
    for name in BODY_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level < logging.INFO:
            logger.setLevel(logging.INFO)


class SecretsManagerSecretsStore:
    """Named secrets under ``prefix`` in Secrets Manager (see the module docstring).

    Parameters
    ----------
    prefix : str
        ``vyapari/<stage>``; a trailing ``/`` is ignored.
    client : optional
        A boto3 ``secretsmanager`` client (created on first use otherwise).
    max_age_s : float
        Seconds a read value (or its absence) is reused; 0 reads through every time.
    clock : callable
        Monotonic seconds (tests pass a fake).
    """

    def __init__(
        self,
        prefix: str,
        *,
        client: Any = None,
        max_age_s: float = DEFAULT_MAX_AGE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.prefix = prefix.strip().rstrip("/")
        if not self.prefix or not _NAME.match(self.prefix):
            raise InvalidInput("VYAPARI_SECRETS_PREFIX", "must be like vyapari/<stage>")
        if max_age_s < 0:
            raise InvalidInput("max_age_s", "must be >= 0 seconds")
        self.max_age_s = max_age_s
        quiet_body_loggers()
        self._client = client
        self._clock = clock
        self._cache: dict[str, tuple[float, dict[str, str] | None]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SecretsManagerSecretsStore(prefix={self.prefix!r}, max_age_s={self.max_age_s:g})"

    @property
    def client(self) -> Any:
        """The boto3 client (created on first use)."""
        if self._client is None:
            self._client = boto3.client("secretsmanager", config=CLIENT_CONFIG)
        return self._client

    def secret_id(self, name: str) -> str:
        """The Secrets Manager name of the port's secret ``name``."""
        if not _NAME.match(name) or name.startswith("/") or ".." in name:
            raise InvalidInput("secret name", f"{name!r} is not a valid secret name")
        return f"{self.prefix}/{name}"

    def get(self, name: str) -> Mapping[str, str] | None:
        """The secret ``name`` (a copy), or None when it does not exist."""
        secret_id = self.secret_id(name)
        now = self._clock()
        with self._lock:
            cached = self._cache.get(secret_id)
        if cached is not None and now - cached[0] < self.max_age_s:
            return dict(cached[1]) if cached[1] is not None else None
        value = self._read(secret_id)
        with self._lock:
            self._cache[secret_id] = (now, value)
        return dict(value) if value is not None else None

    def _read(self, secret_id: str) -> dict[str, str] | None:
        try:
            response = self.client.get_secret_value(SecretId=secret_id)
        except ClientError as exc:
            if _code(exc) == "ResourceNotFoundException":
                return None
            raise RuntimeError(f"cannot read secret {secret_id}: {_code(exc)}") from None
        return _parse(secret_id, response.get("SecretString"))

    def put(self, name: str, value: Mapping[str, str]) -> None:
        """Store ``value`` as a new version of ``name`` (creating the secret the first time)."""
        secret_id = self.secret_id(name)
        record = {str(k): str(v) for k, v in value.items()}
        text = json.dumps(record, sort_keys=True)
        try:
            self.client.put_secret_value(SecretId=secret_id, SecretString=text)
        except ClientError as exc:
            if _code(exc) != "ResourceNotFoundException":
                raise RuntimeError(f"cannot write secret {secret_id}: {_code(exc)}") from None
            self._create(secret_id, text)
        with self._lock:
            self._cache[secret_id] = (self._clock(), record)

    def _create(self, secret_id: str, text: str) -> None:
        try:
            self.client.create_secret(
                Name=secret_id, SecretString=text, Description="vyapari secret written by the sdk"
            )
        except ClientError as exc:
            if _code(exc) != "ResourceExistsException":  # created meanwhile: write a version
                raise RuntimeError(f"cannot create secret {secret_id}: {_code(exc)}") from None
            self.client.put_secret_value(SecretId=secret_id, SecretString=text)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code") or "UnknownError")


def _parse(secret_id: str, text: Any) -> dict[str, str]:
    """A flat mapping of strings from ``SecretString``; never echoes the content on error."""
    try:
        data = json.loads(text) if isinstance(text, str) else None
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        raise InvalidInput(secret_id, "the secret is not a JSON object (a binary or plain-text secret?)")
    if any(isinstance(v, (dict, list)) for v in data.values()):
        raise InvalidInput(secret_id, "the secret's values must be strings, not nested objects")
    return {str(k): "" if v is None else str(v) for k, v in data.items()}
