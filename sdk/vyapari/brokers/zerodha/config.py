"""Kite Connect settings, parsed once from a mapping (``KITE_*`` variables, see ``.env.sample``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from vyapari.brokers.ratelimit import RateLimiter, RateWindow
from vyapari.brokers.redact import register_secret
from vyapari.core.errors import InvalidInput

KITE_API_ROOT = "https://api.kite.trade"
KITE_WS_ROOT = "wss://ws.kite.trade"
KITE_LOGIN_URL = "https://kite.zerodha.com/connect/login"


@dataclass(frozen=True, slots=True)
class KiteConfig:
    """Kite Connect v3 settings.

    Attributes
    ----------
    api_key, api_secret : str
        From the Kite developer console; the secret is needed only for the daily login.
    api_root, ws_root : str
        REST and websocket base URLs (overridable so tests point the real client at fakes).
    timeout_s : float
        HTTP timeout in seconds (the SDK's default is 7).
    market_protection : int
        Sent with MARKET and SL-M orders: -1 = the exchange's automatic protection, or 1–100 (%).
        Kite rejects market orders without it (pykiteconnect #242).
    orders_per_second, orders_per_minute, reads_per_second, historical_per_second : int
        Rate limits (kite.trade/docs/connect/v3/exceptions/: orders 10/s and 200–400/min,
        historical 3/s, other 10/s).
    """

    api_key: str
    api_secret: str = field(default="", repr=False)
    api_root: str = KITE_API_ROOT
    ws_root: str = KITE_WS_ROOT
    timeout_s: float = 7.0
    market_protection: int = -1
    orders_per_second: int = 10
    orders_per_minute: int = 200
    reads_per_second: int = 10
    historical_per_second: int = 3

    def __post_init__(self) -> None:
        if not self.api_key:
            raise InvalidInput("KITE_API_KEY", "is required for BROKER=zerodha")
        if self.market_protection != -1 and not 0 < self.market_protection <= 100:
            value = self.market_protection
            raise InvalidInput("KITE_MARKET_PROTECTION", f"must be -1 or 1..100, got {value}")
        register_secret(self.api_key)
        register_secret(self.api_secret)

    def rate_limiter(self) -> RateLimiter:
        """The token buckets for this key."""
        return RateLimiter({
            "order": [RateWindow(self.orders_per_second, 1.0), RateWindow(self.orders_per_minute, 60.0)],
            "read": [RateWindow(self.reads_per_second, 1.0)],
            "historical": [RateWindow(self.historical_per_second, 1.0)],
        })


def kite_config_from_env(env: Mapping[str, str]) -> KiteConfig:
    """A :class:`KiteConfig` from ``KITE_API_KEY``, ``KITE_API_SECRET``, ``KITE_API_ROOT``,
    ``KITE_WS_ROOT``, ``KITE_TIMEOUT_S``, ``KITE_MARKET_PROTECTION`` and ``KITE_ORDERS_PER_MINUTE``."""
    try:
        return KiteConfig(
            api_key=env.get("KITE_API_KEY", ""),
            api_secret=env.get("KITE_API_SECRET", ""),
            api_root=env.get("KITE_API_ROOT") or KITE_API_ROOT,
            ws_root=env.get("KITE_WS_ROOT") or KITE_WS_ROOT,
            timeout_s=float(env.get("KITE_TIMEOUT_S") or 7.0),
            market_protection=int(env.get("KITE_MARKET_PROTECTION") or -1),
            orders_per_minute=int(env.get("KITE_ORDERS_PER_MINUTE") or 200),
        )
    except ValueError as exc:
        raise InvalidInput("KITE_*", str(exc)) from None
