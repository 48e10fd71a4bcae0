"""File formats of Indian exchange data files, detected from the header (never trusted from the name).

Layouts (see the project's research notes, section C):

* NSE cash market legacy ``cmDDMONYYYYbhav.csv`` (``SYMBOL,SERIES,...,TIMESTAMP,TOTALTRADES,ISIN,``) and
  its pre-2010 variant without ``TOTALTRADES,ISIN``; turnover in ₹.
* UDiFF (NSE from 8-Jul-2024, BSE later): one 34-column header shared by NSE/BSE cash and F&O files;
  the row fields ``Src`` (NSE/BSE) and ``Sgmt`` (CM/FO) tell which.
* NSE F&O legacy ``foDDMONYYYYbhav.csv`` (turnover ``VAL_INLAKH`` in ₹ lakh).
* BSE equity legacy ``EQ_ISINCODE_DDMMYY.CSV`` (and the older ``EQDDMMYY`` without ISIN and date).
* NSE corporate actions export (``SYMBOL,COMPANY NAME,SERIES,PURPOSE,...,EX-DATE,...``).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from datetime import date, datetime
from enum import StrEnum

from vyapari.data.rejections import RejectionError, RejectReason


class BhavcopyFormat(StrEnum):
    """A recognised file layout."""

    NSE_CM_LEGACY = "nse_cm_legacy"
    NSE_CM_LEGACY_PRE2010 = "nse_cm_legacy_pre2010"
    NSE_CM_UDIFF = "nse_cm_udiff"
    NSE_FO_LEGACY = "nse_fo_legacy"
    NSE_FO_UDIFF = "nse_fo_udiff"
    BSE_CM_LEGACY = "bse_cm_legacy"
    BSE_CM_LEGACY_OLD = "bse_cm_legacy_old"
    BSE_CM_UDIFF = "bse_cm_udiff"
    BSE_FO_UDIFF = "bse_fo_udiff"
    NSE_CORPORATE_ACTIONS = "nse_corporate_actions"

    @property
    def source(self) -> str:
        """The ``raw/<source>/`` folder of files in this layout."""
        return _SOURCES[self]


_SOURCES = {
    BhavcopyFormat.NSE_CM_LEGACY: "nse_cm",
    BhavcopyFormat.NSE_CM_LEGACY_PRE2010: "nse_cm",
    BhavcopyFormat.NSE_CM_UDIFF: "nse_cm",
    BhavcopyFormat.NSE_FO_LEGACY: "nse_fo",
    BhavcopyFormat.NSE_FO_UDIFF: "nse_fo",
    BhavcopyFormat.BSE_CM_LEGACY: "bse_cm",
    BhavcopyFormat.BSE_CM_LEGACY_OLD: "bse_cm",
    BhavcopyFormat.BSE_CM_UDIFF: "bse_cm",
    BhavcopyFormat.BSE_FO_UDIFF: "bse_fo",
    BhavcopyFormat.NSE_CORPORATE_ACTIONS: "nse_corporate_actions",
}

NSE_CM_LEGACY_COLUMNS = (
    "SYMBOL", "SERIES", "OPEN", "HIGH", "LOW", "CLOSE", "LAST", "PREVCLOSE",
    "TOTTRDQTY", "TOTTRDVAL", "TIMESTAMP", "TOTALTRADES", "ISIN",
)
NSE_CM_PRE2010_COLUMNS = NSE_CM_LEGACY_COLUMNS[:11]
UDIFF_COLUMNS = (
    "TradDt", "BizDt", "Sgmt", "Src", "FinInstrmTp", "FinInstrmId", "ISIN", "TckrSymb", "SctySrs",
    "XpryDt", "FininstrmActlXpryDt", "StrkPric", "OptnTp", "FinInstrmNm", "OpnPric", "HghPric",
    "LwPric", "ClsPric", "LastPric", "PrvsClsgPric", "UndrlygPric", "SttlmPric", "OpnIntrst",
    "ChngInOpnIntrst", "TtlTradgVol", "TtlTrfVal", "TtlNbOfTxsExctd", "SsnId", "NewBrdLotQty", "Rmks",
    "Rsvd1", "Rsvd2", "Rsvd3", "Rsvd4",
)
NSE_FO_LEGACY_COLUMNS = (
    "INSTRUMENT", "SYMBOL", "EXPIRY_DT", "STRIKE_PR", "OPTION_TYP", "OPEN", "HIGH", "LOW", "CLOSE",
    "SETTLE_PR", "CONTRACTS", "VAL_INLAKH", "OPEN_INT", "CHG_IN_OI", "TIMESTAMP",
)
BSE_CM_LEGACY_COLUMNS = (
    "SC_CODE", "SC_NAME", "SC_GROUP", "SC_TYPE", "OPEN", "HIGH", "LOW", "CLOSE", "LAST", "PREVCLOSE",
    "NO_TRADES", "NO_OF_SHRS", "NET_TURNOV", "TDCLOINDI", "ISIN_CODE", "TRADING_DATE", "FILLER2", "FILLER3",
)
BSE_CM_OLD_COLUMNS = BSE_CM_LEGACY_COLUMNS[:14]
CORPORATE_ACTION_COLUMNS = (
    "SYMBOL", "COMPANY NAME", "SERIES", "PURPOSE", "FACE VALUE", "EX-DATE", "RECORD DATE",
    "BOOK CLOSURE START DATE", "BOOK CLOSURE END DATE",
)

_HEADERS: dict[tuple[str, ...], BhavcopyFormat] = {
    tuple(c.upper() for c in NSE_CM_LEGACY_COLUMNS): BhavcopyFormat.NSE_CM_LEGACY,
    tuple(c.upper() for c in NSE_CM_PRE2010_COLUMNS): BhavcopyFormat.NSE_CM_LEGACY_PRE2010,
    tuple(c.upper() for c in NSE_FO_LEGACY_COLUMNS): BhavcopyFormat.NSE_FO_LEGACY,
    tuple(c.upper() for c in BSE_CM_LEGACY_COLUMNS): BhavcopyFormat.BSE_CM_LEGACY,
    tuple(c.upper() for c in BSE_CM_OLD_COLUMNS): BhavcopyFormat.BSE_CM_LEGACY_OLD,
    tuple(c.upper() for c in CORPORATE_ACTION_COLUMNS): BhavcopyFormat.NSE_CORPORATE_ACTIONS,
}
_UDIFF_KEY = tuple(c.upper() for c in UDIFF_COLUMNS)
_UDIFF_KINDS = {
    ("NSE", "CM"): BhavcopyFormat.NSE_CM_UDIFF,
    ("NSE", "FO"): BhavcopyFormat.NSE_FO_UDIFF,
    ("BSE", "CM"): BhavcopyFormat.BSE_CM_UDIFF,
    ("BSE", "FO"): BhavcopyFormat.BSE_FO_UDIFF,
}
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a member's header; an empty archive's directory end
MAX_UNPACKED_BYTES = 512 << 20
"""The largest zip member read (512 MiB; an F&O UDiFF day is about 15 MB): a bomb is refused unread."""
_HEAD = 4096  # characters of a file read to detect its layout


def unpack(data: bytes, name: str) -> tuple[str, bytes]:
    """The CSV payload of a received file: the single member of a zip, or the bytes themselves.

    Raises
    ------
    RejectionError
        ``empty_file`` for no bytes, ``bad_zip`` for a corrupt archive, ``zip_member_count`` for a zip
        holding other than exactly one file, ``too_large`` for a member over
        :data:`MAX_UNPACKED_BYTES` (its declared size, and the bytes actually inflated).
    """
    if not data or data.isspace():  # (isspace stops at the first other byte; strip would copy)
        raise RejectionError(RejectReason.EMPTY_FILE, f"{name} has no content")
    if not data.startswith(_ZIP_MAGIC):
        return name, data
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) != 1:
                names = ", ".join(m.filename for m in members) or "none"
                raise RejectionError(RejectReason.ZIP_MEMBER_COUNT,
                                f"{name} holds {len(members)} files ({names}); exactly one is expected")
            member = members[0]
            limit = MAX_UNPACKED_BYTES
            if member.file_size > limit:
                raise RejectionError(RejectReason.TOO_LARGE, f"{name}: {member.filename} unpacks to "
                                     f"{member.file_size} bytes (limit {limit})", {"limit": limit})
            with archive.open(member) as handle:
                payload = handle.read(limit + 1)
            if len(payload) > limit:  # a header that lies about the size
                raise RejectionError(RejectReason.TOO_LARGE, f"{name}: {member.filename} unpacks to more "
                                     f"than {limit} bytes", {"limit": limit})
            return member.filename, payload
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise RejectionError(RejectReason.BAD_ZIP, f"{name} is not a readable zip: {exc}") from None


def decode(payload: bytes, name: str) -> str:
    """``payload`` as text (UTF-8, optional BOM); ``not_utf8``/``empty_file`` rejections otherwise."""
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RejectionError(RejectReason.NOT_UTF8,
                        f"{name}: byte {exc.start} is not valid UTF-8 ({payload[exc.start:exc.start + 4]!r})",
                        {"byte_offset": exc.start}) from None
    if not text or text.isspace():
        raise RejectionError(RejectReason.EMPTY_FILE, f"{name} has no content")
    return text


def decode_head(payload: bytes, name: str) -> str:
    """The start of ``payload`` as text, enough for :func:`detect_text_format`, after the checks of
    :func:`decode` (the same rejections).

    Exchange files are ASCII, which is valid UTF-8 as it is: their first 4 KiB are decoded, instead
    of the whole payload. Any other payload is decoded whole by :func:`decode`.
    """
    if not payload.isascii():
        return decode(payload, name)
    head = payload[:_HEAD].decode("ascii")
    if not head or (head.isspace() and payload.decode("ascii").isspace()):
        raise RejectionError(RejectReason.EMPTY_FILE, f"{name} has no content")
    return head


def split_header(line: str) -> tuple[str, ...]:
    """Header field names, stripped of quotes and spaces, trailing empty names removed."""
    fields = [f.strip().strip('"').strip() for f in line.rstrip("\r\n").split(",")]
    while fields and not fields[-1]:
        fields.pop()
    return tuple(fields)


def detect_format(data: bytes, name: str = "<bytes>") -> BhavcopyFormat:
    """The layout of a file (zipped or plain) from its header line (and, for UDiFF, its first row).

    Raises
    ------
    RejectionError
        ``unknown_header`` when the header matches no known layout (plus the unpack/decode reasons).
    """
    inner, payload = unpack(data, name)
    return detect_text_format(decode_head(payload, inner), inner)


def detect_text_format(text: str, name: str) -> BhavcopyFormat:
    """:func:`detect_format` on already-decoded text (its first 4096 characters are read)."""
    lines = text[:_HEAD].splitlines()
    header = tuple(f.upper() for f in split_header(lines[0]))
    if header in _HEADERS:
        return _HEADERS[header]
    if header == _UDIFF_KEY:
        first = lines[1].split(",") if len(lines) > 1 else []
        if len(first) < 4:
            raise RejectionError(RejectReason.NO_ROWS, f"{name}: UDiFF header without data rows")
        kind = (first[3].strip().upper(), first[2].strip().upper())
        if kind in _UDIFF_KINDS:
            return _UDIFF_KINDS[kind]
        raise RejectionError(RejectReason.UNKNOWN_HEADER, f"{name}: UDiFF file of unknown Src/Sgmt {kind}")
    shown = ",".join(split_header(lines[0]))[:120]
    raise RejectionError(RejectReason.UNKNOWN_HEADER, f"{name}: header {shown!r} matches no known layout",
                    {"header": shown})


_MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC"
_NAME_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"_(\d{8})_F_\d+", re.I), "%Y%m%d"),
    (re.compile(rf"^(?:cm|fo)(\d{{2}}(?:{_MONTHS})\d{{4}})bhav", re.I), "%d%b%Y"),
    (re.compile(r"^EQ_?(?:ISINCODE_)?(\d{6})", re.I), "%d%m%y"),
)


def date_from_name(name: str) -> date | None:
    """The session date a conventional exchange file name carries, or ``None``.

    Used only to cross-check the rows (a mismatch rejects the file) and to place raw copies of files
    whose content gives no date; the layout itself always comes from the header.
    """
    base = name.rsplit("/", 1)[-1]
    for pattern, fmt in _NAME_PATTERNS:
        match = pattern.search(base)
        if match:
            try:
                return datetime.strptime(match.group(1).title(), fmt).date()
            except ValueError:
                return None
    return None
