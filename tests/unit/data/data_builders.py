"""Builders of small official exchange files for the data tests."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from vyapari.data.formats import NSE_CM_LEGACY_COLUMNS, UDIFF_COLUMNS

# symbol, series, open, high, low, close, volume
ROWS = [
    ("INFY", "EQ", "1500.00", "1510.50", "1495.00", "1505.25", "1000"),
    ("RELIANCE", "EQ", "1380.00", "1390.00", "1370.00", "1385.00", "2000"),
    ("TCS", "EQ", "3100.00", "3120.00", "3090.00", "3110.00", "500"),
]


def udiff_csv(day: str, rows: Sequence[tuple[str, ...]] | None = None, src: str = "NSE") -> bytes:
    """A small UDiFF CM file for ISO ``day`` with ``rows`` (symbol, series, o, h, l, c, volume)."""
    lines = [",".join(UDIFF_COLUMNS)]
    for i, (sym, ser, o, h, low, c, vol) in enumerate(rows if rows is not None else ROWS):
        fields = dict.fromkeys(UDIFF_COLUMNS, "")
        fields.update(TradDt=day, BizDt=day, Sgmt="CM", Src=src, FinInstrmTp="STK", FinInstrmId=str(100 + i),
                      ISIN=f"INE{i:09d}", TckrSymb=sym, SctySrs=ser, OpnPric=o, HghPric=h, LwPric=low,
                      ClsPric=c, LastPric=c, PrvsClsgPric=o, TtlTradgVol=vol, TtlTrfVal="1000.50",
                      TtlNbOfTxsExctd="10", SsnId="F1", NewBrdLotQty="1")
        lines.append(",".join(fields[k] for k in UDIFF_COLUMNS))
    return ("\n".join(lines) + "\n").encode()


def udiff_name(day: str, src: str = "NSE") -> str:
    """Official UDiFF name for ISO ``day``."""
    return f"BhavCopy_{src}_CM_0_0_0_{day.replace('-', '')}_F_0000.csv"


def legacy_csv(stamp: str, rows: list[tuple[str, ...]] | None = None) -> bytes:
    """A small legacy NSE CM file dated ``stamp`` (``DD-MON-YYYY``)."""
    lines = [",".join(NSE_CM_LEGACY_COLUMNS) + ","]
    for i, (sym, ser, o, h, low, c, vol) in enumerate(rows if rows is not None else ROWS):
        lines.append(f"{sym},{ser},{o},{h},{low},{c},{c},{o},{vol},123456.75,{stamp},42,INE{i:09d},")
    return ("\n".join(lines) + "\n").encode()


def zipped(*members: tuple[str, bytes]) -> bytes:
    """A zip archive holding ``members``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buf.getvalue()


def many_rows(n: int = 40) -> list[tuple[str, ...]]:
    """``ROWS`` plus ``n`` clean filler rows (so one bad row stays under the bad-row limit)."""
    filler = [(f"SYM{i:03d}", "EQ", "100.00", "101.00", "99.00", "100.50", str(1000 + i)) for i in range(n)]
    return [*ROWS, *filler]
