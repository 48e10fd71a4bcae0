"""The project's built-in calendar overrides: data, one entry per exchange and date, each with its source.

Times are IST wall-clock. Rows marked "both" apply to NSE and BSE (the exchanges announce special and
Muhurat sessions jointly). Pinned rows repeat what ``pandas_market_calendars`` 5.5 already has, so a
library upgrade that drops or moves them cannot change our calendar silently.

Decisions
---------
* 2024-03-02 and 2024-05-18 (DR-site drills, "not re-verified" in the facts file) are included: NSE
  circulars of 14-Feb-2024 and 7-May-2024, quoted with full timing tables by hindustantimes.com,
  zeenews.india.com, ndtvprofit.com, bigul.co and business-standard.com, give two segments
  09:15-10:00 (primary site) and 11:30-12:30 (DR site); modelled as one session with a break.
  Two outlets (lokmattimes.com, eastcoastdaily.in) print 11:45-12:40 for 18-May; the full tables
  agree on 11:30-12:30, which we use.
* 2026-11-08 Muhurat (Sunday) timing is "to be notified" (News18 via cineplex360.com). Included as
  a provisional session 18:00-19:00 with pre-open 17:45, the evening slot of the most recent evening
  Muhurat (2024); ``provisional`` is True on the row and on the Session. Replace it when NSE notifies.
"""

from __future__ import annotations

from datetime import date, time

from vyapari.market.overrides import CalendarOverride, OverrideAction, OverrideTable
from vyapari.market.sessions import SessionKind
from vyapari.model.enums import Exchange

_BOTH = (Exchange.NSE, Exchange.BSE)
_T = time


def _session(
    exchanges: tuple[Exchange, ...],
    day: date,
    kind: SessionKind,
    times: tuple[time, time, time],
    source: str,
    *,
    breaks: tuple[tuple[time, time], ...] = (),
    provisional: bool = False,
    note: str = "",
) -> list[CalendarOverride]:
    pre_open, open_, close = times
    return [
        CalendarOverride(
            exchange=exchange,
            session_date=day,
            action=OverrideAction.SESSION,
            source=source,
            kind=kind,
            open_time=open_,
            close_time=close,
            pre_open_time=pre_open,
            breaks=breaks,
            provisional=provisional,
            note=note,
        )
        for exchange in exchanges
    ]


def _holiday(
    exchanges: tuple[Exchange, ...], day: date, source: str, note: str = ""
) -> list[CalendarOverride]:
    return [CalendarOverride(e, day, OverrideAction.HOLIDAY, source=source, note=note) for e in exchanges]


_REGULAR = (_T(9, 0), _T(9, 15), _T(15, 30))
_EVENING_1815 = (_T(18, 0), _T(18, 15), _T(19, 15))
_DR_DRILL_BREAK = ((_T(10, 0), _T(11, 30)),)
_DR_DRILL = (_T(9, 0), _T(9, 15), _T(12, 30))
SPECIAL, MUHURAT, REGULAR = SessionKind.SPECIAL, SessionKind.MUHURAT, SessionKind.REGULAR

