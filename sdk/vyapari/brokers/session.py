"""The daily broker session: an access token, when it was issued and when it dies (IST).

SEBI requires a manual login every day; the tokens die overnight:

* Kite Connect: "valid until 6 AM on the next day" (kite.trade/docs/connect/v3/user/),
  i.e. the first 06:00 IST after issue.
* Upstox: valid "until 3:30 AM the following day"
  (upstox.com/developer/api-documentation/get-token), the first 03:30 IST after issue.

The session is stored through the :class:`~vyapari.brokers.secrets.SecretsStore` port under
``"<broker>/session"``; :class:`SessionProvider` re-reads it on every check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from vyapari.brokers.errors import SessionExpired
from vyapari.brokers.redact import register_secret
from vyapari.brokers.secrets import SecretsStore
from vyapari.core.time import IST, require_aware

SESSION_EXPIRY_IST: dict[str, time] = {"zerodha": time(6, 0), "upstox": time(3, 30)}
"""Wall-clock time in IST at which each broker's access tokens expire."""


def session_valid_until(broker: str, issued_at: datetime) -> datetime:
    """The instant (IST) a token of ``broker`` issued at ``issued_at`` expires.

    The first occurrence of the broker's daily expiry time strictly after ``issued_at``.
    """
    try:
        expiry = SESSION_EXPIRY_IST[broker]
    except KeyError:
        raise SessionExpired(f"no session expiry rule for broker {broker!r}", broker=broker) from None
    local = require_aware(issued_at, name="issued_at").astimezone(IST)
    candidate = datetime.combine(local.date(), expiry, tzinfo=IST)
    return candidate if candidate > local else candidate + timedelta(days=1)


def now_ist() -> datetime:
    """The current instant in IST."""
    return datetime.now(IST)


@dataclass(frozen=True, slots=True)
class BrokerSession:
    """An access token for ``broker`` issued at ``issued_at``, valid until ``valid_until`` (IST)."""

    broker: str
    access_token: str
    issued_at: datetime
    valid_until: datetime
    user_id: str = ""

    def __repr__(self) -> str:
        return f"BrokerSession(broker={self.broker!r}, valid_until={self.valid_until.isoformat()})"

    def is_valid(self, at: datetime) -> bool:
        """True while ``at`` is before :attr:`valid_until`."""
        return require_aware(at, name="at") < self.valid_until

    def to_record(self) -> dict[str, str]:
        """The flat string record kept in the secrets store."""
        return {
            "broker": self.broker,
            "access_token": self.access_token,
            "issued_at": self.issued_at.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "user_id": self.user_id,
        }

    @classmethod
    def from_record(cls, broker: str, record: Mapping[str, str]) -> BrokerSession:
        """Parse a stored record; :class:`SessionExpired` if it is incomplete."""
        try:
            issued_at = require_aware(datetime.fromisoformat(record["issued_at"]))
            token = record["access_token"]
            until_text = record.get("valid_until")
            until = (
                datetime.fromisoformat(until_text) if until_text else session_valid_until(broker, issued_at)
            )
        except (KeyError, ValueError):
            raise SessionExpired("the stored session is incomplete; log in again", broker=broker) from None
        register_secret(token)
        return cls(broker, token, issued_at, require_aware(until), record.get("user_id", ""))

    @classmethod
    def issued(cls, broker: str, access_token: str, issued_at: datetime, user_id: str = "") -> BrokerSession:
        """A new session issued at ``issued_at`` with the broker's expiry rule applied."""
        register_secret(access_token)
        return cls(broker, access_token, issued_at, session_valid_until(broker, issued_at), user_id)


def session_key(broker: str) -> str:
    """The secrets-store name of ``broker``'s session."""
    return f"{broker}/session"


class SessionProvider:
    """Reads ``broker``'s session from ``store`` on every call; raises when none is usable."""

    def __init__(
        self, broker: str, store: SecretsStore, *, clock: Callable[[], datetime] = now_ist
    ) -> None:
        self.broker = broker
        self.store = store
        self.clock = clock

    def current(self) -> BrokerSession:
        """The stored session if still valid, else :class:`SessionExpired` naming the expiry."""
        record = self.store.get(session_key(self.broker))
        if record is None:
            raise SessionExpired("no access token stored; run 'vyapari login'", broker=self.broker)
        session = BrokerSession.from_record(self.broker, record)
        if not session.is_valid(self.clock()):
            raise SessionExpired(
                f"access token expired at {session.valid_until.isoformat()}; run 'vyapari login'",
                broker=self.broker,
            )
        return session

    def save(self, session: BrokerSession) -> None:
        """Store ``session`` (the login flow calls this)."""
        self.store.put(session_key(self.broker), session.to_record())
