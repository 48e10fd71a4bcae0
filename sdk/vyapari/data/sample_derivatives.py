"""The sample's NSE F&O bhavcopies and broker instrument dumps (synthetic, seeded by the cash closes).

* ``nse_fo_udiff/BhavCopy_NSE_FO_0_0_0_YYYYMMDD_F_0000.csv``: the official UDiFF F&O layout with a
  near-month future per NIFTY 50 stock, the NIFTY index future and NIFTY options at five strikes;
  prices in ₹ derived from the day's cash closes, volume in units, lot sizes from the built-in table.
* ``instruments/kite_instruments.csv`` (Kite's CSV dump) and ``instruments/upstox_instruments.json``
  (Upstox's JSON master) of the last session: the cash scrips and the current futures, so
  ``vyapari instruments publish`` can be tried without a broker account. Tokens are synthetic.

Monthly expiries are the last Tuesday of the month from September 2025 (the last Thursday before),
moved to the previous session when that day is a holiday.
"""

from __future__ import annotations

import calendar
import json
import math
import zlib
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pandas as pd

from vyapari.core.errors import ScheduleNotFound
from vyapari.core.time import IST
from vyapari.data.formats import UDIFF_COLUMNS
from vyapari.market.lots import lot_size_as_of

INDEX = "NIFTY"
INDEX_BASE_INR = 25_000.0
_TUESDAY_FROM = date(2025, 9, 1)
_STRIKE_STEP = 50
KITE_DUMP_COLUMNS = (  # Kite's instruments CSV header (the data layer may not import vyapari.instruments)
    "instrument_token", "exchange_token", "tradingsymbol", "name", "last_price", "expiry", "strike",
    "tick_size", "lot_size", "instrument_type", "segment", "exchange",
)


def monthly_expiry(day: date) -> date:
    """The current monthly F&O expiry on ``day`` (see the module docstring)."""
    from vyapari.market.calendar import get_calendar

    cal = get_calendar("NSE")
    year, month = day.year, day.month
    while True:
        last = date(year, month, calendar.monthrange(year, month)[1])
        weekday = 1 if last >= _TUESDAY_FROM else 3
        expiry = last - timedelta(days=(last.weekday() - weekday) % 7)
        while not cal.is_session(expiry):
            expiry -= timedelta(days=1)
        if expiry >= day:
            return expiry
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _lot(underlying: str, day: date, price: float) -> int:
    try:
        return lot_size_as_of(underlying, day)
    except ScheduleNotFound:  # not in the built-in table: a contract of about ₹5 lakh
        return max(1, round(500_000 / price / 25) * 25)


def index_level(closes: dict[str, float], reference: dict[str, float]) -> float:
    """A NIFTY-like level: :data:`INDEX_BASE_INR` times the mean relative price of the constituents."""
    ratios = [closes[s] / reference[s] for s in sorted(closes) if s in reference]
    return round(INDEX_BASE_INR * sum(ratios) / max(len(ratios), 1), 2)


def _tick(price: float) -> float:
    return round(round(price / 0.05) * 0.05, 2)


def _fo_row(n: int, day: date, kind: str, symbol: str, expiry: date, close: float, lot: int,
            strike: float | None = None, option: str = "") -> dict[str, object]:
    o, c = _tick(close * 0.998), _tick(close)
    h, low = _tick(max(o, c) * 1.004), _tick(min(o, c) * 0.996)
    lots = 40 + zlib.crc32(f"{symbol}{option}{strike}{day}".encode()) % 60
    row: dict[str, object] = {col: "" for col in UDIFF_COLUMNS}
    row.update({
        "TradDt": day.isoformat(), "BizDt": day.isoformat(), "Sgmt": "FO", "Src": "NSE",
        "FinInstrmTp": kind, "FinInstrmId": 35000 + n,
        "TckrSymb": symbol, "XpryDt": expiry.isoformat(), "FininstrmActlXpryDt": expiry.isoformat(),
        "StrkPric": "" if strike is None else f"{strike:.2f}", "OptnTp": option,
        "FinInstrmNm": f"{symbol}{expiry:%y%b}".upper() + (f"{int(strike)}{option}" if strike else "FUT"),
        "OpnPric": o, "HghPric": h, "LwPric": low, "ClsPric": c, "LastPric": c, "PrvsClsgPric": o,
        "UndrlygPric": "", "SttlmPric": c, "OpnIntrst": lots * lot * 50, "ChngInOpnIntrst": lots * lot,
        "TtlTradgVol": lots * lot, "TtlTrfVal": round(lots * lot * c, 2), "TtlNbOfTxsExctd": lots,
        "SsnId": "F1", "NewBrdLotQty": lot,
    })
    return row


