"""Exchange symbols: the character set they are checked against where they enter, and escaping where
they leave as CSV or HTML.

NSE and BSE symbols are upper-case letters and digits with ``&``, ``-``, ``_`` and ``.`` inside
(``M&M``, ``BAJAJ-AUTO``, ``NIFTYNXT50``, BSE scrip codes such as ``500325``); every symbol of 195
real NSE bhavcopies (every series) fits, the longest being 10 characters. A symbol must start with a
letter or digit, so ``=HYPERLINK(...)``, ``-1+2``, ``../../etc`` and anything with a space, a slash,
a quote or a control character is refused by name.
"""

from __future__ import annotations

import re

from vyapari.core.errors import InvalidInput

MAX_SYMBOL_LENGTH = 32
SYMBOL_PATTERN = re.compile(rf"[A-Z0-9][A-Z0-9&_.\-]{{0,{MAX_SYMBOL_LENGTH - 1}}}")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_symbol(value: object) -> bool:
    """True when ``value`` is a string in the exchange symbol character set (see the module doc)."""
    return isinstance(value, str) and SYMBOL_PATTERN.fullmatch(value) is not None


def check_symbol(value: object, what: str = "symbol") -> str:
    """``value`` when it is a valid symbol; :class:`InvalidInput` naming it otherwise."""
    if not is_symbol(value):
        shown = repr(value)[:60]
        raise InvalidInput(what, f"{shown} is not an exchange symbol (upper-case letters, digits and "
                           f"& - _ . inside, at most {MAX_SYMBOL_LENGTH} characters)")
    return str(value)


def csv_safe(value: object) -> object:
    """A CSV cell that a spreadsheet will not run as a formula: text starting with ``= + - @`` (or a
    tab / carriage return) gets a leading ``'``; numbers and other values pass unchanged.

    Use it with the :mod:`csv` module (which quotes separators and quotes).
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