BUILTIN_ROWS: tuple[CalendarOverride, ...] = tuple(
    [
        *_session(_BOTH, date(2015, 2, 28), SPECIAL, _REGULAR,
                  "Union Budget on Saturday 28-Feb-2015, markets open at normal hours (PTI via "
                  "firstpost.com 23-Jan-2020, rediff.com 23-Dec-2024)"),
        *_session(_BOTH, date(2019, 10, 27), MUHURAT, _EVENING_1815,
                  "Muhurat 2019 (Sunday): pre-open 18:00-18:08, trading 18:15-19:15 (NSE notice via "
                  "zeenews.india.com)"),
        *_session(_BOTH, date(2020, 2, 1), SPECIAL, _REGULAR,
                  "NSE and BSE circulars of 22-Jan-2020 (Union Budget, Saturday), via firstpost.com, "
                  "news18.com"),
        *_holiday((Exchange.BSE,), date(2020, 5, 25),
                  "Exchange holiday list 2020 (Id-Ul-Fitr), via stockguru.in",
                  "pandas_market_calendars 5.5 BSE lists it as a session; NSE has it as a holiday"),
        *_session((Exchange.BSE,), date(2020, 7, 31), REGULAR, _REGULAR,
                  "Exchange holiday list 2020 (no holiday on 31-Jul), via stockguru.in",
                  note="pandas_market_calendars 5.5 BSE lists it as a holiday"),
        *_session(_BOTH, date(2020, 11, 14), MUHURAT, _EVENING_1815,
                  "Muhurat 2020 (Saturday) timings, via zeenews.india.com and latestly.com 14-Nov-2020"),
        *_session((Exchange.NSE,), date(2021, 2, 24), SPECIAL, (_T(9, 0), _T(9, 15), _T(17, 0)),
                  "NSE outage: halt 11:40, re-open 15:45, close 17:00 (NSE notice via money9.com; "
                  "SEBI statement via livemint.com 24-Feb-2021)",
                  breaks=((_T(11, 40), _T(15, 45)),)),
        *_session((Exchange.BSE,), date(2021, 2, 24), SPECIAL, (_T(9, 0), _T(9, 15), _T(17, 0)),
                  "BSE statement 24-Feb-2021: open till 17:00, via devdiscourse.com, livemint.com"),
        *_session(_BOTH, date(2021, 11, 4), MUHURAT, _EVENING_1815,
                  "Muhurat 2021 timings, via freepressjournal.in 4-Nov-2021"),
        *_session(_BOTH, date(2022, 10, 24), MUHURAT, _EVENING_1815,
                  "Muhurat 2022 timings (NSE and BSE notices), via livemint.com 21-Oct-2022"),
        *_session(_BOTH, date(2023, 11, 12), MUHURAT, _EVENING_1815,
                  "Muhurat 2023 (Sunday) timings table, angelone.in announcement; hindustantimes.com "
                  "7-Nov-2023", note="press '18:00-19:15' includes the pre-open"),
        *_session(_BOTH, date(2024, 1, 20), SPECIAL, _REGULAR,
                  "NSE circular 19-Jan-2024: regular session on Saturday, DR drill withdrawn, via "
                  "dtnext.in, businesstoday.in"),
        *_holiday(_BOTH, date(2024, 1, 22),
                  "NSE circular 19-Jan-2024 (Maharashtra public holiday), via businesstoday.in",
                  "pinned; also in pandas_market_calendars 5.5"),
        *_session(_BOTH, date(2024, 3, 2), SPECIAL, _DR_DRILL,
                  "NSE circular 14-Feb-2024: DR-site drill 09:15-10:00 and 11:30-12:30, via "
                  "hindustantimes.com, zeenews.india.com",
                  breaks=_DR_DRILL_BREAK, note="second pre-open 11:15-11:23 not modelled"),
        *_session(_BOTH, date(2024, 5, 18), SPECIAL, _DR_DRILL,
                  "NSE circular 7-May-2024: DR-site drill 09:15-10:00 and 11:30-12:30, via "
                  "ndtvprofit.com, bigul.co, business-standard.com",
                  breaks=_DR_DRILL_BREAK,
                  note="lokmattimes.com/eastcoastdaily.in print 11:45-12:40; full tables say 11:30-12:30"),
        *_holiday(_BOTH, date(2024, 5, 20),
                  "NSE circular 8-Apr-2024 (Lok Sabha election in Mumbai), via businesstoday.in",
                  "pinned; also in pandas_market_calendars 5.5"),
        *_session(_BOTH, date(2024, 11, 1), MUHURAT, (_T(17, 45), _T(18, 0), _T(19, 0)),
                  "NSE/BSE circulars, Muhurat 1-Nov-2024, via ndtvprofit.com 31-Oct-2024, "
                  "hindustantimes.com 23-Oct-2024"),
        *_holiday(_BOTH, date(2024, 11, 20),
                  "NSE notification 8-Nov-2024 (Maharashtra assembly election), via lokmattimes.com",
                  "pinned; also in pandas_market_calendars 5.5"),
        *_session(_BOTH, date(2025, 2, 1), SPECIAL, _REGULAR,
                  "NSE and BSE circulars 23-Dec-2024 (Union Budget, Saturday), via rediff.com, "
                  "business-standard.com"),
        *_session(_BOTH, date(2025, 10, 21), MUHURAT, (_T(13, 30), _T(13, 45), _T(14, 45)),
                  "NSE circular 22-Sep-2025, via ndtvprofit.com, dnaindia.com, deccanherald.com"),
        *_holiday(_BOTH, date(2026, 1, 15),
                  "BMC (municipal) elections holiday; facts file B.2; no NSE bhavcopy for the day",
                  "pinned; also in pandas_market_calendars 5.5"),
        *_session(_BOTH, date(2026, 2, 1), SPECIAL, _REGULAR,
                  "NSE circular 16-Jan-2026 (Union Budget, Sunday), via deccanherald.com, "
                  "ndtvprofit.com, angelone.in"),
        *_session(_BOTH, date(2026, 11, 8), MUHURAT, (_T(17, 45), _T(18, 0), _T(19, 0)),
                  "NSE holiday list 2026: Muhurat on Sunday 8-Nov-2026, timing to be notified "
                  "(News18 via cineplex360.com)",
                  provisional=True, note="placeholder times: the 2024 evening slot; replace when notified"),
    ]
)

BUILTIN_OVERRIDES = OverrideTable(BUILTIN_ROWS)