def fo_rows(day: date, closes: dict[str, float], reference: dict[str, float]) -> pd.DataFrame:
    """The day's F&O rows: stock futures, the index future, index options around the money."""
    expiry = monthly_expiry(day)
    carry = 1 + 0.07 * (expiry - day).days / 365
    rows = [_fo_row(n, day, "STF", s, expiry, closes[s] * carry, _lot(s, day, closes[s]))
            for n, s in enumerate(sorted(closes))]
    level = index_level(closes, reference)
    lot = _lot(INDEX, day, level)
    rows.append(_fo_row(len(rows), day, "IDF", INDEX, expiry, level * carry, lot))
    atm = round(level / _STRIKE_STEP) * _STRIKE_STEP
    years = max((expiry - day).days, 1) / 365
    for k in range(-2, 3):
        strike = float(atm + k * _STRIKE_STEP)
        time_value = 0.4 * level * 0.13 * math.sqrt(years)
        for option, intrinsic in (("CE", level - strike), ("PE", strike - level)):
            price = max(intrinsic, 0.0) + time_value
            rows.append(_fo_row(len(rows), day, "IDO", INDEX, expiry, price, lot, strike, option))
    return pd.DataFrame(rows, columns=list(UDIFF_COLUMNS))


def write_fo_day(out: Path, day: date, closes: dict[str, float], reference: dict[str, float]) -> Path:
    """``nse_fo_udiff/BhavCopy_NSE_FO_0_0_0_<YYYYMMDD>_F_0000.csv`` of one session."""
    path = out / "nse_fo_udiff" / f"BhavCopy_NSE_FO_0_0_0_{day:%Y%m%d}_F_0000.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = fo_rows(day, closes, reference)
    path.write_bytes(frame.to_csv(index=False, lineterminator="\n", float_format="%.2f").encode())
    return path


def _expiry_ms(expiry: date) -> int:
    return int(datetime.combine(expiry, time(15, 30), IST).astimezone(UTC).timestamp() * 1000)


def write_instrument_dumps(out: Path, day: date, isins: dict[str, str], closes: dict[str, float],
                           reference: dict[str, float]) -> list[Path]:
    """Kite's CSV and Upstox's JSON instrument dumps of ``day`` (cash scrips and current futures)."""
    expiry = monthly_expiry(day)
    symbols = sorted(isins)
    kite_rows, upstox_rows = [], []
    for i, symbol in enumerate(symbols):
        exchange_token = 1000 + i
        kite_rows.append([exchange_token * 256 + 1, exchange_token, symbol, symbol, 0, "", 0, 0.05, 1,
                          "EQ", "NSE", "NSE"])
        upstox_rows.append({"segment": "NSE_EQ", "exchange": "NSE", "trading_symbol": symbol,
                            "instrument_key": f"NSE_EQ|{isins[symbol]}", "isin": isins[symbol],
                            "name": symbol, "lot_size": 1, "tick_size": 5.0, "instrument_type": "EQ",
                            "exchange_token": str(exchange_token)})
    futures = [(s, _lot(s, day, closes[s])) for s in symbols] + [
        (INDEX, _lot(INDEX, day, index_level(closes, reference)))]
    for j, (underlying, lot) in enumerate(futures):
        token = 50_000 + j
        name = f"{underlying}{expiry:%y%b}FUT".upper()
        kite_rows.append([token * 256 + 3, token, name, underlying, 0, expiry.isoformat(), 0, 0.05 if
                          underlying != INDEX else 0.1, lot, "FUT", "NFO-FUT", "NFO"])
        upstox_rows.append({"segment": "NSE_FO", "exchange": "NSE", "trading_symbol": name,
                            "instrument_key": f"NSE_FO|{token}", "name": underlying, "lot_size": lot,
                            "tick_size": 5.0 if underlying != INDEX else 10.0, "instrument_type": "FUT",
                            "underlying_symbol": underlying, "expiry": _expiry_ms(expiry),
                            "exchange_token": str(token)})
    folder = out / "instruments"
    folder.mkdir(parents=True, exist_ok=True)
    kite = folder / "kite_instruments.csv"
    kite.write_bytes(pd.DataFrame(kite_rows, columns=list(KITE_DUMP_COLUMNS)).to_csv(
        index=False, lineterminator="\n").encode())
    upstox = folder / "upstox_instruments.json"
    upstox.write_bytes(json.dumps(upstox_rows, indent=1).encode())
    return [kite, upstox]
