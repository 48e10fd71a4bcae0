"""REST API market-data routes: /exchanges, /assets, /bars with roles, paging and errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from vyapari.data.storage import LocalObjectStore

Client = Callable[..., tuple[int, Any]]
DAYS = {"from": "2025-09-26", "to": "2025-09-30"}


def test_exchanges_lists_nse_and_bse_with_next_session(client: Client) -> None:
    status, body = client("GET", "/exchanges")
    assert status == 200
    assert [e["code"] for e in body["items"]] == ["NSE", "BSE"]
    assert body["items"][0]["next_session"]["open_at"].endswith("+05:30")


@pytest.mark.parametrize("groups", [None, "", "guests", "[]"])
def test_read_routes_refuse_callers_without_a_role(client: Client, groups: str | None) -> None:
    status, body = client("GET", "/exchanges", groups=groups)
    assert status == 403
    assert body["error"] == "forbidden" and body["request_id"]


def test_assets_lists_lake_symbols_with_their_exchange(client: Client) -> None:
    status, body = client("GET", "/assets")
    assert status == 200
    by_id = {a["instrument_id"]: a for a in body["items"]}
    assert by_id["NSE:RELIANCE"] == {"symbol": "RELIANCE", "exchange": "NSE", "instrument_id": "NSE:RELIANCE",
                                     "daily_bars": True, "minute_bars": True}
    assert by_id["BSE:RELIANCE"]["minute_bars"] is False
    status, bse = client("GET", "/assets", query={"exchange": "BSE"})
    assert status == 200 and {a["exchange"] for a in bse["items"]} == {"BSE"}


def test_assets_rejects_an_unknown_exchange_naming_the_field(client: Client) -> None:
    status, body = client("GET", "/assets", query={"exchange": "NYSE"})
    assert status == 422
    assert body["fields"][0]["field"] == "query.exchange"


def test_daily_bars_are_paged_with_next_token(client: Client) -> None:
    status, first = client("GET", "/bars", query={"symbol": "RELIANCE", **DAYS, "limit": "2"})
    assert status == 200 and len(first["bars"]) == 2 and first["next_token"]
    assert first["bars"][0]["ts"] == "2025-09-26T09:15:00+05:30"
    status, rest = client("GET", "/bars", query={"symbol": "RELIANCE", **DAYS, "limit": "2",
                                                 "next_token": first["next_token"]})
    assert status == 200 and len(rest["bars"]) == 1 and rest["next_token"] is None


@pytest.mark.parametrize(("interval", "count"), [("1m", 375), ("5m", 75), ("15m", 25)])
def test_intraday_bars_are_resampled_from_minutes(client: Client, interval: str, count: int) -> None:
    query = {"symbol": "INFY", "from": "2025-09-30", "to": "2025-09-30", "interval": interval,
             "limit": "1000"}
    status, body = client("GET", "/bars", query=query)
    assert status == 200 and len(body["bars"]) == count
    assert body["bars"][0]["ts"] == "2025-09-30T09:15:00+05:30"


def test_bars_of_an_unknown_symbol_are_404(client: Client) -> None:
    status, body = client("GET", "/bars", query={"symbol": "NOSUCH", **DAYS})
    assert status == 404 and "NOSUCH" in body["message"]


@pytest.mark.parametrize(("query", "field"), [
    ({"from": "2025-09-26", "to": "2025-09-30"}, "query.symbol"),
    ({"symbol": "reliance", **DAYS}, "query.symbol"),
    ({"symbol": "RELIANCE", "from": "2025-13-01", "to": "2025-09-30"}, "query.from"),
    ({"symbol": "RELIANCE", **DAYS, "interval": "2m"}, "query.interval"),
    ({"symbol": "RELIANCE", **DAYS, "limit": "0"}, "query.limit"),
    ({"symbol": "RELIANCE", "from": "2025-09-30", "to": "2025-09-01"}, "to"),
    ({"symbol": "RELIANCE", "from": "2025-01-01", "to": "2025-09-30", "interval": "1m"}, "to"),
    ({"symbol": "RELIANCE", **DAYS, "next_token": "%%%"}, "next_token"),
])
def test_malformed_bar_requests_are_422_naming_the_field(client: Client, query: dict[str, str],
                                                          field: str) -> None:
    status, body = client("GET", "/bars", query=query)
    assert status == 422
    assert field in [f["field"] for f in body["fields"]]


def test_assets_never_serve_text_that_is_not_a_symbol(tmp_path: Path) -> None:
    # A lake written before symbols were checked where they enter may hold such partitions.
    from vyapari.api.market import assets
    from vyapari.data import layout
    from vyapari.data.storage import LocalObjectStore

    store = LocalObjectStore(tmp_path)
    for symbol in ("RELIANCE", "=HYPERLINK(\"x\")", "../../etc", "M&M"):
        store.put(layout.minute_key("NSE", symbol, 2025, 9), b"not read: keys only")
    assert [a["symbol"] for a in assets(store, "NSE")] == ["M&M", "RELIANCE"]


class _EchoingStore(LocalObjectStore):
    """A lake store failing the way a misconfigured client does: the request, token included, in the error."""

    def list(self, prefix: str) -> list[str]:
        raise RuntimeError(f"GET {prefix}?api_key=kite-key-9f2&access_token=tok-9f2a7c-secret failed")


def test_an_unexpected_error_is_500_and_its_log_shows_no_credential(
    client: Client, services: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(services, "lake", _EchoingStore(tmp_path))
    status, body = client("GET", "/assets")
    assert status == 500 and body["error"] == "internal_error"
    (logged,) = [r for r in caplog.records if r.getMessage() == "unhandled error"]
    traceback_text = str(getattr(logged, "error", ""))
    assert "RuntimeError" in traceback_text and "in list" in traceback_text  # the traceback is logged
    assert logged.exc_info is None  # not as exc_info, which Powertools formats past our redaction
    for secret in ("tok-9f2a7c-secret", "kite-key-9f2"):
        assert secret not in traceback_text and secret not in str(body)
