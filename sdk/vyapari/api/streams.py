"""WebSocket channels: connections, subscriptions and fan-out of published messages.

Records (in a :class:`~vyapari.api.ports.RecordStore`):

* partition ``connection``, key = connection id: ``{connection_id, subject, groups, connected_at,
  channels: {channel: [symbols]}}``;
* partition ``channel#<channel>``, key = connection id: ``{symbols: [...]}`` — an empty list means
  every symbol of the channel.

Client messages on ``$default``: ``{"action": "subscribe"|"unsubscribe", "channel": "quotes"|"orders"|"pnl",
"symbols": ["RELIANCE", ...]}`` (``symbols`` optional). A published message with a ``symbol`` goes to the
channel's connections subscribed to all symbols or to that one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from vyapari.api.ports import ConnectionPoster, Identity, Record, RecordStore, StaleConnection
from vyapari.core.errors import InvalidInput

CHANNELS = ("quotes", "orders", "pnl")
ACTIONS = ("subscribe", "unsubscribe")
MAX_SYMBOLS = 200
_SYMBOL = re.compile(r"^[A-Z0-9&:_.-]{1,40}$")
_PAGE = 500


@dataclass(frozen=True)
class Subscription:
    """A parsed ``subscribe``/``unsubscribe`` message."""

    action: str
    channel: str
    symbols: tuple[str, ...] = ()


def _symbols(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_SYMBOLS:
        raise InvalidInput("symbols", f"must be a list of at most {MAX_SYMBOLS} symbols")
    bad = [s for s in value if not isinstance(s, str) or not _SYMBOL.match(s)]
    if bad:
        raise InvalidInput("symbols", f"{bad[0]!r} is not a symbol like RELIANCE or NSE:RELIANCE")
    return tuple(sorted(set(value)))


def parse_message(body: str | None) -> Subscription:
    """A client message as a :class:`Subscription`; :class:`InvalidInput` names the bad field."""
    try:
        message = json.loads(body or "")
    except ValueError:
        raise InvalidInput("body", "not a JSON object") from None
    if not isinstance(message, dict):
        raise InvalidInput("body", "not a JSON object")
    if message.get("action") not in ACTIONS:
        raise InvalidInput("action", f"must be one of {', '.join(ACTIONS)}")
    if message.get("channel") not in CHANNELS:
        raise InvalidInput("channel", f"must be one of {', '.join(CHANNELS)}")
    return Subscription(message["action"], message["channel"], _symbols(message.get("symbols")))


@dataclass
class PublishResult:
    """What a fan-out did: connections sent to, and stale connections dropped."""

    sent: int = 0
    dropped: int = 0


class ConnectionRegistry:
    """Connections and their subscriptions over a record store."""

    def __init__(self, records: RecordStore) -> None:
        self.records = records

    def connect(self, connection_id: str, identity: Identity, at: str) -> None:
        """Remember a new connection of ``identity``."""
        self.records.put("connection", connection_id, {
            "connection_id": connection_id, "subject": identity.subject, "groups": list(identity.groups),
            "connected_at": at, "channels": {}})

    def disconnect(self, connection_id: str) -> None:
        """Forget a connection and all its subscriptions."""
        record = self.records.get("connection", connection_id) or {}
        for channel in record.get("channels", {}):
            self.records.delete(f"channel#{channel}", connection_id)
        self.records.delete("connection", connection_id)

    def apply(self, connection_id: str, sub: Subscription) -> Record:
        """Apply a subscription change; returns the connection's channels afterwards.

        Subscribing adds symbols (an empty list means all); unsubscribing without symbols leaves the
        channel, with symbols removes only those.
        """
        record = self.records.get("connection", connection_id)
        if record is None:
            raise InvalidInput("connection", "unknown connection; reconnect")
        channels: dict[str, list[str]] = record.setdefault("channels", {})
        current = set(channels.get(sub.channel, []))
        if sub.action == "subscribe":
            everything = not sub.symbols or (sub.channel in channels and not current)
            channels[sub.channel] = [] if everything else sorted(current | set(sub.symbols))
        elif sub.symbols and current - set(sub.symbols):
            channels[sub.channel] = sorted(current - set(sub.symbols))
        else:
            channels.pop(sub.channel, None)
        self._save(connection_id, record, sub.channel)
        return channels

    def _save(self, connection_id: str, record: Record, channel: str) -> None:
        self.records.put("connection", connection_id, record)
        if channel in record["channels"]:
            self.records.put(f"channel#{channel}", connection_id,
                             {"connection_id": connection_id, "symbols": record["channels"][channel]})
        else:
            self.records.delete(f"channel#{channel}", connection_id)

    def subscribers(self, channel: str, symbol: str | None = None) -> list[str]:
        """Connection ids subscribed to ``channel`` (and to ``symbol`` when given)."""
        out, after = [], None
        while True:
            page = self.records.query(f"channel#{channel}", limit=_PAGE, after=after)
            out += [str(rec["connection_id"]) for rec in page.items
                    if not rec.get("symbols") or symbol is None or symbol in rec["symbols"]]
            if page.last_key is None:
                return out
            after = page.last_key

    def publish(self, poster: ConnectionPoster, channel: str, message: Record) -> PublishResult:
        """Send ``message`` (JSON) to every subscriber; stale connections are disconnected."""
        if channel not in CHANNELS:
            raise InvalidInput("channel", f"must be one of {', '.join(CHANNELS)}")
        data = json.dumps({"channel": channel, **message}, separators=(",", ":"), default=str).encode()
        result = PublishResult()
        for connection_id in self.subscribers(channel, message.get("symbol")):
            try:
                poster.post(connection_id, data)
                result.sent += 1
            except StaleConnection:
                self.disconnect(connection_id)
                result.dropped += 1
        return result
