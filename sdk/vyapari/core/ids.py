"""Identifiers.

* ``instrument_id``: ``"<EXCHANGE>:<SYMBOL>"``, e.g. ``"NSE:RELIANCE"``.
* ``client_order_id``: ours, deterministic, the idempotency key for brokers; built from
  the run, the strategy, the decision time and a leg so the same decision always yields
  the same id (a retry can never create a second order).
* ``trade_id``: the identity of one fill (the broker's, or a deterministic one in backtests).
"""

from __future__ import annotations

import hashlib


def instrument_id(exchange: str, symbol: str) -> str:
    """The canonical id of an instrument on an exchange: ``"NSE:RELIANCE"``."""
    return f"{exchange.upper()}:{symbol.upper()}"


def split_instrument_id(value: str) -> tuple[str, str]:
    """Split ``"NSE:RELIANCE"`` into ``("NSE", "RELIANCE")``; ``ValueError`` if malformed."""
    exchange, sep, symbol = value.partition(":")
    if not sep or not exchange or not symbol:
        raise ValueError(f"instrument id {value!r} is not of the form EXCHANGE:SYMBOL")
    return exchange.upper(), symbol.upper()


def client_order_id(*parts: object, length: int = 20) -> str:
    """A deterministic order id from ``parts`` (run, strategy, bar time, leg, ...).

    Brokers limit tags to 20 characters (Kite), so the id is a hex digest prefix; the
    same parts always give the same id.
    """
    text = "|".join(str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


class ClientOrderIds:
    """:func:`client_order_id` of ``prefix`` followed by further parts, for many of those: the
    shared leading parts (e.g. run, strategy, bar time) are hashed once, each id then only hashes
    its own parts (the live engine makes the next minute's one before that minute closes)."""

    def __init__(self, *prefix: object, length: int = 20) -> None:
        self._head = hashlib.sha256("".join(f"{p}|" for p in prefix).encode())
        self._length = length

    def __call__(self, *rest: object) -> str:
        """``client_order_id(*prefix, *rest)``; ``rest`` must not be empty."""
        if not rest:
            raise TypeError("ClientOrderIds needs at least one part after the prefix")
        digest = self._head.copy()
        digest.update("|".join(map(str, rest)).encode())
        return digest.hexdigest()[: self._length]
