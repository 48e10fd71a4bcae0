"""Time in India: every datetime is timezone-aware; the market's zone is IST (UTC+05:30).

Conventions
-----------
* Fields holding instants end in ``_at`` and are tz-aware; a trading day is a ``session_date``
  (a plain :class:`datetime.date` in IST).
* A bar is labelled by its **start** time in IST.
* Naive datetimes are rejected except where a caller explicitly says "naive means IST"
  (:func:`assume_ist`), e.g. when reading a vendor file documented that way.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

IST = ZoneInfo("Asia/Kolkata")
UTC = ZoneInfo("UTC")


def require_aware(value: datetime, *, name: str = "datetime") -> datetime:
    """Return ``value`` unchanged if tz-aware, else raise ``ValueError`` naming it."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{name}: naive datetime {value.isoformat()} (a timezone is required)")
    return value


def to_ist(value: datetime) -> datetime:
    """Convert an aware datetime to IST; a naive one is an error."""
    return require_aware(value).astimezone(IST)


def assume_ist(value: datetime) -> datetime:
    """Attach IST to a naive datetime (documented vendor convention); convert an aware one."""
    if value.tzinfo is None:
        return value.replace(tzinfo=IST)
    return value.astimezone(IST)


def ist_at(session_date: date, clock: time) -> datetime:
    """The instant ``clock`` (wall time in IST) on ``session_date``."""
    return datetime.combine(session_date, clock, tzinfo=IST)


def parse_date(text: str, *, name: str = "date") -> date:
    """Parse an ISO date ``YYYY-MM-DD``; ``ValueError`` naming ``name`` otherwise."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a date in YYYY-MM-DD form") from None


IST_OFFSET_NS = (5 * 60 + 30) * 60 * 1_000_000_000
NS_PER_SECOND = 1_000_000_000
NS_PER_MINUTE = 60 * NS_PER_SECOND


def _ist_from_ns_exact(ns: int) -> datetime:
    return datetime.fromtimestamp(ns // 1_000_000_000, IST).replace(microsecond=ns // 1000 % 1_000_000)


_FIXED_FROM_NS = -757_400_000_000_000_000  # 1946-01-01 UTC: IST has been UTC+05:30 since 1945
_BASE_NS = 946_684_800 * NS_PER_SECOND  # 2000-01-01 00:00 UTC
_BASE = _ist_from_ns_exact(_BASE_NS)


def ist_from_ns(ns: int) -> datetime:
    """A UTC-epoch-nanosecond instant as an aware IST datetime (microsecond precision).

    Since 1946 IST is a fixed UTC+05:30, so an instant is a fixed IST datetime plus the
    microseconds since (half the time of a zone lookup per call); earlier ones ask the zone.
    """
    if ns >= _FIXED_FROM_NS:
        return _BASE + timedelta(microseconds=(ns - _BASE_NS) // 1000)
    return _ist_from_ns_exact(ns)

