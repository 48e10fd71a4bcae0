"""Reconcile the broker's end-of-day charges with the cost model, order by order, to the paisa.

Compared components (₹): ``brokerage``, ``stt``, ``exchange_txn`` (exchange transaction charge
**including IPFT**, as brokers print it), ``sebi_fee``, ``stamp_duty``, ``gst``, and their ``total``.
The DP charge is not on contract notes (it is posted to the ledger) and is left out. Orders are
priced with their (scrip, session) netted as the exchange nets it (:func:`netted_order_charges`):
a same-day CNC round trip is charged intraday, as the backtest and paper broker book it. The model's
exact components are rounded half up to the paisa before the comparison, as brokers print them, and
both totals are the sums of the (printed) components, so sub-paisa rounding never adds up to a
false mismatch of the total.

Broker files
------------
* **Kite** virtual contract note (``POST /charges/orders``; kite.trade docs, "order charges"): a JSON
  list (or ``{"data": [...]}``) of orders, each with ``charges`` = ``{transaction_tax,
  transaction_tax_type, exchange_turnover_charge, sebi_turnover_charge, brokerage, stamp_duty,
  gst: {igst, cgst, sgst, total}, total}``. The response carries no ``order_id`` (answers come in
  request order, per Kite's forum), so pass ``order_ids`` in request order unless each item has one.
  ``exchange_turnover_charge`` is taken to include IPFT, as Zerodha's published rates do.
* **Upstox** charges (``BrokerageData`` of the Upstox SDK: ``total``, ``brokerage``,
  ``taxes: {gst, stt, stamp_duty}``, ``other_taxes: {transaction, clearing, sebi_turnover}``):
  a JSON list of ``{"order_id": ..., "charges": BrokerageData}``; exchange charge = transaction +
  clearing (+ ``ipft`` when present).
* **CSV** (our own layout, for exports typed from a contract note, which Zerodha issues per segment
  as PDF, not per order): header ``order_id,brokerage,stt,exchange_txn,sebi_fee,stamp_duty,gst``
  and an optional ``total``; ₹ amounts; ``exchange_txn`` includes IPFT.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from vyapari.core.errors import DataError, InvalidInput
from vyapari.core.money import PAISA, ZERO, round_paise, to_decimal
from vyapari.costs.base import FeeModel, TradeLeg
from vyapari.costs.netting import ChargeBook
from vyapari.model.charges import Charges

COMPONENTS = ("brokerage", "stt", "exchange_txn", "sebi_fee", "stamp_duty", "gst")
CSV_COLUMNS = ("order_id", *COMPONENTS)


@dataclass(frozen=True)
class BrokerCharges:
    """One order's charges as the broker reported them, by component (₹)."""

    order_id: str
    components: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        """Sum of the components (₹)."""
        return sum(self.components.values(), ZERO)


@dataclass(frozen=True)
class OrderFill:
    """One executed order to price: the broker's ``order_id`` and its (aggregated) :class:`TradeLeg`."""

    order_id: str
    leg: TradeLeg


def aggregate_fills(order_id: str, legs: Sequence[TradeLeg]) -> OrderFill:
    """One :class:`OrderFill` from the partial fills of an order (quantity summed, price = VWAP ₹).

    Brokerage is charged per executed order, so the fills of one order are priced together.
    """
    if not legs:
        raise InvalidInput("legs", f"order {order_id} has no fills")
    quantity = sum(leg.quantity for leg in legs)
    turnover = sum((leg.turnover for leg in legs), ZERO)
    return OrderFill(order_id, replace(legs[0], quantity=quantity, price=turnover / quantity))


def netted_order_charges(fills: Iterable[tuple[str, str, TradeLeg]], model: FeeModel) -> dict[str, Charges]:
    """Each order's charges (₹, no DP) once its (scrip, session) is netted as the exchange nets it.

    ``fills`` are ``(order_id, scrip, leg)`` in execution order, one per trade; a same-day CNC
    buy and sell of one scrip is intraday for the matched quantity
    (:class:`~vyapari.costs.netting.ChargeBook`, the rule the backtest and paper broker book by).
    """
    book = ChargeBook(model)
    for order_id, scrip, leg in fills:
        day, segment = leg.trade_date, leg.segment
        book.book(scrip, leg.exchange, day, segment, order_id, leg.side, leg.quantity, leg.price)
    return {str(k): v for k, v in book.order_charges().items()}


def _num(value: Any, name: str = "value") -> Decimal:
    return ZERO if value in (None, "") else to_decimal(value, name=name)


def _items(data: bytes | str) -> list[Any]:
    try:
        doc = json.loads(data)
    except json.JSONDecodeError as exc:
        raise DataError(f"charges file: invalid JSON ({exc.msg} at {exc.pos})") from None
    items = doc.get("data") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise DataError("charges file: expected a JSON list of orders")
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise DataError(f"charges file: item {i} is not an object")
    return items


