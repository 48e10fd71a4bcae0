"""Session times of the NSE and BSE equity and equity-derivative markets, and the :class:`Session` record.

Every clock time here is a wall-clock time in IST (Asia/Kolkata, UTC+05:30). Every instant on a
:class:`Session` is a tz-aware datetime in IST; a trading day is its ``session_date``.

Sources (the team's Indian market research notes, section B)
-------------------------------------------------------------
* NSE market-timings page as reproduced by ndtvprofit.com (2024, 2025): block-deal windows
  08:45-09:00 and 14:05-14:20, pre-open order entry 09:00-09:08 (random close in the last minute),
  normal market 09:15-15:30, closing-price calculation 15:30-15:40, post-closing session 15:40-16:00.
* Pre-open matching 09:08-09:12 and buffer 09:12-09:15: simplehai.axisdirect.in.
* MIS auto square-off 15:20 for equity and 15:25 for F&O: support.zerodha.com "What are the auto
  square-off timings for open intraday positions?" (a broker rule, not an exchange rule; brokers differ).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from vyapari.core.time import IST, ist_at, require_aware

BLOCK_DEAL_WINDOW_1: tuple[time, time] = (time(8, 45), time(9, 0))
BLOCK_DEAL_WINDOW_2: tuple[time, time] = (time(14, 5), time(14, 20))
PRE_OPEN_ORDER_ENTRY_START = time(9, 0)
PRE_OPEN_ORDER_ENTRY_END = time(9, 8)
PRE_OPEN_MATCHING_START = time(9, 8)
PRE_OPEN_MATCHING_END = time(9, 12)
PRE_OPEN_BUFFER_END = time(9, 15)
REGULAR_OPEN = time(9, 15)
REGULAR_CLOSE = time(15, 30)
CLOSING_PRICE_WINDOW: tuple[time, time] = (time(15, 30), time(15, 40))
CLOSING_SESSION_START = time(15, 40)
CLOSING_SESSION_END = time(16, 0)
MIS_SQUARE_OFF = time(15, 20)
MIS_SQUARE_OFF_FNO = time(15, 25)

#: Lead of the equity MIS square-off before the close (15:30 - 15:20), applied to non-regular sessions.
MIS_SQUARE_OFF_LEAD = timedelta(minutes=10)
#: Length of the pre-open before a non-regular session whose pre-open is not published (15 minutes).
DEFAULT_PRE_OPEN_LEAD = timedelta(minutes=15)
#: One-minute bars in a regular session: 09:15 .. 15:29 labelled by their start.
REGULAR_BARS_PER_SESSION = 375


class SessionKind(StrEnum):
    """What kind of trading day a session is.

    ``regular`` is an ordinary weekday session; ``special`` is a session the exchange called on a
    weekend or with non-standard hours (Budget days, DR-site drills, outage extensions); ``muhurat``
    is the one-hour Diwali session.
    """

    REGULAR = "regular"
    SPECIAL = "special"
    MUHURAT = "muhurat"


@dataclass(frozen=True, slots=True)
class Session:
    """One trading session of an exchange.

    Attributes
    ----------
    session_date : date
        The trading day (IST calendar date).
    open_at, close_at : datetime
        Start and end of continuous trading, tz-aware IST. Trading is open on ``[open_at, close_at)``.
    pre_open_at : datetime
        Start of the pre-open call auction order entry (09:00 on regular days), tz-aware IST.
    kind : SessionKind
        ``regular``, ``special`` or ``muhurat``.
    breaks : tuple of (datetime, datetime)
        Intervals ``[start, end)`` inside the session without continuous trading (for example the
        switch to the disaster-recovery site on 2024-03-02); empty on ordinary days.
    provisional : bool
        True when the session or its times are a placeholder not yet confirmed by an exchange
        circular (a Muhurat session "to be notified", or a year beyond the holiday data).
    """

    session_date: date
    open_at: datetime
    close_at: datetime
    pre_open_at: datetime
    kind: SessionKind = SessionKind.REGULAR
    breaks: tuple[tuple[datetime, datetime], ...] = ()
    provisional: bool = False

    def __post_init__(self) -> None:
        for name in ("open_at", "close_at", "pre_open_at"):
            value = require_aware(getattr(self, name), name=name).astimezone(IST)
            if value.date() != self.session_date:
                raise ValueError(f"{name}: {value.isoformat()} is not on session date {self.session_date}")
            object.__setattr__(self, name, value)
        if not self.pre_open_at <= self.open_at < self.close_at:
            raise ValueError(f"session {self.session_date}: need pre_open_at <= open_at < close_at")
        breaks = tuple(
            (require_aware(start, name="break start").astimezone(IST), require_aware(end).astimezone(IST))
            for start, end in self.breaks
        )
        previous_end = self.open_at
        for start, end in breaks:
            if not previous_end < start < end < self.close_at:
                raise ValueError(f"session {self.session_date}: breaks must be ordered, inside the session")
            previous_end = end
        object.__setattr__(self, "breaks", breaks)

    @property
    def trading_minutes(self) -> int:
        """Minutes of continuous trading (breaks excluded)."""
        total = self.close_at - self.open_at - sum((end - start for start, end in self.breaks), timedelta())
        return int(total.total_seconds() // 60)

    def contains(self, at: datetime) -> bool:
        """True if the aware instant ``at`` is in continuous trading: ``[open_at, close_at)``, no break."""
        require_aware(at, name="at")
        if not self.open_at <= at < self.close_at:
            return False
        return not any(start <= at < end for start, end in self.breaks)

    @property
    def is_regular_hours(self) -> bool:
        """True if the session runs the standard 09:15-15:30 without breaks."""
        return (
            self.open_at.astimezone(IST).time() == REGULAR_OPEN
            and self.close_at.astimezone(IST).time() == REGULAR_CLOSE
            and not self.breaks
        )


def regular_session(session_date: date, *, kind: SessionKind = SessionKind.REGULAR) -> Session:
    """A session with the standard times (pre-open 09:00, open 09:15, close 15:30 IST)."""
    return Session(
        session_date=session_date,
        open_at=ist_at(session_date, REGULAR_OPEN),
        close_at=ist_at(session_date, REGULAR_CLOSE),
        pre_open_at=ist_at(session_date, PRE_OPEN_ORDER_ENTRY_START),
        kind=kind,
    )


def mis_square_off_at(session: Session) -> datetime:
    """When intraday (MIS) equity positions are squared off in ``session``, tz-aware IST.

    15:20 on a session that closes at 15:30; otherwise :data:`MIS_SQUARE_OFF_LEAD` (10 minutes)
    before the close, the same lead applied to short sessions such as Muhurat.
    """
    return session.close_at - MIS_SQUARE_OFF_LEAD
