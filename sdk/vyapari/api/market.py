"""Market-data reads of the API: exchanges with their calendar, assets known to the lake, paged bars.

pandas and pyarrow are imported inside the functions that read Parquet, never at module import.
Bars are labelled by their **start** in IST (daily bars at their session's open from the calendar:
09:15 IST, or the Muhurat evening open), prices in ₹, volume in shares, as
:meth:`vyapari.data.lake.Lake.read_minute_bars` returns them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from vyapari.api.errors import NotFound
from vyapari.api.paging import encode_token, offset_of
from vyapari.core.errors import InvalidInput
from vyapari.core.symbols import is_symbol
from vyapari.data import layout
from vyapari.data.storage import ObjectStore

EXCHANGES: dict[str, str] = {"NSE": "National Stock Exchange of India", "BSE": "BSE Limited"}
INTERVALS = ("1m", "5m", "15m", "1d")
# the widest range one /bars request may span, per interval kind (calendar days)
MAX_DAYS_INTRADAY = 31
MAX_DAYS_DAILY = 366 * 5


def exchanges(today: date) -> list[dict[str, Any]]:
    """The cash exchanges with today's session (if any) and the next session, times in IST."""
    from vyapari.market.calendar import get_calendar

    out = []
    for code, name in EXCHANGES.items():
        calendar = get_calendar(code)
        session = calendar.session(today) if calendar.is_session(today) else None
        upcoming = calendar.next_session(today)
        out.append({
            "code": code, "name": name, "timezone": "Asia/Kolkata",
            "session_today": _session(session) if session else None,
            "next_session": _session(upcoming),
        })
    return out


def _session(session: Any) -> dict[str, Any]:
    return {"session_date": session.session_date.isoformat(), "open_at": session.open_at.isoformat(),
            "close_at": session.close_at.isoformat(), "kind": str(session.kind)}


def _latest_day_symbols(store: ObjectStore, exchange: str) -> set[str]:
    """Symbols in the latest curated daily file of ``exchange`` (empty when there is none)."""
    keys = [k for k in store.list(layout.day_prefix("daily_bars", exchange))
            if layout.date_of_day_key(k) is not None]
    if not keys:
        return set()
    from vyapari.data.parquet_io import from_parquet_bytes

    latest = max(keys, key=lambda k: layout.date_of_day_key(k) or date.min)
    table = from_parquet_bytes(store.get(latest), columns=["symbol"])
    return {str(s) for s in table.column("symbol").to_pylist()}


def minute_symbols(store: ObjectStore, exchange: str) -> set[str]:
    """Symbols having minute bars on ``exchange`` (from object keys only)."""
    prefix = layout.minute_prefix(exchange, "x").rsplit("symbol=", 1)[0] + "symbol="
    return {layout.unpart(k[len(prefix):].split("/", 1)[0]) for k in store.list(prefix)}


def assets(store: ObjectStore, exchange: str | None = None) -> list[dict[str, Any]]:
    """Symbols known to the lake, sorted by ``(exchange, symbol)``, with the bar kinds available.

    Text that is not an exchange symbol (written to a lake before symbols were checked where they
    enter, e.g. ``=HYPERLINK(...)`` or ``../x``) is never served.
    """
    out = []
    for code in [exchange] if exchange else list(EXCHANGES):
        daily, minute = _latest_day_symbols(store, code), minute_symbols(store, code)
        known = sorted(s for s in daily | minute if is_symbol(s))
        out += [{"symbol": s, "exchange": code, "instrument_id": f"{code}:{s}",
                 "daily_bars": s in daily, "minute_bars": s in minute} for s in known]
    return out


@dataclass(frozen=True)
class BarQuery:
    """A validated ``/bars`` request."""

    symbol: str
    exchange: str
    interval: str
    start: date
    end: date
    limit: int
    next_token: str | None = None

    def check(self) -> BarQuery:
        """Self, after the cross-field checks (:class:`InvalidInput` names the field)."""
        if self.exchange not in EXCHANGES:
            raise InvalidInput("exchange", f"{self.exchange!r} is not one of {', '.join(EXCHANGES)}")
        if self.interval not in INTERVALS:
            raise InvalidInput("interval", f"{self.interval!r} is not one of {', '.join(INTERVALS)}")
        if self.end < self.start:
            raise InvalidInput("to", f"{self.end} is before from {self.start}")
        widest = MAX_DAYS_DAILY if self.interval == "1d" else MAX_DAYS_INTRADAY
        if self.end - self.start > timedelta(days=widest):
            raise InvalidInput("to", f"at most {widest} days of {self.interval} bars per request")
        offset_of(self.next_token)
        return self


def bars_page(store: ObjectStore, query: BarQuery) -> dict[str, Any]:
    """One page of bars: ``{"symbol", "exchange", "interval", "bars": [...], "next_token"}``.

    A symbol without bars in the range is :class:`NotFound` when the lake does not know it at all.
    """
    from vyapari.data.lake import Lake

    query.check()
    frame = Lake(store).read_minute_bars(query.exchange, query.symbol, query.start, query.end,
                                         interval=query.interval)
    if frame.empty and query.symbol not in {a["symbol"] for a in assets(store, query.exchange)}:
        raise NotFound(f"symbol {query.exchange}:{query.symbol} is not in the lake")
    offset = offset_of(query.next_token)
    chunk = frame.iloc[offset:offset + query.limit]
    more = offset + query.limit < len(frame)
    return {"symbol": query.symbol, "exchange": query.exchange, "interval": query.interval,
            "bars": [{"ts": r.ts.isoformat(), "open": float(r.open), "high": float(r.high),
                      "low": float(r.low), "close": float(r.close), "volume": int(r.volume)}
                     for r in chunk.itertuples(index=False)],
            "next_token": encode_token({"offset": offset + query.limit}) if more else None}
