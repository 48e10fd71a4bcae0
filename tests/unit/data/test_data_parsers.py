"""Layout detection from the header and parsing of each official layout (values and units)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from tests.unit.data.data_builders import legacy_csv, udiff_csv, zipped

from vyapari.data.formats import BhavcopyFormat, date_from_name, detect_format
from vyapari.data.parsers import parse
from vyapari.data.rejections import RejectionError

FO_LEGACY = (
    b"INSTRUMENT,SYMBOL,EXPIRY_DT,STRIKE_PR,OPTION_TYP,OPEN,HIGH,LOW,CLOSE,SETTLE_PR,CONTRACTS,VAL_INLAKH,"
    b"OPEN_INT,CHG_IN_OI,TIMESTAMP,\n"
    b"FUTIDX,NIFTY,25-Jan-2024,0,XX,21500,21600,21400,21550,21550,1000,10750.5,500000,1000,04-JAN-2024,\n"
    b"OPTIDX,NIFTY,25-Jan-2024,21500,CE,200,250,180,230,230,300,1.5,20000,-50,04-JAN-2024,\n"
)

BSE_LEGACY = (
    b"SC_CODE,SC_NAME,SC_GROUP,SC_TYPE,OPEN,HIGH,LOW,CLOSE,LAST,PREVCLOSE,NO_TRADES,NO_OF_SHRS,NET_TURNOV,"
    b"TDCLOINDI,ISIN_CODE,TRADING_DATE,FILLER2,FILLER3\n"
    b"500002,ABB LTD.    ,A ,Q,2700.00,2750.00,2690.00,2740.00,2741.00,2695.00,1200,15000,41000000.00,,"
    b"INE117A01022,03-Jan-23,,\n"
)

CORP_ACTIONS = (
    b"SYMBOL,COMPANY NAME,SERIES,PURPOSE,FACE VALUE,EX-DATE,RECORD DATE,BOOK CLOSURE START DATE,"
    b"BOOK CLOSURE END DATE\n"
    b"ABC,Abc Ltd,EQ,Bonus 3:2,10,05-Mar-2024,05-Mar-2024,-,-\n"
    b'XYZ,Xyz Ltd,EQ,"Face Value Split (Sub-Division) - From Rs 10/- Per Share To Rs 2/- Per Share",10,'
    b"12-Mar-2024,12-Mar-2024,-,-\n"
    b"PQR,Pqr Ltd,EQ,Annual General Meeting/Final Dividend - Rs 8.50 Per Share,1,20-Mar-2024,-,-,-\n"
    b"LMN,Lmn Ltd,EQ,Rights 19:100 at Rs 150,1,-,-,-,-\n"
)


def _fo_udiff() -> bytes:
    head = udiff_csv("2025-09-10").split(b"\n", 1)[0].decode()
    row = ("2025-09-10,2025-09-10,FO,NSE,IDO,35001,,NIFTY,,2025-09-30,2025-09-30,25000,PE,NIFTY25SEP25000PE,"
           "120.5,130,110,115,115,121,24950.5,115,1500000,-25000,300000,34500000.5,900,F1,75,,,,,")
    return f"{head}\n{row}\n".encode()


@pytest.mark.parametrize(("data", "expected"), [
    (legacy_csv("10-SEP-2025"), BhavcopyFormat.NSE_CM_LEGACY),
    (b"SYMBOL,SERIES,OPEN,HIGH,LOW,CLOSE,LAST,PREVCLOSE,TOTTRDQTY,TOTTRDVAL,TIMESTAMP,\nA,EQ,1,1,1,1,1,1,1,1,"
     b"02-JAN-2008,\n", BhavcopyFormat.NSE_CM_LEGACY_PRE2010),
    (udiff_csv("2025-09-10"), BhavcopyFormat.NSE_CM_UDIFF),
    (udiff_csv("2025-09-10", src="BSE"), BhavcopyFormat.BSE_CM_UDIFF),
    (FO_LEGACY, BhavcopyFormat.NSE_FO_LEGACY),
    (BSE_LEGACY, BhavcopyFormat.BSE_CM_LEGACY),
    (CORP_ACTIONS, BhavcopyFormat.NSE_CORPORATE_ACTIONS),
])
def test_detect_format_reads_the_header(data: bytes, expected: BhavcopyFormat) -> None:
    assert detect_format(data, "misleading_name_fo01JAN2020bhav.csv") is expected
    assert detect_format(zipped(("x.csv", data)), "x.zip") is expected


def test_detect_format_tells_udiff_fo_by_its_rows() -> None:
    assert detect_format(_fo_udiff()) is BhavcopyFormat.NSE_FO_UDIFF


def test_detect_format_rejects_unknown_header() -> None:
    with pytest.raises(RejectionError, match="unknown_header"):
        detect_format(b"Date,Open,High\n1,2,3\n")


def test_date_from_name_reads_the_conventional_names() -> None:
    assert date_from_name("cm04JAN2024bhav.csv.zip") == date(2024, 1, 4)
    assert date_from_name("BhavCopy_NSE_CM_0_0_0_20250910_F_0000.csv.zip") == date(2025, 9, 10)
    assert date_from_name("EQ_ISINCODE_030123.CSV") == date(2023, 1, 3)
    assert date_from_name("whatever.csv") is None


def test_legacy_nse_cm_values_and_units() -> None:
    parsed = parse(legacy_csv("10-SEP-2025"), "cm10SEP2025bhav.csv")
    row = parsed.frame.set_index("symbol").loc["RELIANCE"]
    assert (parsed.dataset, parsed.exchange) == ("daily_bars", "NSE")
    assert row["session_date"] == date(2025, 9, 10)
    assert (row["open"], row["high"], row["low"], row["close"]) == (1380.0, 1390.0, 1370.0, 1385.0)
    assert row["turnover_inr"] == 123456.75  # the legacy file is in ₹ already
    assert row["isin"] == "INE000000001" and row["trades"] == 42


def test_pre2010_layout_has_no_isin_or_trades() -> None:
    data = (b"SYMBOL,SERIES,OPEN,HIGH,LOW,CLOSE,LAST,PREVCLOSE,TOTTRDQTY,TOTTRDVAL,TIMESTAMP,\n"
            b"ACC,EQ,900,910,890,905,904,899,1000,905000,02-JAN-2008,\n")
    frame = parse(data, "cm02JAN2008bhav.csv").frame
    assert frame["isin"].iloc[0] == "" and np.isnan(frame["trades"].iloc[0])
    assert frame["session_date"].iloc[0] == date(2008, 1, 2)


def test_fo_legacy_turnover_is_converted_from_lakh() -> None:
    parsed = parse(FO_LEGACY, "fo04JAN2024bhav.csv")
    fut, opt = parsed.frame.iloc[0], parsed.frame.iloc[1]
    assert parsed.exchange == "NFO" and parsed.dataset == "fo_daily"
    assert fut["turnover_inr"] == pytest.approx(10750.5 * 100_000)
    assert fut["option_type"] == "" and opt["option_type"] == "CE"
    assert opt["expiry"] == date(2024, 1, 25) and opt["strike"] == 21500


def test_fo_udiff_maps_instrument_type_and_keeps_lot_size() -> None:
    row = parse(_fo_udiff(), "BhavCopy_NSE_FO_0_0_0_20250910_F_0000.csv").frame.iloc[0]
    assert (row["instrument_type"], row["option_type"], row["lot_size"]) == ("OPTIDX", "PE", 75)
    assert (row["open_interest"], row["underlying_price"]) == (1500000, 24950.5)


def test_bse_legacy_strips_padding_and_uses_scrip_code() -> None:
    row = parse(BSE_LEGACY, "EQ_ISINCODE_030123.CSV").frame.iloc[0]
    assert (row["symbol"], row["series"], row["exchange"]) == ("500002", "A", "BSE")
    assert row["session_date"] == date(2023, 1, 3) and row["volume"] == 15000


def test_corporate_actions_are_typed_with_exact_ratios_and_unknowns_kept() -> None:
    parsed = parse(CORP_ACTIONS, "CF-CA.csv")
    frame = parsed.frame
    bonus = frame[frame["symbol"] == "ABC"].iloc[0]
    split = frame[frame["symbol"] == "XYZ"].iloc[0]
    assert (bonus["kind"], bonus["ratio_num"], bonus["ratio_den"]) == ("bonus", 5, 2)
    assert (split["kind"], split["ratio_num"], split["ratio_den"]) == ("split", 5, 1)
    pqr = frame[frame["symbol"] == "PQR"]
    assert sorted(pqr["kind"]) == ["dividend", "other"]
    assert pqr[pqr["kind"] == "dividend"]["amount_inr"].iloc[0] == 8.5
    assert frame[frame["symbol"] == "LMN"]["kind"].iloc[0] == "other"
    assert any("Rights" in note for note in parsed.notes)
