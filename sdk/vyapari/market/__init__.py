"""vyapari.market: exchange calendars (sessions, holidays, special sessions), tick sizes and lot sizes.

Everything is dated data with sources: :mod:`.calendar` (NSE/BSE sessions in IST, built on
``pandas_market_calendars`` plus the override table of :mod:`.override_data`), :mod:`.sessions`
(session-time constants and the :class:`Session` record), :mod:`.ticks` (tick bands by date) and
:mod:`.lots` (F&O lot sizes by expiry).

Names are exported lazily so that ``from vyapari.market import tick_size`` does not import pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vyapari.market.calendar import NotASessionError, TradingCalendar, get_calendar
    from vyapari.market.lots import LotSizeRow, LotSizeTable, lot_size, lot_size_as_of
    from vyapari.market.overrides import CalendarOverride, OverrideAction, OverrideTable
    from vyapari.market.sessions import Session, SessionKind
    from vyapari.market.ticks import round_to_tick, tick_size

_EXPORTS = {
    "NotASessionError": "calendar",
    "TradingCalendar": "calendar",
    "get_calendar": "calendar",
    "LotSizeRow": "lots",
    "LotSizeTable": "lots",
    "lot_size": "lots",
    "lot_size_as_of": "lots",
    "CalendarOverride": "overrides",
    "OverrideAction": "overrides",
    "OverrideTable": "overrides",
    "Session": "sessions",
    "SessionKind": "sessions",
    "round_to_tick": "ticks",
    "tick_size": "ticks",
}

__all__ = [
    "CalendarOverride",
    "LotSizeRow",
    "LotSizeTable",
    "NotASessionError",
    "OverrideAction",
    "OverrideTable",
    "Session",
    "SessionKind",
    "TradingCalendar",
    "get_calendar",
    "lot_size",
    "lot_size_as_of",
    "round_to_tick",
    "tick_size",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vyapari.market' has no attribute {name!r}")
    return getattr(importlib.import_module(f"vyapari.market.{module}"), name)
