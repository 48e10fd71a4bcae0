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