def _object(value: Any, what: str) -> Mapping[str, Any]:
    """``value`` when it is a JSON object (``{}`` for absent), else a ``DataError`` naming ``what``."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DataError(f"charges file: {what} is not an object")
    return value


def _charges_of(item: Mapping[str, Any], i: int) -> Mapping[str, Any]:
    if "charges" not in item:
        raise DataError(f"charges file: item {i} has no charges object")
    return _object(item["charges"], f"item {i} charges")


def _not_a_number(i: int, exc: ValueError) -> DataError:
    return DataError(f"charges file: item {i}: {exc}")


def _kite_components(c: Mapping[str, Any]) -> dict[str, Decimal]:
    gst = c.get("gst")
    return {
        "brokerage": _num(c.get("brokerage"), "brokerage"),
        "stt": _num(c.get("transaction_tax"), "transaction_tax"),
        "exchange_txn": _num(c.get("exchange_turnover_charge"), "exchange_turnover_charge"),
        "sebi_fee": _num(c.get("sebi_turnover_charge"), "sebi_turnover_charge"),
        "stamp_duty": _num(c.get("stamp_duty"), "stamp_duty"),
        "gst": _num(gst.get("total") if isinstance(gst, Mapping) else gst, "gst"),
    }


def parse_kite_charges(data: bytes | str, order_ids: Sequence[str] | None = None) -> list[BrokerCharges]:
    """Parse Kite's virtual contract note (see the module docstring).

    Parameters
    ----------
    order_ids : sequence of str, optional
        The broker order ids in the order they were requested; needed when items lack ``order_id``.
    """
    items = _items(data)
    if order_ids is not None and len(order_ids) != len(items):
        raise InvalidInput("order_ids", f"{len(order_ids)} ids for {len(items)} charge items")
    out = []
    for i, item in enumerate(items):
        order_id = item.get("order_id") or (order_ids[i] if order_ids is not None else None)
        if not order_id:
            raise InvalidInput("order_ids", f"item {i} has no order_id; pass order_ids in request order")
        try:
            components = _kite_components(_charges_of(item, i))
        except ValueError as exc:
            raise _not_a_number(i, exc) from None
        out.append(BrokerCharges(str(order_id), components))
    return out


def parse_upstox_charges(data: bytes | str) -> list[BrokerCharges]:
    """Parse a list of ``{"order_id", "charges": BrokerageData}`` objects (module docstring)."""
    out = []
    for i, item in enumerate(_items(data)):
        if not item.get("order_id"):
            raise DataError(f"Upstox charges item {i} has no order_id")
        c = _charges_of(item, i)
        taxes = _object(c.get("taxes"), f"item {i} taxes")
        other = _object(c.get("other_taxes") or c.get("other_charges"), f"item {i} other_taxes")
        try:
            components = _upstox_components(c, taxes, other)
        except ValueError as exc:
            raise _not_a_number(i, exc) from None
        out.append(BrokerCharges(str(item["order_id"]), components))
    return out


def _upstox_components(
    c: Mapping[str, Any], taxes: Mapping[str, Any], other: Mapping[str, Any]
) -> dict[str, Decimal]:
    txn = sum((_num(other.get(k), k) for k in ("transaction", "clearing", "ipft")), ZERO)
    return {
        "brokerage": _num(c.get("brokerage"), "brokerage"),
        "stt": _num(taxes.get("stt"), "stt"),
        "exchange_txn": txn,
        "sebi_fee": _num(other.get("sebi_turnover"), "sebi_turnover"),
        "stamp_duty": _num(taxes.get("stamp_duty"), "stamp_duty"),
        "gst": _num(taxes.get("gst"), "gst"),
    }


def parse_charges_csv(text: str) -> list[BrokerCharges]:
    """Parse the CSV layout of the module docstring; ``DataError`` names a missing column or bad line."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise DataError(f"charges CSV: missing column(s) {', '.join(missing)}")
    out = []
    for line, row in enumerate(reader, start=2):
        try:
            out.append(BrokerCharges(row["order_id"].strip(), {c: _num(row[c], c) for c in COMPONENTS}))
        except ValueError as exc:
            raise DataError(f"charges CSV line {line}: {exc}") from None
    return out


def model_components(charges: Charges) -> dict[str, Decimal]:
    """The model's :class:`Charges` in the compared components (IPFT folded into ``exchange_txn``)."""
    return {
        "brokerage": charges.brokerage,
        "stt": charges.stt,
        "exchange_txn": charges.exchange_txn + charges.ipft,
        "sebi_fee": charges.sebi_fee,
        "stamp_duty": charges.stamp_duty,
        "gst": charges.gst,
    }


@dataclass(frozen=True)
class ComponentDifference:
    """``broker - model`` of one component (₹; the model's rounded to the paisa), and whether it is
    within the tolerance."""

    component: str
    model: Decimal
    broker: Decimal
    difference: Decimal
    within_tolerance: bool


@dataclass(frozen=True)
class TradeReconciliation:
    """The component differences of one order; ``ok`` when every one is within tolerance."""

    order_id: str
    differences: tuple[ComponentDifference, ...]

    @property
    def ok(self) -> bool:
        """True when no component (nor the total) is off by more than the tolerance."""
        return all(d.within_tolerance for d in self.differences)

    @property
    def mismatches(self) -> tuple[ComponentDifference, ...]:
        """The components outside the tolerance."""
        return tuple(d for d in self.differences if not d.within_tolerance)


