"""Paged minute history for the fake Kite and Upstox servers: deterministic candles per session.

Both serve every minute of each calendar session in the requested range (START-labelled, IST) for the
instruments they know, refuse a range longer than the broker's limit the way the broker does (HTTP
400), and log each request's range so tests can check window boundaries.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from fake_http import Request, Response
from fake_kite import FakeKite
from fake_kite import error as kite_error
from fake_kite import ok as kite_ok
from fake_upstox import FakeUpstox
from fake_upstox import error as upstox_error
from fake_upstox import ok as upstox_ok

from vyapari.market.calendar import get_calendar

KITE_TOKENS = {"738561": "RELIANCE", "2953217": "TCS"}
UPSTOX_KEYS = {"NSE_EQ|INE002A01018": "RELIANCE", "NSE_EQ|INE467B01029": "TCS"}
KITE_DUMP = (
    "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,"
    "instrument_type,segment,exchange\n"
    "738561,2885,RELIANCE,RELIANCE INDUSTRIES,0,,0,0.05,1,EQ,NSE,NSE\n"
    "2953217,11536,TCS,TCS,0,,0,0.05,1,EQ,NSE,NSE\n"
)
UPSTOX_DUMP = [
    {"segment": "NSE_EQ", "exchange": "NSE", "trading_symbol": s, "instrument_key": k, "lot_size": 1,
     "tick_size": 5.0, "isin": k.split("|")[1]} for k, s in UPSTOX_KEYS.items()
]


def minute_candles(symbol: str, start: date, end: date,
                   changed: frozenset[date] = frozenset()) -> list[list[Any]]:
    """``[ts, o, h, l, c, v]`` of every session minute in ``[start, end]`` (ts ``datetime`` IST);
    sessions in ``changed`` are ₹1 higher (a vendor correction)."""
    cal = get_calendar("NSE")
    base = 1000.0 + 100 * (sum(map(ord, symbol)) % 17)
    rows = []
    for session in cal.sessions(start, end):
        for i, ts in enumerate(cal.minute_grid(session.session_date)):
            bump = 1.0 if session.session_date in changed else 0.0
            price = round(base + bump + (i % 40) * 0.05 + session.session_date.day * 0.5, 2)
            high, low = round(price + 0.5, 2), round(price - 0.5, 2)
            rows.append([ts.to_pydatetime(), price, high, low, price, 100 + i])
    return rows


class HistoryKite(FakeKite):
    """Kite with ``/instruments/historical/<token>/minute`` serving :func:`minute_candles`."""

    routes: list[tuple[str, str, Any]]

    MAX_DAYS = 60

    def __init__(self) -> None:
        super().__init__()
        self.ranges: list[tuple[str, date, date]] = []
        self.changed: frozenset[date] = frozenset()
        self.revoke_after: int | None = None  # revoke the token after this many history answers
        self.routes = [r for r in self.routes if r[1] != "/instruments/historical/*/*"]
        self.routes.append(("GET", "/instruments/historical/*/*", self.auth(self.history)))

    def history(self, req: Request) -> Response:
        token, interval = req.path.split("/")[3:5]
        start = datetime.strptime(req.query["from"], "%Y-%m-%d %H:%M:%S")
        end = datetime.strptime(req.query["to"], "%Y-%m-%d %H:%M:%S")
        if token not in KITE_TOKENS:
            return kite_error(400, "InputException", "invalid token")
        if interval != "minute" or (end - start) > timedelta(days=self.MAX_DAYS):
            return kite_error(400, "InputException", "interval exceeds max limit: 60 days")
        symbol = KITE_TOKENS[token]
        self.ranges.append((symbol, start.date(), end.date()))
        rows = minute_candles(symbol, start.date(), end.date(), self.changed)
        if self.revoke_after is not None and len(self.ranges) >= self.revoke_after:
            self.tokens.clear()
        return kite_ok({"candles": [[r[0].strftime("%Y-%m-%dT%H:%M:%S%z"), *r[1:]] for r in rows]})


class HistoryUpstox(FakeUpstox):
    """Upstox with the v3 ``/historical-candle/<key>/minutes/1/<to>/<from>`` route (newest first)."""

    routes: list[tuple[str, str, Any]]

    MAX_DAYS = 31

    def __init__(self) -> None:
        super().__init__()
        self.instruments = list(UPSTOX_DUMP)
        self.ranges: list[tuple[str, date, date]] = []
        self.routes = [r for r in self.routes if not r[1].startswith("/v3/historical-candle")]
        self.routes.append(("GET", "/v3/historical-candle/*/*/*/*/*", self.history))

    def history(self, req: Request) -> Response:
        key, unit, count, to_s, from_s = (unquote(p) for p in req.path.split("/")[3:8])
        start, end = date.fromisoformat(from_s), date.fromisoformat(to_s)
        if key not in UPSTOX_KEYS:
            return upstox_error(400, "UDAPI1021", "Instrument key is invalid")
        if (unit, count) != ("minutes", "1") or (end - start).days > self.MAX_DAYS:
            return upstox_error(400, "UDAPI1148", "Invalid date range")
        symbol = UPSTOX_KEYS[key]
        self.ranges.append((symbol, start, end))
        rows = minute_candles(symbol, start, end)
        return upstox_ok({"candles": [[r[0].isoformat(), *r[1:], 0] for r in reversed(rows)]})
