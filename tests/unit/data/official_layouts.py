"""Test helpers: turn the reshaped real bhavcopy (see the shared data README) into official layouts.

The reshaped files have a leading row-index column, a trailing empty column ``X``, blank ``ISIN`` and
``TOTTRDVAL`` in ₹ lakh; the official legacy file has turnover in ₹ and a trailing comma.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd

from vyapari.data.formats import NSE_CM_LEGACY_COLUMNS, UDIFF_COLUMNS

RUPEES_PER_LAKH = 100_000


def shared_data_dir() -> Path:
    """``<repo>/../shared/data`` (may not exist); ``VYAPARI_SHARED_DATA`` names another folder (a git
    worktree kept away from the main checkout)."""
    override = os.environ.get("VYAPARI_SHARED_DATA")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[3] / ".." / "shared" / "data"


def reshaped_dir() -> Path:
    """Folder of the reshaped real NSE bhavcopies."""
    return shared_data_dir() / "nse_bhavcopy_reshaped"


def read_reshaped(path: Path) -> pd.DataFrame:
    """A reshaped file with turnover converted to ₹ and the helper columns removed."""
    frame = pd.read_csv(path, keep_default_na=False, dtype={"ISIN": str})
    frame = frame.drop(columns=[c for c in frame.columns if c in ("", "X") or c.startswith("Unnamed")])
    frame["TOTTRDVAL"] = (frame["TOTTRDVAL"].astype(float) * RUPEES_PER_LAKH).round(2)
    return frame


def to_legacy_bytes(frame: pd.DataFrame) -> bytes:
    """The official ``cmDDMONYYYYbhav.csv`` layout (uppercase month, trailing comma)."""
    out = frame[list(NSE_CM_LEGACY_COLUMNS)].copy()
    out["TIMESTAMP"] = pd.to_datetime(out["TIMESTAMP"], format="%d-%b-%Y").dt.strftime("%d-%b-%Y").str.upper()
    out[""] = ""
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode()


def to_udiff_bytes(frame: pd.DataFrame, src: str = "NSE") -> bytes:
    """The official UDiFF CM layout (34 columns, ISO dates)."""
    day = pd.to_datetime(frame["TIMESTAMP"], format="%d-%b-%Y").dt.strftime("%Y-%m-%d")
    out = pd.DataFrame({c: "" for c in UDIFF_COLUMNS}, index=frame.index)
    out["TradDt"] = day
    out["BizDt"] = day
    out["Sgmt"], out["Src"], out["FinInstrmTp"] = "CM", src, "STK"
    out["ISIN"], out["TckrSymb"], out["SctySrs"] = frame["ISIN"], frame["SYMBOL"], frame["SERIES"]
    for ours, theirs in (("OpnPric", "OPEN"), ("HghPric", "HIGH"), ("LwPric", "LOW"), ("ClsPric", "CLOSE"),
                         ("LastPric", "LAST"), ("PrvsClsgPric", "PREVCLOSE"), ("TtlTradgVol", "TOTTRDQTY"),
                         ("TtlTrfVal", "TOTTRDVAL"), ("TtlNbOfTxsExctd", "TOTALTRADES")):
        out[ours] = frame[theirs]
    out["SsnId"], out["NewBrdLotQty"] = "F1", 1
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode()


def udiff_name(frame: pd.DataFrame, src: str = "NSE") -> str:
    """Official UDiFF file name of the frame's day."""
    day = pd.to_datetime(frame["TIMESTAMP"].iloc[0], format="%d-%b-%Y")
    return f"BhavCopy_{src}_CM_0_0_0_{day:%Y%m%d}_F_0000.csv"


def legacy_name(frame: pd.DataFrame) -> str:
    """Official legacy file name of the frame's day."""
    day = pd.to_datetime(frame["TIMESTAMP"].iloc[0], format="%d-%b-%Y")
    return f"cm{day:%d}{day:%b}{day:%Y}bhav.csv".replace(f"{day:%b}", f"{day:%b}".upper())
