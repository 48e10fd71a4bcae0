"""Upstox settings, parsed once from a mapping (``UPSTOX_*`` variables, see ``.env.sample``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from vyapari.brokers.ratelimit import RateLimiter, RateWindow
from vyapari.brokers.redact import register_secret
from vyapari.core.errors import InvalidInput

UPSTOX_API_HOST = "https://api.upstox.com"
UPSTOX_ORDER_HOST = "https://api-hft.upstox.com"
UPSTOX_WS_URL = "wss://api.upstox.com/v3/feed/market-data-feed"
UPSTOX_INSTRUMENTS_URL = "https://assets.upstox.com/market-quote/instruments/exchange/complete.json.gz"
UPSTOX_LOGIN_URL = "https://api.upstox.com/v2/login/authorization/dialog"


@dataclass(frozen=True, slots=True)
class UpstoxConfig:
    """Upstox API v2/v3 settings.

    Attributes
    ----------
    api_key, api_secret, redirect_uri : str
        The app's client id, secret and registered redirect URL (secret: login only).
    api_host, order_host : str
        REST hosts; the SDK sends order calls to ``order_host`` (``api-hft``).
    ws_url : str
        The v3 market-data feed socket.
    instruments_url : str
        The instrument master (JSON, optionally gzipped) mapping ``NSE:INFY`` to ``NSE_EQ|<ISIN>``.
    timeout_s : float
        HTTP timeout in seconds.
    orders_per_second, orders_per_minute, orders_per_30_minutes, reads_per_second : int
        Rate limits (upstox.com/developer/api-documentation/rate-limiting: order APIs
        10/s, 500/min, 2 000/30 min for regular algos).
    """

    api_key: str
    api_secret: str = field(default="", repr=False)
    redirect_uri: str = ""
    api_host: str = UPSTOX_API_HOST
    order_host: str = UPSTOX_ORDER_HOST
    ws_url: str = UPSTOX_WS_URL
    instruments_url: str = UPSTOX_INSTRUMENTS_URL
    timeout_s: float = 7.0
    orders_per_second: int = 10
    orders_per_minute: int = 500
    orders_per_30_minutes: int = 2000
    reads_per_second: int = 25

    def __post_init__(self) -> None:
        if not self.api_key:
            raise InvalidInput("UPSTOX_API_KEY", "is required for BROKER=upstox")
        register_secret(self.api_key)
        register_secret(self.api_secret)

    def rate_limiter(self) -> RateLimiter:
        """The token buckets for this app and user."""
        return RateLimiter({
            "order": [
                RateWindow(self.orders_per_second, 1.0),
                RateWindow(self.orders_per_minute, 60.0),
                RateWindow(self.orders_per_30_minutes, 1800.0),
            ],
            "read": [RateWindow(self.reads_per_second, 1.0)],
            # standard APIs: 50/s, 500/min, 2 000/30 min per user (upstox rate-limiting page)
            "historical": [RateWindow(self.reads_per_second, 1.0), RateWindow(500, 60.0),
                           RateWindow(2000, 1800.0)],
        })


def upstox_config_from_env(env: Mapping[str, str]) -> UpstoxConfig:
    """A :class:`UpstoxConfig` from ``UPSTOX_API_KEY``, ``UPSTOX_API_SECRET``, ``UPSTOX_REDIRECT_URI``,
    ``UPSTOX_API_HOST``, ``UPSTOX_ORDER_HOST`` (defaults to the API host when that is overridden),
    ``UPSTOX_WS_URL``, ``UPSTOX_INSTRUMENTS_URL`` and ``UPSTOX_TIMEOUT_S``."""
    host = env.get("UPSTOX_API_HOST") or UPSTOX_API_HOST
    default_order_host = UPSTOX_ORDER_HOST if host == UPSTOX_API_HOST else host
    try:
        timeout = float(env.get("UPSTOX_TIMEOUT_S") or 7.0)
    except ValueError as exc:
        raise InvalidInput("UPSTOX_TIMEOUT_S", str(exc)) from None
    return UpstoxConfig(
        api_key=env.get("UPSTOX_API_KEY", ""),
        api_secret=env.get("UPSTOX_API_SECRET", ""),
        redirect_uri=env.get("UPSTOX_REDIRECT_URI", ""),
        api_host=host,
        order_host=env.get("UPSTOX_ORDER_HOST") or default_order_host,
        ws_url=env.get("UPSTOX_WS_URL") or UPSTOX_WS_URL,
        instruments_url=env.get("UPSTOX_INSTRUMENTS_URL") or UPSTOX_INSTRUMENTS_URL,
        timeout_s=timeout,
    )
