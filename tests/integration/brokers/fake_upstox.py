"""A fake Upstox API (v2/v3 envelopes) for the real ``upstox-python-sdk`` client.

Success: ``{"status": "success", "data": ...}``; errors: ``{"status": "error", "errors":
[{"errorCode": "UDAPI…", "message": …}]}`` (401 + ``UDAPI100050`` for a bad token). The token
endpoint answers the bare token object, as Upstox does. The instrument master is served as JSON.
"""

from __future__ import annotations

import itertools
from typing import Any

from fake_http import FakeServer, Request, Response

API_KEY = "upstox-client-0001"
API_SECRET = "upstox-secret-QQQ-0001"
AUTH_CODE = "authcode-ZZZ-0001"
REDIRECT = "http://127.0.0.1/callback"
ACCESS_TOKEN = "upstoxaccess-TOKEN-0001"
INFY_KEY = "NSE_EQ|INE009A01021"
INSTRUMENTS = [
    {
        "segment": "NSE_EQ",
        "exchange": "NSE",
        "trading_symbol": "INFY",
        "instrument_key": INFY_KEY,
        "lot_size": 1,
        "tick_size": 5.0,
        "isin": "INE009A01021",
    },
    {
        "segment": "NSE_EQ",
        "exchange": "NSE",
        "trading_symbol": "TCS",
        "instrument_key": "NSE_EQ|INE467B01029",
        "lot_size": 1,
        "tick_size": 5.0,
        "isin": "INE467B01029",
    },
]


def ok(data: Any) -> Response:
    return Response(200, {"status": "success", "data": data})


def error(status: int, code: str, message: str) -> Response:
    return Response(
        status,
        {
            "status": "error",
            "errors": [{"errorCode": code, "message": message, "propertyPath": None, "invalidValue": None}],
        },
    )


_BOOK_EXCHANGES = {"NSE_EQ": "NSE", "NSE_FO": "NFO", "BSE_EQ": "BSE", "BSE_FO": "BFO"}


