"""vyapari.brokers: one broker interface for paper, Zerodha Kite and Upstox.

* :class:`BrokerAdapter` owns the workflow (validation, idempotency on
  ``client_order_id``, reconcile-before-retry, rate limits, error mapping, redacted logs);
  brokers implement primitives only.
* :func:`make_broker` (``BROKER=paper|zerodha|upstox``) is the only place that names a
  concrete broker; import concrete adapters from their subpackages.
* Errors: :mod:`vyapari.brokers.errors`; sessions and the secrets port:
  :mod:`vyapari.brokers.session`, :mod:`vyapari.brokers.secrets`.
* :func:`book_trades` is imported on first use: it needs the cost models (numpy), which the light
  Lambdas (API, broker login, instrument downloads) are deployed without.
"""

from typing import TYPE_CHECKING, Any

from vyapari.brokers.base import BrokerAdapter
from vyapari.brokers.errors import (
    BrokerError,
    BrokerTimeout,
    BrokerUnavailable,
    InsufficientFunds,
    InvalidOrder,
    IpNotRegistered,
    OrderNotFound,
    OrderRejected,
    RateLimited,
    SessionExpired,
)
from vyapari.brokers.factory import BROKERS, make_broker
from vyapari.brokers.secrets import InMemorySecretsStore, LocalFileSecretsStore, SecretsStore
from vyapari.brokers.session import BrokerSession, SessionProvider, session_valid_until
from vyapari.brokers.ticks import TickStream
from vyapari.brokers.types import (
    BrokerOrder,
    BrokerPosition,
    BrokerTrade,
    Candle,
    Holding,
    InstrumentInfo,
    OrderChange,
    OrderSubmission,
    Tick,
)

if TYPE_CHECKING:
    from vyapari.brokers.fills import book_trades


def __getattr__(name: str) -> Any:
    """``book_trades`` on first use (PEP 562), so importing the package needs no numpy."""
    if name == "book_trades":
        from vyapari.brokers.fills import book_trades

        return book_trades
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BROKERS",
    "BrokerAdapter",
    "BrokerError",
    "BrokerOrder",
    "BrokerPosition",
    "BrokerSession",
    "BrokerTimeout",
    "BrokerTrade",
    "BrokerUnavailable",
    "Candle",
    "Holding",
    "InMemorySecretsStore",
    "InstrumentInfo",
    "InsufficientFunds",
    "InvalidOrder",
    "IpNotRegistered",
    "LocalFileSecretsStore",
    "OrderChange",
    "OrderNotFound",
    "OrderRejected",
    "OrderSubmission",
    "RateLimited",
    "SecretsStore",
    "SessionExpired",
    "SessionProvider",
    "Tick",
    "TickStream",
    "book_trades",
    "make_broker",
    "session_valid_until",
]
