"""``vyapari costs``: brokerage and statutory charges of a trade, itemised, to the paisa.

Example::

    vyapari costs --exchange NSE --segment intraday --qty 100 --buy 1000 --sell 1010 --json

Either leg may be omitted (a buy-only or sell-only trade) but not both. The date picks
the charge regime (STT and exchange charges changed on 2024-10-01 and 2026-04-01) and
defaults to today in IST.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from vyapari.cli._common import date_arg, positive_int_arg, price_arg, print_json
from vyapari.core.errors import InvalidInput, ScheduleNotFound
from vyapari.core.money import format_inr, round_paise
from vyapari.core.time import IST
from vyapari.model.enums import Exchange, Segment

if TYPE_CHECKING:  # the cost model and rich load when the command runs, not for --help
    from vyapari.costs import RoundTripCharges
    from vyapari.model.charges import Charges

BROKERS = ("zerodha", "upstox")

# Charges field -> (JSON key, table label)
ITEMS: dict[str, tuple[str, str]] = {
    "brokerage": ("brokerage_inr", "Brokerage"),
    "stt": ("stt_inr", "STT"),
    "exchange_txn": ("exchange_txn_inr", "Exchange txn charge"),
    "ipft": ("ipft_inr", "IPFT (NSE)"),
    "sebi_fee": ("sebi_fee_inr", "SEBI fee"),
    "stamp_duty": ("stamp_duty_inr", "Stamp duty"),
    "gst": ("gst_inr", "GST"),
    "dp": ("dp_inr", "DP charge"),
}


def register(subparsers: Any, name: str, help_text: str) -> None:
    """Add the ``costs`` sub-command to ``subparsers``."""
    parser = subparsers.add_parser(
        name,
        help=help_text,
        description=f"{help_text}. Amounts in ₹; items are exact and shown rounded to the paisa, "
        "STT is rounded to the rupee per leg as on contract notes unless --exact-stt.",
    )
    parser.add_argument(
        "--exchange",
        required=True,
        type=str.upper,
        choices=[e.value for e in Exchange],
        help="NSE or BSE (NFO/BFO are charged as NSE/BSE); case-insensitive",
    )
    parser.add_argument(
        "--segment", required=True, type=str.lower, choices=[s.value for s in Segment], help="charge segment"
    )
    parser.add_argument(
        "--qty", required=True, type=positive_int_arg, help="units per leg (for F&O: lots × lot size)"
    )
    parser.add_argument("--buy", type=price_arg, default=None, help="buy price in ₹ (option premium)")
    parser.add_argument("--sell", type=price_arg, default=None, help="sell price in ₹ (option premium)")
    parser.add_argument(
        "--broker",
        type=str.lower,
        choices=BROKERS,
        default="zerodha",
        help="brokerage schedule (default zerodha)",
    )
    parser.add_argument(
        "--date", type=date_arg, default=None, help="trade date YYYY-MM-DD (default: today in IST)"
    )
    parser.add_argument("--exact-stt", action="store_true", help="do not round STT to the rupee")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Compute and print the charges; returns the exit status."""
    from vyapari.costs import fee_model_from_spec, round_trip

    if args.buy is None and args.sell is None:
        raise InvalidInput("--buy/--sell", "give at least one of --buy and --sell")
    trade_date: date = args.date or datetime.now(IST).date()
    exchange = Exchange(args.exchange).cash_exchange
    segment = Segment(args.segment)
    model = fee_model_from_spec(args.broker, exact_stt=args.exact_stt)
    try:
        result = round_trip(model, exchange, segment, args.qty, args.buy, args.sell, trade_date)
    except ScheduleNotFound as exc:
        raise ScheduleNotFound(f"--date: {exc}") from None
    context = {
        "exchange": exchange.value,
        "segment": segment.value,
        "broker": model.name,
        "trade_date": trade_date,
        "quantity": args.qty,
        "buy_price": args.buy,
        "sell_price": args.sell,
    }
    if args.json:
        print_json(as_json(result, context))
    else:
        print_table(result, context, exact_stt=args.exact_stt)
    return 0


def as_json(result: RoundTripCharges, context: dict[str, Any]) -> dict[str, Any]:
    """The JSON object: items in ₹ rounded to the paisa, total, break-even and context."""
    combined = result.combined
    payload: dict[str, Any] = dict(context)
    for field_name, (key, _label) in ITEMS.items():
        payload[key] = round_paise(getattr(combined, field_name))
    payload["total_inr"] = result.total
    payload["breakeven_points"] = result.breakeven_points
    return payload


def _cell(charges: Charges | None, field_name: str | None = None) -> str:
    if charges is None:
        return "-"
    amount = charges.total if field_name is None else getattr(charges, field_name)
    return format_inr(amount)


def print_table(result: RoundTripCharges, context: dict[str, Any], *, exact_stt: bool) -> None:
    """Print the itemised charges per leg and in total as a ``rich`` table."""
    from rich.console import Console
    from rich.table import Table

    buy, sell = context["buy_price"], context["sell_price"]
    legs = " / ".join(
        f"{side} {format_inr(price)}" for side, price in (("buy", buy), ("sell", sell)) if price is not None
    )
    table = Table(
        title=f"{context['exchange']} {context['segment']}: {context['quantity']} units, {legs}, "
        f"{context['trade_date'].isoformat()} ({context['broker']})",
    )
    table.add_column("Charge")
    for header in ("Buy leg", "Sell leg", "Total"):
        table.add_column(header, justify="right")
    for field_name, (_key, label) in ITEMS.items():
        total = format_inr(getattr(result.combined, field_name))
        table.add_row(label, _cell(result.buy, field_name), _cell(result.sell, field_name), total)
    table.add_section()
    table.add_row("Total", _cell(result.buy), _cell(result.sell), format_inr(result.total), style="bold")
    console = Console()
    console.print(table)
    console.print(f"Break-even: {_points(result.breakeven_points)} points per unit to cover the charges.")
    if not exact_stt:
        console.print("STT rounded to ₹1 per leg as on contract notes; --exact-stt keeps it exact.")


def _points(value: Decimal) -> str:
    return f"{value:.2f}"
