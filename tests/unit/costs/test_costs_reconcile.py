"""Broker charges reconciled with the cost model to the paisa (facts file, worked example E2)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from vyapari.core.errors import DataError
from vyapari.core.money import round_paise
from vyapari.costs import TradeLeg, UpstoxFees, ZerodhaFees
from vyapari.costs.reconcile import (
    OrderFill,
    aggregate_fills,
    model_components,
    parse_charges_csv,
    parse_kite_charges,
    parse_upstox_charges,
    reconcile_charges,
)
from vyapari.model.enums import Exchange, Segment, Side

DAY = date(2026, 1, 5)
D = Decimal


def _e2_fills() -> list[OrderFill]:
    """E2: intraday 100 shares bought at ₹1000 and sold at ₹1010 on NSE."""
    buy = TradeLeg(Exchange.NSE, Segment.INTRADAY, Side.BUY, 100, D("1000"), DAY)
    sell = TradeLeg(Exchange.NSE, Segment.INTRADAY, Side.SELL, 100, D("1010"), DAY)
    return [OrderFill("B1", buy), OrderFill("S1", sell)]


def _kite_item(stt: str, txn: str, sebi: str, stamp: str, gst: str) -> dict[str, object]:
    charges = {"transaction_tax": float(stt), "transaction_tax_type": "stt",
               "exchange_turnover_charge": float(txn), "sebi_turnover_charge": float(sebi),
               "brokerage": 20.0, "stamp_duty": float(stamp),
               "gst": {"igst": float(gst), "cgst": 0, "sgst": 0, "total": float(gst)}}
    return {"exchange": "NSE", "tradingsymbol": "INFY", "quantity": 100, "charges": charges}


def _kite_note(buy_stamp: str = "3.00") -> str:
    """Kite's virtual contract note for E2, per order, rounded to the paisa as brokers print it."""
    items = [_kite_item("0", "3.07", "0.10", buy_stamp, "4.17"),
             _kite_item("25", "3.10", "0.10", "0", "4.18")]
    return json.dumps({"status": "success", "data": items})


def test_kite_charges_for_e2_reconcile_within_a_paisa() -> None:
    broker = parse_kite_charges(_kite_note(), order_ids=["B1", "S1"])
    report = reconcile_charges(_e2_fills(), broker, ZerodhaFees())
    assert report.ok, report.to_dict()
    totals = {c: sum((b.components[c] for b in broker), D(0)) for c in broker[0].components}
    assert totals == {"brokerage": D(40), "stt": D(25), "exchange_txn": D("6.17"), "sebi_fee": D("0.20"),
                      "stamp_duty": D(3), "gst": D("8.35")}
    assert report.metrics["mismatched_orders"] == 0 and report.metrics["max_abs_difference_inr"] <= 0.01


def test_component_two_paise_off_is_flagged() -> None:
    broker = parse_kite_charges(_kite_note(buy_stamp="3.02"), order_ids=["B1", "S1"])
    report = reconcile_charges(_e2_fills(), broker, ZerodhaFees())
    assert not report.ok
    bad = {t.order_id: [d.component for d in t.mismatches] for t in report.trades if not t.ok}
    assert bad == {"B1": ["stamp_duty", "total"]}
    stamp = next(d for d in report.trades[0].differences if d.component == "stamp_duty")
    assert stamp.difference == D("0.02")
    assert report.metrics["max_abs_difference_inr"] == pytest.approx(0.02)
    payload = json.loads(json.dumps(report.to_dict()))
    stamp_row = payload["trades"][0]["differences"][4]
    assert stamp_row["component"] == "stamp_duty" and D(stamp_row["difference_inr"]) == D("0.02")


def test_csv_export_reconciles_and_reports_one_sided_orders() -> None:
    text = ("order_id,brokerage,stt,exchange_txn,sebi_fee,stamp_duty,gst\n"
            "B1,20,0,3.07,0.10,3.00,4.17\nX9,20,0,1,0,0,3.6\n")
    report = reconcile_charges(_e2_fills(), parse_charges_csv(text), ZerodhaFees())
    assert report.trades[0].ok
    assert (report.missing_at_broker, report.unknown_to_model, report.ok) == (("S1",), ("X9",), False)


def test_upstox_charges_parse_and_exclude_gst_on_ipft() -> None:
    fills = _e2_fills()
    model = UpstoxFees()
    items = []
    for fill in fills:
        c = {k: float(round_paise(v)) for k, v in model_components(model.charges(fill.leg)).items()}
        taxes = {"gst": c["gst"], "stt": c["stt"], "stamp_duty": c["stamp_duty"]}
        other = {"transaction": c["exchange_txn"], "clearing": 0, "sebi_turnover": c["sebi_fee"]}
        items.append({"order_id": fill.order_id,
                      "charges": {"brokerage": c["brokerage"], "taxes": taxes, "other_taxes": other}})
    report = reconcile_charges(fills, parse_upstox_charges(json.dumps(items)), model)
    assert report.ok
    assert not reconcile_charges(fills, parse_upstox_charges(json.dumps(items)), ZerodhaFees()).ok


def test_partial_fills_of_one_order_are_priced_together() -> None:
    legs = [TradeLeg(Exchange.NSE, Segment.INTRADAY, Side.BUY, q, D("1000"), DAY) for q in (40, 60)]
    fill = aggregate_fills("B1", legs)
    assert (fill.leg.quantity, fill.leg.price) == (100, D("1000"))
    assert ZerodhaFees().charges(fill.leg).brokerage == D(20)


def test_kite_items_without_order_ids_need_them_given() -> None:
    with pytest.raises(ValueError, match="order_ids"):
        parse_kite_charges(_kite_note())
    with pytest.raises(DataError):
        parse_charges_csv("order_id,brokerage\nB1,20\n")