@dataclass(frozen=True)
class ReconciliationReport:
    """Per-order differences, orders seen on one side only, and summary metrics.

    ``tolerance`` is in ₹ (one paisa by default); a component is flagged when
    ``|broker - model| > tolerance``.
    """

    tolerance: Decimal
    trades: tuple[TradeReconciliation, ...]
    missing_at_broker: tuple[str, ...] = ()
    unknown_to_model: tuple[str, ...] = ()
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every order matched within tolerance and nothing is one-sided."""
        return all(t.ok for t in self.trades) and not self.missing_at_broker and not self.unknown_to_model

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report (₹ amounts as text so no paisa is lost)."""
        return {
            "ok": self.ok,
            "tolerance_inr": str(self.tolerance),
            "metrics": self.metrics,
            "missing_at_broker": list(self.missing_at_broker),
            "unknown_to_model": list(self.unknown_to_model),
            "trades": [
                {
                    "order_id": t.order_id,
                    "ok": t.ok,
                    "differences": [
                        {
                            "component": d.component,
                            "model_inr": str(d.model),
                            "broker_inr": str(d.broker),
                            "difference_inr": str(d.difference),
                            "within_tolerance": d.within_tolerance,
                        }
                        for d in t.differences
                    ],
                }
                for t in self.trades
            ],
        }


def _compare(
    order_id: str, model: Mapping[str, Decimal], broker: Mapping[str, Decimal], tolerance: Decimal
) -> TradeReconciliation:
    names = (*COMPONENTS, "total")
    printed = {c: round_paise(model[c]) for c in COMPONENTS}
    m = {**printed, "total": sum(printed.values(), ZERO)}
    b = {**broker, "total": sum((broker.get(c, ZERO) for c in COMPONENTS), ZERO)}
    diffs = []
    for name in names:
        diff = b.get(name, ZERO) - m[name]
        diffs.append(ComponentDifference(name, m[name], b.get(name, ZERO), diff, abs(diff) <= tolerance))
    return TradeReconciliation(order_id, tuple(diffs))


def _metrics(trades: Iterable[TradeReconciliation]) -> dict[str, float]:
    trades = list(trades)
    diffs = [abs(d.difference) for t in trades for d in t.differences if d.component != "total"]
    totals = [t.differences[-1].difference for t in trades]
    return {
        "orders": float(len(trades)),
        "mismatched_orders": float(sum(not t.ok for t in trades)),
        "mismatched_components": float(sum(len(t.mismatches) for t in trades)),
        "max_abs_difference_inr": float(max(diffs, default=ZERO)),
        "total_difference_inr": float(sum(totals, ZERO)),
    }


def reconcile_charges(
    fills: Sequence[OrderFill],
    broker: Sequence[BrokerCharges],
    model: FeeModel,
    *,
    tolerance: Decimal = PAISA,
    netted: Mapping[str, Charges] | None = None,
) -> ReconciliationReport:
    """Compare the broker's per-order charges with ``model``'s for the same fills.

    Parameters
    ----------
    fills : sequence of OrderFill
        Our executed orders (aggregate partial fills with :func:`aggregate_fills`).
    broker : sequence of BrokerCharges
        Parsed broker file (:func:`parse_kite_charges`, :func:`parse_upstox_charges`, CSV).
    model : FeeModel
        The cost model to check (e.g. ``ZerodhaFees()``).
    tolerance : Decimal
        Largest accepted absolute difference per component, ₹ (default ₹0.01).
    netted : mapping of order id to Charges, optional
        The orders' charges netted per scrip-day (:func:`netted_order_charges`); when given,
        they are compared instead of each order priced alone.

    Returns
    -------
    ReconciliationReport
        Differences per order and component, one-sided orders, and :attr:`metrics`: ``orders``
        (compared), ``mismatched_orders``, ``mismatched_components``, ``max_abs_difference_inr``,
        ``total_difference_inr`` (broker - model, ₹), ``missing_at_broker`` and ``unknown_to_model``
        (order counts).
    """
    by_id = {b.order_id: b for b in broker}
    ours = {f.order_id for f in fills}

    def ours_of(f: OrderFill) -> Charges:
        if netted is not None and f.order_id in netted:
            return netted[f.order_id]
        return model.charges(f.leg)

    trades = tuple(
        _compare(f.order_id, model_components(ours_of(f)), by_id[f.order_id].components, tolerance)
        for f in fills
        if f.order_id in by_id
    )
    missing = tuple(f.order_id for f in fills if f.order_id not in by_id)
    unknown = tuple(b.order_id for b in broker if b.order_id not in ours)
    metrics = {**_metrics(trades), "missing_at_broker": float(len(missing))}
    metrics["unknown_to_model"] = float(len(unknown))
    return ReconciliationReport(
        tolerance, trades, missing_at_broker=missing, unknown_to_model=unknown, metrics=metrics
    )
