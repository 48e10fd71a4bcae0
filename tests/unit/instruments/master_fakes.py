"""Hand-made broker instrument dumps for the instrument-master tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime

HEADER = ("instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,"
          "lot_size,instrument_type,segment,exchange")


def kite_rows(n_equities: int = 40, nifty_lot: int = 75, token_base: int = 1000) -> list[str]:
    """Kite CSV rows: ``n_equities`` NSE stocks plus two NIFTY futures of lot ``nifty_lot``."""
    rows = [f"{token_base + i},{i},STOCK{i},STOCK {i},0,,,0.05,1,EQ,NSE,NSE" for i in range(n_equities)]
    rows.append(f"9001,501,NIFTY26JANFUT,NIFTY,0,2026-01-27,,0.1,{nifty_lot},FUT,NFO-FUT,NFO")
    rows.append("9002,502,NIFTY25DECFUT,NIFTY,0,2025-12-30,,0.1,75,FUT,NFO-FUT,NFO")
    return rows


def kite_csv(rows: list[str]) -> bytes:
    """The CSV bytes of ``rows`` under Kite's header."""
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def upstox_json(items: int = 3) -> bytes:
    """An Upstox instrument JSON with one NIFTY future and ``items - 1`` equities."""
    expiry_ms = int(datetime(2026, 1, 27, 14, 30, tzinfo=UTC).timestamp() * 1000)  # 20:00 IST
    out = [{"segment": "NSE_FO", "exchange": "NSE", "instrument_key": "NSE_FO|49229",
            "trading_symbol": "NIFTY26JANFUT", "lot_size": 65, "tick_size": 10.0, "expiry": expiry_ms,
            "instrument_type": "FUT", "freeze_quantity": 1800.0, "underlying_symbol": "NIFTY"}]
    out += [{"segment": "NSE_EQ", "exchange": "NSE", "instrument_key": f"NSE_EQ|INE00{i}",
             "trading_symbol": f"STOCK{i}", "lot_size": 1, "tick_size": 5.0, "instrument_type": "EQ"}
            for i in range(items - 1)]
    return json.dumps(out).encode()
