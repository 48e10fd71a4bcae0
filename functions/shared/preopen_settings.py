"""Settings of the pre-open functions (instrument snapshot, readiness check), parsed once.

Variables:

``BROKER``
    The stage's broker (``paper``, ``zerodha``, ``upstox``): the one the readiness check checks.
``INSTRUMENT_BROKERS``
    Comma-separated brokers whose instrument dumps are snapshotted (default: ``BROKER`` when it is a
    live broker, else ``zerodha,upstox``).
``ORDER_STATE_TABLE``
    The live service's DynamoDB order-state table (kill switch, risk state).
``VYAPARI_SECRETS_PREFIX``
    ``vyapari/<stage>``: the Secrets Manager prefix of ``broker-keys`` and ``<broker>/session``.
``KITE_API_ROOT``, ``UPSTOX_INSTRUMENTS_URL``
    Override the dump hosts (tests point them at local servers).
``DOWNLOAD_TIMEOUT_S``, ``DOWNLOAD_ATTEMPTS``
    Per-request time-out (seconds) and attempts of the dump download.
``INSTRUMENTS_MAX_CHANGE``
    Largest accepted change of the row count against the live snapshot (fraction, default 0.20).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from vyapari.core.environment import process_environ

LIVE_BROKERS = ("zerodha", "upstox")


@dataclass(frozen=True)
class PreOpenSettings:
    """The pre-open functions' environment (see the module docstring)."""

    broker: str = "paper"
    instrument_brokers: tuple[str, ...] = LIVE_BROKERS
    order_state_table: str = ""
    secrets_prefix: str = ""
    kite_api_root: str = ""
    upstox_instruments_url: str = ""
    download_timeout_s: float = 60.0
    download_attempts: int = 3
    max_change: float = 0.20

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PreOpenSettings:
        """Settings from ``env`` (default: the environment over ``.env``).

        ``ValueError`` names a bad variable."""
        env = process_environ() if env is None else env
        broker = (env.get("BROKER") or "paper").strip().lower()
        default = (broker,) if broker in LIVE_BROKERS else LIVE_BROKERS
        text = env.get("INSTRUMENT_BROKERS") or ""
        listed = tuple(b.strip().lower() for b in text.split(",") if b.strip())
        unknown = [b for b in listed if b not in LIVE_BROKERS]
        if unknown:
            raise ValueError(f"INSTRUMENT_BROKERS: {unknown} not among {', '.join(LIVE_BROKERS)}")
        try:
            return cls(
                broker=broker,
                instrument_brokers=listed or default,
                order_state_table=env.get("ORDER_STATE_TABLE", ""),
                secrets_prefix=env.get("VYAPARI_SECRETS_PREFIX", ""),
                kite_api_root=env.get("KITE_API_ROOT", ""),
                upstox_instruments_url=env.get("UPSTOX_INSTRUMENTS_URL", ""),
                download_timeout_s=float(env.get("DOWNLOAD_TIMEOUT_S") or 60.0),
                download_attempts=int(env.get("DOWNLOAD_ATTEMPTS") or 3),
                max_change=float(env.get("INSTRUMENTS_MAX_CHANGE") or 0.20),
            )
        except ValueError as exc:
            raise ValueError(f"pre-open settings: {exc}") from None

    def need(self, name: str) -> str:
        """The value of string setting ``name``; ``ValueError`` naming its variable when empty."""
        value = str(getattr(self, name))
        if not value:
            variable = {"order_state_table": "ORDER_STATE_TABLE", "secrets_prefix": "VYAPARI_SECRETS_PREFIX"}
            raise ValueError(f"{variable.get(name, name)} is not set")
        return value
