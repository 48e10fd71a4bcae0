"""``vyapari charges reconcile``: the broker's end-of-day charges against the cost model, per order.

After the close, on the state folder of ``vyapari live`` (its fills log, see
:mod:`vyapari.live.fills_log`)::

    vyapari charges reconcile --broker zerodha --charges contract-note.json \\
        --fills .vyapari-live --date 2026-10-30

The day's fills are grouped by the broker's order id (charges are per executed order; partial fills
priced together at their VWAP), priced with ``--fees`` (default: the broker's own model) and
compared with the broker's file component by component (brokerage, STT, exchange txn incl. IPFT,
SEBI fee, stamp duty, GST, total; ₹, see :mod:`vyapari.costs.reconcile`). Broker files:
``zerodha`` = Kite's virtual contract note JSON (items without an ``order_id`` take ``--order-ids``
in request order), ``upstox`` = a list of ``{"order_id", "charges": BrokerageData}``, ``csv`` = our
layout ``order_id,brokerage,stt,exchange_txn,sebi_fee,stamp_duty,gst``.

Output: a table per order and per component (``--json``: the report as JSON), the report as
``<date>-charges.json`` and ``<date>-charges.html`` in ``--report-dir`` (default
``<state-dir>/reports`` when ``--fills`` is a state folder), and CloudWatch EMF metrics in namespace
``vyapari/charges`` (``charges_mismatched_orders``, ``charges_max_abs_difference_inr``, ...) on
stdout after the table, on stderr with ``--json``, or appended to ``--metrics-out``.

Exit status: 0 every component of every order within ₹0.01 and no order on one side only;
1 a mismatch or a one-sided order; 2 bad input (a one-line error naming the file).
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from vyapari.cli._common import date_arg, print_json
from vyapari.core.errors import DataError, InvalidInput, VyapariError
from vyapari.core.money import ZERO, format_inr
from vyapari.core.time import IST
from vyapari.model.events import Fill

if TYPE_CHECKING:  # the cost model (numpy) loads when the command runs, not for --help
    from vyapari.costs.executed import ExecutedOrder
    from vyapari.costs.reconcile import (
        BrokerCharges,
        ReconciliationReport,
        TradeReconciliation,
    )

FORMATS = ("zerodha", "upstox", "csv")
NAMESPACE = "vyapari/charges"
EXIT_MISMATCH = 1
LABELS = {
    "brokerage": "Brokerage",
    "stt": "STT",
    "exchange_txn": "Exchange txn (incl. IPFT)",
    "sebi_fee": "SEBI fee",
    "stamp_duty": "Stamp duty",
    "gst": "GST",
    "total": "Total",
}
_COUNTS = {"orders", "mismatched_orders", "mismatched_components", "missing_at_broker", "unknown_to_model"}


def register(subparsers: Any, name: str, help_text: str) -> None:
    """Add the ``charges`` sub-command to ``subparsers``."""
    p = subparsers.add_parser(
        name,
        help=help_text,
        description=f"{help_text}. Amounts in ₹; a component is a mismatch when it differs by more "
        "than ₹0.01. Exit 0 all within a paisa, 1 a mismatch or an order on one side only, 2 bad input.",
    )
    p.add_argument("action", choices=["reconcile"], help="reconcile the broker's charges with the model")
    p.add_argument("--broker", required=True, type=str.lower, choices=FORMATS, help="format of --charges")
    p.add_argument("--charges", required=True, type=Path, help="the broker's end-of-day charges file")
    p.add_argument(
        "--fills",
        type=Path,
        default=Path(".vyapari-live"),
        help="fills log (<date>.jsonl), its folder, or the state folder of 'vyapari live' "
        "(default .vyapari-live)",
    )
    p.add_argument("--date", type=date_arg, default=None, help="session YYYY-MM-DD (default: the fills')")
    p.add_argument(
        "--fees",
        default=None,
        help="cost model: zerodha, upstox, none or bps:N (default: --broker's; for csv the BROKER setting "
        "when it is zerodha or upstox)",
    )
    p.add_argument(
        "--order-ids", default=None, help="Kite items without order_id: ids in request order, a,b,…"
    )
    p.add_argument("--report-dir", type=Path, default=None, help="write <date>-charges.json/.html here")
    p.add_argument("--metrics-out", type=Path, default=None, help="append the EMF metric lines to this file")
    p.add_argument("--json", action="store_true", help="print the report as JSON instead of tables")
    p.set_defaults(func=run)


def _broker_setting() -> str | None:
    """The BROKER setting (flags > environment > .env) when it names a broker's cost model."""
    from vyapari.cli.settings import load_settings

    broker = load_settings().broker.strip().lower()
    return broker if broker in ("zerodha", "upstox") else None


