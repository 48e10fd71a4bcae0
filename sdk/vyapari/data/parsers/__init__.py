"""Parsers of exchange files into canonical frames; :func:`parse` dispatches on the detected header."""

from __future__ import annotations

from vyapari.data.formats import BhavcopyFormat, date_from_name, decode_head, detect_text_format, unpack
from vyapari.data.parsers import bse, nse_ca, nse_cm, nse_fo
from vyapari.data.parsers.bse import parse_bse_cm
from vyapari.data.parsers.common import ParsedFile, read_typed
from vyapari.data.parsers.nse_ca import parse_corporate_actions
from vyapari.data.parsers.nse_cm import parse_nse_cm
from vyapari.data.parsers.nse_fo import parse_fo

__all__ = ["ParsedFile", "parse", "parse_payload"]

_NSE_CM = {BhavcopyFormat.NSE_CM_LEGACY, BhavcopyFormat.NSE_CM_LEGACY_PRE2010, BhavcopyFormat.NSE_CM_UDIFF}
_COLUMNS = {**nse_cm.COLUMNS, **bse.COLUMNS, **nse_fo.COLUMNS, **nse_ca.COLUMNS}
_BSE_CM = {BhavcopyFormat.BSE_CM_LEGACY, BhavcopyFormat.BSE_CM_LEGACY_OLD, BhavcopyFormat.BSE_CM_UDIFF}


def parse_payload(payload: bytes, name: str, fmt: BhavcopyFormat | None = None) -> ParsedFile:
    """Parse an unzipped CSV payload: validate UTF-8, detect the layout from its header, convert.

    ``fmt`` is the layout when the caller has already decoded the payload and detected it from its
    header (both steps are then skipped). Numbers and ISO dates are converted while reading; a file
    with any cell that does not convert is read again as text so that each such cell is recorded as
    a row issue (see ``read_typed``).

    Raises
    ------
    vyapari.data.rejections.RejectionError
        When the bytes are not a usable file of a known layout.
    """
    if fmt is None:
        fmt = detect_text_format(decode_head(payload, name), name)
    table = read_typed(payload.removeprefix(b"\xef\xbb\xbf"), name, _COLUMNS[fmt])
    if fmt in _NSE_CM:
        return parse_nse_cm(table, fmt)
    if fmt in _BSE_CM:
        return parse_bse_cm(table, fmt, date_from_name(name))
    if fmt is BhavcopyFormat.NSE_CORPORATE_ACTIONS:
        return parse_corporate_actions(table)
    return parse_fo(table, fmt)


def parse(data: bytes, name: str) -> ParsedFile:
    """Parse a received file (zipped or plain) named ``name`` into a :class:`ParsedFile`.

    The layout comes from the header (see :func:`vyapari.data.formats.detect_format`), never from
    ``name``; the name is only used for messages and the date of the old BSE layout.
    """
    inner, payload = unpack(data, name)
    return parse_payload(payload, inner)
