"""Writers of the synthetic sample in the official file layouts (see :mod:`vyapari.data.sample`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from vyapari.data.formats import CORPORATE_ACTION_COLUMNS, UDIFF_COLUMNS
from vyapari.data.sample_universe import COMPANY_NAMES, FACE_VALUES, NIFTY50, SAMPLE_ACTIONS
from vyapari.data.schema import MINUTE_SCHEMA

if TYPE_CHECKING:
    from vyapari.data.sample import SymbolPath

TICK_INR = 0.05
_SYMBOL_INDEX = {s: i for i, s in enumerate(sorted(NIFTY50))}


def _inr(ticks: np.ndarray | int) -> np.ndarray:
    return np.round(np.asarray(ticks, dtype=np.float64) * TICK_INR, 2)


def isin(symbol: str) -> str:
    """A synthetic 12-character ISIN-like code (not the real ISIN)."""
    return f"INE{_SYMBOL_INDEX.get(symbol, 999):04d}S0101"


def day_rows(day_index: int, paths: dict[str, SymbolPath]) -> pd.DataFrame:
    """One row per symbol for a session: raw OHLC, last, prev close (₹), volume, turnover (₹), trades."""
    rows = []
    for symbol in sorted(paths):
        d = paths[symbol].daily
        o, h, low, c = (int(d[k][day_index]) for k in ("open", "high", "low", "close"))
        volume = int(d["volume"][day_index])
        rows.append({"symbol": symbol, "open": o, "high": h, "low": low, "close": c,
                     "prev": int(paths[symbol].prev_close[day_index]), "volume": volume,
                     "turnover": round(volume * (h + low + c) / 3 * TICK_INR, 2),
                     "trades": max(1, volume // 45)})
    frame = pd.DataFrame(rows)
    for col in ("open", "high", "low", "close", "prev"):
        frame[col] = _inr(frame[col].to_numpy())
    return frame


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(frame.to_csv(index=False, lineterminator="\n", float_format="%.2f").encode())
    return path


def _udiff(day: date, rows: pd.DataFrame, src: str, series: str, ids: list[int]) -> pd.DataFrame:
    out = pd.DataFrame({c: [""] * len(rows) for c in UDIFF_COLUMNS})
    out["TradDt"] = out["BizDt"] = day.isoformat()
    out["Sgmt"], out["Src"], out["FinInstrmTp"], out["SctySrs"] = "CM", src, "STK", series
    out["FinInstrmId"], out["ISIN"], out["TckrSymb"] = ids, [isin(s) for s in rows["symbol"]], rows["symbol"]
    out["FinInstrmNm"] = [f"{s} LIMITED" for s in rows["symbol"]]
    for ours, col in (("OpnPric", "open"), ("HghPric", "high"), ("LwPric", "low"), ("ClsPric", "close"),
                      ("LastPric", "close"), ("PrvsClsgPric", "prev"), ("SttlmPric", "close"),
                      ("TtlTradgVol", "volume"), ("TtlTrfVal", "turnover"), ("TtlNbOfTxsExctd", "trades")):
        out[ours] = rows[col].to_numpy()
    out["SsnId"], out["NewBrdLotQty"] = "F1", 1
    return out


def write_nse_day(out: Path, day: date, day_index: int, paths: dict[str, SymbolPath]) -> list[Path]:
    """The NSE UDiFF and legacy bhavcopies of one session."""
    rows = day_rows(day_index, paths)
    ids = [1000 + _SYMBOL_INDEX[s] for s in rows["symbol"]]
    udiff = _write_csv(_udiff(day, rows, "NSE", "EQ", ids),
                       out / "nse_udiff" / f"BhavCopy_NSE_CM_0_0_0_{day:%Y%m%d}_F_0000.csv")
    legacy = pd.DataFrame({
        "SYMBOL": rows["symbol"], "SERIES": "EQ", "OPEN": rows["open"], "HIGH": rows["high"],
        "LOW": rows["low"], "CLOSE": rows["close"], "LAST": rows["close"], "PREVCLOSE": rows["prev"],
        "TOTTRDQTY": rows["volume"], "TOTTRDVAL": rows["turnover"],
        "TIMESTAMP": day.strftime("%d-%b-%Y").upper(), "TOTALTRADES": rows["trades"],
        "ISIN": [isin(s) for s in rows["symbol"]], "": "",
    })
    month = day.strftime("%b").upper()
    name = f"cm{day:%d}{month}{day:%Y}bhav.csv"
    return [udiff, _write_csv(legacy, out / "nse_legacy" / name)]


def write_bse_udiff(out: Path, day: date, day_index: int, paths: dict[str, SymbolPath]) -> Path:
    """The BSE UDiFF equity bhavcopy of one session (a tenth of the NSE volume; group ``A``)."""
    rows = day_rows(day_index, paths)
    rows["volume"] = np.maximum(rows["volume"] // 10, 1)
    rows["turnover"] = np.round(rows["turnover"] / 10, 2)
    rows["trades"] = np.maximum(rows["trades"] // 10, 1)
    ids = [900000 + _SYMBOL_INDEX[s] for s in rows["symbol"]]
    return _write_csv(_udiff(day, rows, "BSE", "A", ids),
                      out / "bse_udiff" / f"BhavCopy_BSE_CM_0_0_0_{day:%Y%m%d}_F_0000.CSV")


def write_corporate_actions(out: Path, days: list[date]) -> Path:
    """The NSE corporate-actions export of the sample's actions (ex-dates inside the window)."""
    from vyapari.data.sample import action_dates

    ex_dates = action_dates(days)
    rows = []
    for symbol, purpose, where in SAMPLE_ACTIONS:
        ex = ex_dates.get(symbol, (days[min(len(days) - 1, max(1, int(where * len(days))))], 1))[0]
        text = ex.strftime("%d-%b-%Y")
        rows.append([symbol, COMPANY_NAMES[symbol], "EQ", purpose, FACE_VALUES[symbol], text, text, "-", "-"])
    frame = pd.DataFrame(rows, columns=list(CORPORATE_ACTION_COLUMNS))
    return _write_csv(frame, out / "corporate_actions" / "CF-CA-equities.csv")


def write_minute(out: Path, symbol: str, minute: dict[str, np.ndarray]) -> Path:
    """``minute/<SYMBOL>.parquet``: ts (tz-aware IST, bar start), OHLC in ₹, volume in shares."""
    ts = pa.array(minute["ts"].astype("datetime64[ns]"), type=pa.timestamp("ns")).cast(
        pa.timestamp("ns", tz="UTC")).cast(pa.timestamp("ns", tz="Asia/Kolkata"))
    table = pa.Table.from_arrays(
        [ts, *(pa.array(_inr(minute[k])) for k in ("open", "high", "low", "close")),
         pa.array(minute["volume"].astype(np.int64))], schema=MINUTE_SCHEMA)
    path = out / "minute" / f"{symbol}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")
    return path