class FakeUpstox(FakeServer):
    """``instruments`` is the served master; ``book_symbols`` maps an instrument key to the
    (exchange, trading symbol) the order, trade and position books show for it (by default the
    master's symbol, with the order book's exchange codes ``NSE``/``NFO``/...); ``position_rows``
    replaces the default INFY position."""

    def __init__(self) -> None:
        super().__init__()
        self.instruments: list[dict[str, Any]] = list(INSTRUMENTS)
        self.book_symbols: dict[str, tuple[str, str]] = {}
        self.position_rows: list[dict[str, Any]] | None = None
        self.tokens = {ACCESS_TOKEN}
        self.orders: list[dict[str, Any]] = []
        self.trades: list[dict[str, Any]] = []
        self._ids = itertools.count(250_105_000_000_001)
        self._trade_ids = itertools.count(50_000_001)
        self.routes = [
            ("POST", "/v2/login/authorization/token", self.token),
            ("POST", "/v3/order/place", self.auth(self.place)),
            ("PUT", "/v3/order/modify", self.auth(self.modify)),
            ("DELETE", "/v3/order/cancel", self.auth(self.cancel)),
            ("GET", "/v2/order/retrieve-all", self.auth(lambda r: ok(self.orders))),
            ("GET", "/v2/order/trades/get-trades-for-day", self.auth(lambda r: ok(self.trades))),
            ("GET", "/v2/portfolio/short-term-positions", self.auth(self.positions)),
            ("GET", "/v2/portfolio/long-term-holdings", self.auth(lambda r: ok([]))),
            ("GET", "/v3/historical-candle/*/*/*/*/*", self.historical),  # public: no token
            ("GET", "/instruments.json", lambda r: Response(200, self.instruments)),
        ]

    def auth(self, fn: Any) -> Any:
        def wrapped(req: Request) -> Response:
            if req.headers.get("authorization", "").removeprefix("Bearer ") not in self.tokens:
                return error(401, "UDAPI100050", "Invalid token used to access API")
            return fn(req)

        return wrapped

    def token(self, req: Request) -> Response:
        f = req.form
        if (f.get("code"), f.get("client_id"), f.get("client_secret")) != (AUTH_CODE, API_KEY, API_SECRET):
            return error(401, "UDAPI100057", "Invalid Auth code")
        return Response(
            200,
            {
                "email": "u@example.com",
                "user_id": "UP1234",
                "user_name": "U",
                "broker": "UPSTOX",
                "access_token": ACCESS_TOKEN,
                "is_active": True,
            },
        )

    def book_names(self, key: str) -> tuple[str, str]:
        """(exchange, trading symbol) of ``key`` as the books show them."""
        if key in self.book_symbols:
            return self.book_symbols[key]
        row = next((i for i in self.instruments if i["instrument_key"] == key), None)
        if row is None:
            return "NSE", "INFY"
        return _BOOK_EXCHANGES.get(row["segment"], "NSE"), row["trading_symbol"]

    def place(self, req: Request) -> Response:
        b = req.body
        if b["price"] == 0.01:
            return error(400, "UDAPI100500", "Price is outside the circuit limits")
        order_id = str(next(self._ids))
        exchange, symbol = self.book_names(b["instrument_token"])
        self.orders.append(
            {
                "order_id": order_id,
                "status": "open",
                "tag": b.get("tag"),
                "exchange": exchange,
                "trading_symbol": symbol,
                "instrument_token": b["instrument_token"],
                "transaction_type": b["transaction_type"],
                "quantity": b["quantity"],
                "filled_quantity": 0,
                "pending_quantity": b["quantity"],
                "order_type": b["order_type"],
                "product": b["product"],
                "price": b["price"],
                "trigger_price": b["trigger_price"],
                "average_price": 0,
                "order_timestamp": "2026-01-05 09:20:00",
                "validity": "DAY",
            }
        )
        return Response(
            200, {"status": "success", "data": {"order_ids": [order_id]}, "metadata": {"latency": 9}}
        )

    def _order(self, order_id: str | None) -> dict[str, Any] | None:
        return next((o for o in self.orders if o["order_id"] == order_id), None)

    def modify(self, req: Request) -> Response:
        order = self._order(req.body.get("order_id"))
        if order is None:
            return error(400, "UDAPI100010", "Order not found")
        order["price"] = req.body["price"]
        return ok({"order_id": order["order_id"]})

    def cancel(self, req: Request) -> Response:
        order = self._order(req.query.get("order_id"))
        if order is None:
            return error(400, "UDAPI100010", "Order not found")
        order["status"] = "cancelled"
        return ok({"order_id": order["order_id"]})

    def fill(self, order_id: str, quantity: int, price: float) -> None:
        order = self._order(order_id)
        assert order is not None
        total = order["average_price"] * order["filled_quantity"] + price * quantity
        order["filled_quantity"] += quantity
        order["pending_quantity"] -= quantity
        order["average_price"] = total / order["filled_quantity"]
        order["status"] = "complete" if order["pending_quantity"] == 0 else "open"
        self.trades.append(
            {
                "trade_id": str(next(self._trade_ids)),
                "order_id": order_id,
                "exchange": order["exchange"],
                "trading_symbol": order["trading_symbol"],
                "instrument_token": order["instrument_token"],
                "transaction_type": order["transaction_type"],
                "product": order["product"],
                "quantity": quantity,
                "average_price": price,
                "exchange_timestamp": "05-Jan-2026 09:21:00",
            }
        )

    def positions(self, req: Request) -> Response:
        if self.position_rows is not None:
            return ok(self.position_rows)
        return ok(
            [
                {
                    "exchange": "NSE",
                    "trading_symbol": "INFY",
                    "instrument_token": INFY_KEY,
                    "product": "I",
                    "quantity": 5,
                    "average_price": 1500.5,
                    "realised": 0,
                    "unrealised": 12.5,
                }
            ]
        )

    def historical(self, req: Request) -> Response:
        return ok(
            {
                "candles": [
                    ["2026-01-05T09:16:00+05:30", 1502.25, 1503, 1501, 1502, 8000, 0],
                    ["2026-01-05T09:15:00+05:30", 1500, 1505.5, 1499, 1502.25, 12000, 0],
                ]
            }
        )