def run(args: argparse.Namespace) -> int:
    """Reconcile, print, write the reports and metrics; returns the exit status."""
    from vyapari.costs import fee_model_from_spec
    from vyapari.costs.executed import orders_detail, reconcile_fills

    fills_file, fills = _load_fills(args.fills, args.date)
    session = args.date or _session(fills, fills_file)
    broker = _load_charges(args.charges, args.broker, args.order_ids)
    spec = args.fees or (args.broker if args.broker != "csv" else _broker_setting())
    if spec is None:
        raise InvalidInput(
            "--fees",
            "required with --broker csv unless the BROKER setting is zerodha or upstox "
            "(zerodha, upstox, ...)",
        )
    model = fee_model_from_spec(spec)
    orders, report = reconcile_fills(fills, broker, model)
    context = {
        "session_date": session.isoformat(),
        "broker": args.broker,
        "fees": model.name,
        "charges_file": str(args.charges),
        "fills_file": str(fills_file),
    }
    payload = {**context, **report.to_dict(), "orders_detail": orders_detail(orders)}
    if args.json:
        print_json(payload)
    else:
        print_tables(report, orders, context)
    report_dir = args.report_dir or _state_reports(args.fills)
    if report_dir is not None:
        _write_reports(report_dir, session, payload, report, orders)
    _emit_metrics(report, args)
    return 0 if report.ok else EXIT_MISMATCH


# ----- input ------------------------------------------------------------------------------------
def _load_fills(path: Path, session: date | None) -> tuple[Path, list[Fill]]:
    from vyapari.live.fills_log import fills_file, read_fills, session_of

    found = fills_file(path, session)
    fills = read_fills(found)
    if session is not None:
        fills = [f for f in fills if session_of(f) == session]
    return found, fills


def _session(fills: Sequence[Fill], path: Path) -> date:
    from vyapari.live.fills_log import session_of

    days = sorted({session_of(f) for f in fills})
    if len(days) > 1:
        raise DataError(f"fills file {path}: fills of {len(days)} sessions; give --date")
    return days[0] if days else datetime.now(IST).date()


def _load_charges(path: Path, fmt: str, order_ids: str | None) -> list[BrokerCharges]:
    from vyapari.costs.reconcile import parse_charges_csv, parse_kite_charges, parse_upstox_charges

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"charges file {path}: not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"charges file {path}: cannot read ({exc})") from None
    ids = None if order_ids is None else [i.strip() for i in order_ids.split(",") if i.strip()]
    try:
        if fmt == "zerodha":
            parsed = parse_kite_charges(text, ids)
        elif fmt == "upstox":
            parsed = parse_upstox_charges(text)
        else:
            parsed = parse_charges_csv(text)
    except (VyapariError, ValueError) as exc:
        reason = str(exc)
        for prefix in ("charges file: ", "charges CSV", "Upstox charges ", "order_ids: "):
            reason = reason.removeprefix(prefix)
        reason = reason.replace("pass order_ids", "pass --order-ids").strip(" :")
        raise DataError(f"charges file {path} ({fmt} format): {reason}") from None
    seen: set[str] = set()
    for item in parsed:
        if item.order_id in seen:
            raise DataError(f"charges file {path} ({fmt} format): order {item.order_id} appears twice")
        seen.add(item.order_id)
    return parsed


def _state_reports(fills: Path) -> Path | None:
    from vyapari.live.fills_log import FILLS_DIR

    return fills / "reports" if (fills / FILLS_DIR).is_dir() else None


# ----- output -----------------------------------------------------------------------------------
def _signed(amount: Decimal) -> str:
    return ("+" if amount > 0 else "") + format_inr(amount)


def _status(trade: TradeReconciliation) -> str:
    return "OK" if trade.ok else "MISMATCH " + ", ".join(d.component for d in trade.mismatches)


def print_tables(
    report: ReconciliationReport, orders: Sequence[ExecutedOrder], context: dict[str, Any]
) -> None:
    """The per-order table, the per-component totals, the mismatches and one-sided orders (``rich``)."""
    from rich.console import Console

    console = Console()
    if not console.is_terminal:  # a log or a pipe: wide enough for the order ids and amounts
        console.width = max(console.width, 120)
    console.print(_order_table(report, orders, context))
    console.print(_component_table(report))
    lines = [
        f"MISMATCH {t.order_id} {d.component}: ours {format_inr(d.model)}, broker {format_inr(d.broker)} "
        f"({_signed(d.difference)})"
        for t in report.trades
        for d in t.mismatches
    ]
    if report.missing_at_broker:
        lines.append(f"MISSING at the broker (our orders): {', '.join(report.missing_at_broker)}")
    if report.unknown_to_model:
        lines.append(f"UNKNOWN to our fills (broker orders): {', '.join(report.unknown_to_model)}")
    m = report.metrics
    lines.append(
        f"{'OK' if report.ok else 'MISMATCH'}: {int(m['orders'] - m['mismatched_orders'])} of "
        f"{int(m['orders'])} orders within {format_inr(report.tolerance)}, {int(m['missing_at_broker'])} "
        f"missing at the broker, {int(m['unknown_to_model'])} unknown to our fills"
    )
    for line in lines:
        console.print(line, highlight=False)


