"""A fake Kite Connect v3 REST server speaking the documented JSON envelopes.

Success: ``{"status": "success", "data": ...}``; errors: ``{"status": "error", "message": ...,
"error_type": "TokenException" | "InputException" | "OrderException" | "NetworkException" ...}``
with the HTTP status Kite uses (403 token, 400 input, 429 rate, 5xx). Authorization header:
``token <api_key>:<access_token>``. Instruments are CSV.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

from fake_http import FakeServer, Request, Response

API_KEY = "kitekey0001"
API_SECRET = "kitesecret-XYZ-0001"
REQUEST_TOKEN = "reqtoken-ABC-0001"
ACCESS_TOKEN = "kiteaccess-TOKEN-0001"
INSTRUMENTS_CSV = (
    "instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,"
    "instrument_type,segment,exchange\n"
    "408065,1594,INFY,INFOSYS,0,,0,0.05,1,EQ,NSE,NSE\n"
    "2953217,11536,TCS,TCS,0,,0,0.05,1,EQ,NSE,NSE\n"
)


def ok(data: Any) -> Response:
    return Response(200, {"status": "success", "data": data})


def error(status: int, error_type: str, message: str) -> Response:
    return Response(status, {"status": "error", "message": message, "data": None, "error_type": error_type})


class FakeKite(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.tokens = {ACCESS_TOKEN}
        self.orders: list[dict[str, Any]] = []
        self.trades: list[dict[str, Any]] = []
        self._ids = itertools.count(250_105_000_000_001)
        self._trade_ids = itertools.count(10_000_001)
        self.routes = [
            ("POST", "/session/token", self.session_token),
            ("POST", "/orders/regular", self.auth(self.place)),
            ("PUT", "/orders/regular/*", self.auth(self.modify)),
            ("DELETE", "/orders/regular/*", self.auth(self.cancel)),
            ("GET", "/orders", self.auth(lambda r: ok(self.orders))),
            ("GET", "/trades", self.auth(lambda r: ok(self.trades))),
            ("GET", "/portfolio/positions", self.auth(self.positions)),
            ("GET", "/portfolio/holdings", self.auth(lambda r: ok([]))),
            (
                "GET",
                "/instruments/NSE",
                self.auth(lambda r: Response(200, INSTRUMENTS_CSV.encode(), "text/csv")),
            ),
            ("GET", "/instruments/historical/*/*", self.auth(self.historical)),
        ]

    def auth(self, fn: Any) -> Any:
        def wrapped(req: Request) -> Response:
            header = req.headers.get("authorization", "")
            key, _, token = header.removeprefix("token ").partition(":")
            if key != API_KEY or token not in self.tokens:
                return error(403, "TokenException", "Incorrect `api_key` or `access_token`.")
            return fn(req)

        return wrapped

    def session_token(self, req: Request) -> Response:
        f = req.form
        expected = hashlib.sha256((API_KEY + REQUEST_TOKEN + API_SECRET).encode()).hexdigest()
        if (
            f.get("api_key") != API_KEY
            or f.get("request_token") != REQUEST_TOKEN
            or f.get("checksum") != expected
        ):
            return error(403, "TokenException", "Token is invalid or has expired.")
        return ok({"user_id": "AB1234", "access_token": ACCESS_TOKEN, "login_time": "2026-01-05 08:30:00"})

    def place(self, req: Request) -> Response:
        f = req.form
        if f.get("order_type") in ("MARKET", "SL-M") and "market_protection" not in f:
            return error(400, "InputException", "Market orders without market protection are not allowed.")
        if f.get("price") == "0.01":
            return error(400, "InputException", "Price is out of the circuit limits.")
        if int(f["quantity"]) > 10_000:
            return error(
                400, "MarginException", "Insufficient funds. Required margin is 95.00 but available is 1."
            )
        order_id = str(next(self._ids))
        self.orders.append(
            {
                "order_id": order_id,
                "status": "OPEN",
                "tag": f.get("tag"),
                "exchange": f["exchange"],
                "tradingsymbol": f["tradingsymbol"],
                "transaction_type": f["transaction_type"],
                "quantity": int(f["quantity"]),
                "filled_quantity": 0,
                "pending_quantity": int(f["quantity"]),
                "order_type": f["order_type"],
                "product": f["product"],
                "price": float(f.get("price", 0)),
                "trigger_price": float(f.get("trigger_price", 0)),
                "average_price": 0,
                "order_timestamp": "2026-01-05 09:20:00",
                "variety": "regular",
                "status_message": None,
            }
        )
        return ok({"order_id": order_id})

    def _order(self, order_id: str) -> dict[str, Any] | None:
        return next((o for o in self.orders if o["order_id"] == order_id), None)

    def modify(self, req: Request) -> Response:
        order = self._order(req.path.rsplit("/", 1)[-1])
        if order is None:
            return error(400, "InputException", "Invalid order_id.")
        if "price" in req.form:
            order["price"] = float(req.form["price"])
        return ok({"order_id": order["order_id"]})

    def cancel(self, req: Request) -> Response:
        order = self._order(req.path.rsplit("/", 1)[-1])
        if order is None or order["status"] != "OPEN":
            return error(400, "InputException", "Order cannot be cancelled.")
        order["status"] = "CANCELLED"
        return ok({"order_id": order["order_id"]})

    def fill(self, order_id: str, quantity: int, price: float) -> None:
        order = self._order(order_id)
        assert order is not None
        total = order["average_price"] * order["filled_quantity"] + price * quantity
        order["filled_quantity"] += quantity
        order["pending_quantity"] -= quantity
        order["average_price"] = total / order["filled_quantity"]
        if order["pending_quantity"] == 0:
            order["status"] = "COMPLETE"
        self.trades.append(
            {
                "trade_id": str(next(self._trade_ids)),
                "order_id": order_id,
                "exchange": order["exchange"],
                "tradingsymbol": order["tradingsymbol"],
                "transaction_type": order["transaction_type"],
                "product": order["product"],
                "quantity": quantity,
                "average_price": price,
                "fill_timestamp": "2026-01-05 09:21:00",
                "exchange_timestamp": "2026-01-05 09:21:00",
            }
        )

    def positions(self, req: Request) -> Response:
        net = [
            {
                "exchange": "NSE",
                "tradingsymbol": "INFY",
                "product": "MIS",
                "quantity": 5,
                "average_price": 1500.5,
                "realised": 0,
                "unrealised": 12.5,
            }
        ]
        return ok({"net": net, "day": net})

    def historical(self, req: Request) -> Response:
        if req.path.split("/")[3] != "408065":
            return error(400, "InputException", "invalid token")
        return ok(
            {
                "candles": [
                    ["2026-01-05T09:15:00+0530", 1500, 1505.5, 1499, 1502.25, 12000],
                    ["2026-01-05T09:16:00+0530", 1502.25, 1503, 1501, 1502, 8000],
                ]
            }
        )