def _order_table(
    report: ReconciliationReport, orders: Sequence[ExecutedOrder], context: dict[str, Any]
) -> Any:
    from rich.table import Table

    by_id = {o.order_id: o for o in orders}
    table = Table(
        title=f"Charges {context['session_date']}: {context['broker']} file vs {context['fees']} model "
        f"(₹, tolerance {format_inr(report.tolerance)})"
    )
    for header in ("Order", "Instrument", "Side", "Qty", "Ours", "Broker", "Difference", "Status"):
        left = header in ("Order", "Instrument", "Side", "Status")
        table.add_column(header, justify="left" if left else "right", no_wrap=header == "Order")
    for t in report.trades:
        o, total = by_id[t.order_id], t.differences[-1]
        table.add_row(
            t.order_id,
            o.fills[0].instrument_id,
            o.fills[0].side.value,
            str(o.quantity),
            format_inr(total.model),
            format_inr(total.broker),
            _signed(total.difference),
            _status(t),
            style=None if t.ok else "bold red",
        )
    return table


def _component_table(report: ReconciliationReport) -> Any:
    from rich.table import Table

    from vyapari.costs.reconcile import COMPONENTS

    table = Table(title="By component, all compared orders (₹)")
    for header in ("Component", "Ours", "Broker", "Difference", "Status"):
        table.add_column(header, justify="left" if header in ("Component", "Status") else "right")
    for n, name in enumerate((*COMPONENTS, "total")):
        diffs = [t.differences[n] for t in report.trades]
        bad = sum(not d.within_tolerance for d in diffs)
        if name == "total":
            table.add_section()
        table.add_row(
            LABELS[name],
            format_inr(sum((d.model for d in diffs), ZERO)),
            format_inr(sum((d.broker for d in diffs), ZERO)),
            _signed(sum((d.difference for d in diffs), ZERO)),
            "OK" if not bad else f"MISMATCH in {bad} order(s)",
            style="bold" if name == "total" else None,
        )
    return table


def _write_reports(
    folder: Path,
    session: date,
    payload: dict[str, Any],
    report: ReconciliationReport,
    orders: Sequence[ExecutedOrder],
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{session.isoformat()}-charges"
    (folder / f"{stem}.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", "utf-8")
    (folder / f"{stem}.html").write_text(render_html(report, orders, payload), "utf-8")


def render_html(
    report: ReconciliationReport, orders: Sequence[ExecutedOrder], context: dict[str, Any]
) -> str:
    """A self-contained HTML page: the verdict, each order's total and every component that is off
    (one row each), and the one-sided orders."""
    esc = html.escape
    by_id = {o.order_id: o for o in orders}
    rows = []
    for t in report.trades:
        for d in t.differences:
            if d.component == "total" or not d.within_tolerance:
                o = by_id[t.order_id].fills[0]
                cls = "" if d.within_tolerance else ' class="bad"'
                cells = (
                    t.order_id,
                    o.instrument_id,
                    o.side.value,
                    LABELS[d.component],
                    format_inr(d.model),
                    format_inr(d.broker),
                    _signed(d.difference),
                    "OK" if d.within_tolerance else "MISMATCH",
                )
                rows.append(f"<tr{cls}>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
    one_sided = "".join(
        f'<p class="bad">{esc(label)}: {esc(", ".join(ids))}</p>'
        for label, ids in (
            ("Missing at the broker", report.missing_at_broker),
            ("Unknown to our fills", report.unknown_to_model),
        )
        if ids
    )
    head = "".join(
        f"<th>{h}</th>"
        for h in ("Order", "Instrument", "Side", "Component", "Ours ₹", "Broker ₹", "Difference ₹", "Status")
    )
    verdict = "OK: every component within" if report.ok else "MISMATCH: not every component within"
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f"<title>Charges reconciliation {esc(context['session_date'])}</title><style>"
        "body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
        "padding:2px 6px;text-align:right}.bad{color:#b00;font-weight:bold}</style></head><body>"
        f"<h1>Charges reconciliation {esc(context['session_date'])}</h1>"
        f"<p>{esc(context['broker'])} file {esc(context['charges_file'])} vs the "
        f"{esc(context['fees'])} model on {esc(context['fills_file'])}.</p>"
        f'<p class="{"" if report.ok else "bad"}">{verdict} {esc(format_inr(report.tolerance))}; '
        f"{int(report.metrics['mismatched_orders'])} of {int(report.metrics['orders'])} orders off.</p>"
        f"{one_sided}<table><tr>{head}</tr>{''.join(rows)}</table></body></html>\n"
    )


def _emit_metrics(report: ReconciliationReport, args: argparse.Namespace) -> None:
    """The report's metrics as EMF lines ``charges_<name>`` (dimension ``broker``)."""
    if args.metrics_out is not None:
        args.metrics_out.parent.mkdir(parents=True, exist_ok=True)
        with args.metrics_out.open("a", encoding="utf-8") as stream:
            _emit(report, args.broker, stream)
    else:
        _emit(report, args.broker, sys.stderr if args.json else sys.stdout)


def _emit(report: ReconciliationReport, broker: str, stream: TextIO) -> None:
    from vyapari.live.ports import EmfMetrics

    metrics = EmfMetrics(namespace=NAMESPACE, stream=stream, service="charges")
    for name, value in report.metrics.items():
        metrics.observe(f"charges_{name}", value, "Count" if name in _COUNTS else "None", broker=broker)
    stream.flush()
