"""End to end: a day replayed on paper through ``vyapari live --replay --fees zerodha`` logs its fills;
``vyapari charges reconcile`` checks them against a hand-made broker file after the close.

The Kite file carries, for two orders, charges worked out by hand from Zerodha's published rates for
2026-10-30 (facts file A.1: brokerage min(₹20, 0.03%) per executed order; STT 0.025% on the intraday
sell, rounded to the rupee; NSE txn 0.00297% + IPFT 0.0001% = 0.00307%; SEBI ₹10/crore; stamp 0.003%
on the buy; GST 18% on brokerage + txn + SEBI), printed to the paisa as a contract note does; for the
other orders, the model's own components printed to the paisa.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tests.integration.live.test_crash_safety import _cmd, _env

from vyapari.cli.main import main
from vyapari.core.money import round_paise
from vyapari.costs import UpstoxFees, ZerodhaFees
from vyapari.costs.executed import fill_leg, group_orders
from vyapari.costs.reconcile import aggregate_fills, model_components
from vyapari.live.fills_log import read_fills
from vyapari.model.events import Fill

SESSION = "2026-10-30"  # the day of random_walk_panel(sessions=1), the `day` fixture

# Broker order id -> (side, units, price ₹, instrument) the hand-worked charges below are for.
HAND_INPUTS = {
    "PAPER-00000001": ("BUY", 27, Decimal("1839.12"), "NSE:SYM002"),
    "PAPER-00000003": ("SELL", 32, Decimal("1552.21"), "NSE:SYM001"),
}
# PAPER-00000001: buy 27 × ₹1,839.12 = ₹49,656.24 turnover, intraday (MIS).
#   brokerage 0.03% = 14.896872 (< ₹20)          -> 14.90
#   STT: none on an intraday buy                   -> 0
#   txn + IPFT 0.00307% = 1.524446568              -> 1.52
#   SEBI ₹10/crore = 0.04965624                    -> 0.05
#   stamp 0.003% (buy) = 1.4896872                 -> 1.49
#   GST 18% × (14.896872 + 1.524446568 + 0.04965624) = 2.96477546544 -> 2.96
# PAPER-00000003: sell 32 × ₹1,552.21 = ₹49,670.72 turnover, intraday (MIS).
#   brokerage 0.03% = 14.901216                    -> 14.90
#   STT 0.025% (sell) = 12.41768, to the rupee     -> 12
#   txn + IPFT 0.00307% = 1.524891104              -> 1.52
#   SEBI ₹10/crore = 0.04967072                    -> 0.05
#   stamp: none on a sell                          -> 0
#   GST 18% × (14.901216 + 1.524891104 + 0.04967072) = 2.96564000832 -> 2.97
HAND_KITE = {
    "PAPER-00000001": {"brokerage": 14.90, "stt": 0, "txn": 1.52, "sebi": 0.05, "stamp": 1.49, "gst": 2.96},
    "PAPER-00000003": {"brokerage": 14.90, "stt": 12, "txn": 1.52, "sebi": 0.05, "stamp": 0, "gst": 2.97},
}
HAND_TOTALS = {"PAPER-00000001": "₹20.92", "PAPER-00000003": "₹31.44"}


def _live_cmd(day: Path, state: Path, speed: str = "max") -> list[str]:
    """``vyapari live`` replaying ``day`` on paper, charged with Zerodha's fees."""
    return [*_cmd(day, state, speed), "--fees", "zerodha"]


def _replay(day: Path, state: Path, speed: str = "max", timeout: float = 60) -> subprocess.CompletedProcess:
    cmd = _live_cmd(day, state, speed)
    return subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=timeout, check=False)


@pytest.fixture(scope="module")
def state(day: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("state")
    done = _replay(day, folder)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout[done.stdout.index("{") :])
    assert summary["fills"] > 10, "the replay must trade to prove anything"
    return folder


def _fills(state: Path) -> list[Fill]:
    return read_fills(state / "fills" / f"{SESSION}.jsonl")


def _kite_item(order_id: str, c: dict[str, float]) -> dict[str, object]:
    gst = {"igst": c["gst"], "cgst": 0, "sgst": 0, "total": c["gst"]}
    charges = {
        "transaction_tax": c["stt"],
        "transaction_tax_type": "stt",
        "exchange_turnover_charge": c["txn"],
        "sebi_turnover_charge": c["sebi"],
        "brokerage": c["brokerage"],
        "stamp_duty": c["stamp"],
        "gst": gst,
        "total": round(sum(c.values()), 2),
    }
    return {"order_id": order_id, "exchange": "NSE", "variety": "regular", "charges": charges}


def _printed(fills: list[Fill], model: object) -> dict[str, dict[str, float]]:
    """The model's components per broker order, printed to the paisa (the 'broker equals model' orders)."""
    out = {}
    for order in group_orders(fills):
        leg = aggregate_fills(order.order_id, [fill_leg(f) for f in order.fills]).leg
        comps = model_components(model.charges(leg))  # type: ignore[attr-defined]
        out[order.order_id] = {k: float(round_paise(v)) for k, v in comps.items()}
    return out


def _kite_file(path: Path, fills: list[Fill], hand: dict[str, dict[str, float]]) -> Path:
    items = []
    for oid, c in _printed(fills, ZerodhaFees()).items():
        kite = {
            "brokerage": c["brokerage"],
            "stt": c["stt"],
            "txn": c["exchange_txn"],
            "sebi": c["sebi_fee"],
            "stamp": c["stamp_duty"],
            "gst": c["gst"],
        }
        items.append(_kite_item(oid, hand.get(oid, kite)))
    path.write_text(json.dumps({"status": "success", "data": items}), encoding="utf-8")
    return path


def _emf(lines: str) -> dict[str, float]:
    out = {}
    for line in lines.splitlines():
        if line.startswith('{"_aws"'):
            record = json.loads(line)
            (metric,) = record["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            assert record["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "vyapari/charges"
            out[metric["Name"]] = record[metric["Name"]]
    return out


def _reconcile(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["charges", "reconcile", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_replayed_fills_carry_broker_order_ids_and_the_hand_worked_orders(state: Path) -> None:
    fills = _fills(state)
    assert len({f.trade_id for f in fills}) == len(fills)
    assert all(f.broker_order_id and f.broker_order_id.startswith("PAPER-") for f in fills)
    orders = {o.order_id: o for o in group_orders(fills)}
    for oid, (side, qty, price, instrument) in HAND_INPUTS.items():
        (fill,) = orders[oid].fills
        assert (fill.side.value, fill.quantity, fill.price, fill.instrument_id) == (
            side,
            qty,
            price,
            instrument,
        )
        assert (fill.product.value, fill.filled_at.date().isoformat()) == ("MIS", SESSION)


def test_kite_file_matching_the_hand_worked_charges_exits_0(
    state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    charges = _kite_file(tmp_path / "kite.json", _fills(state), HAND_KITE)
    code, out, _ = _reconcile(
        capsys, "--broker", "zerodha", "--charges", str(charges), "--fills", str(state), "--date", SESSION
    )
    assert code == 0, out
    n = len(group_orders(_fills(state)))
    assert f"OK: {n} of {n} orders within ₹0.01, 0 missing at the broker, 0 unknown to our fills" in out
    assert "MISMATCH" not in out
    for oid, total in HAND_TOTALS.items():
        row = next(line for line in out.splitlines() if oid in line)
        assert row.count(total) == 2 and "OK" in row, row  # ours and the broker's total
    metrics = _emf(out)
    assert metrics["charges_mismatched_orders"] == 0 and metrics["charges_orders"] == n
    report = json.loads((state / "reports" / f"{SESSION}-charges.json").read_text())
    assert report["ok"] is True and report["session_date"] == SESSION
    html = (state / "reports" / f"{SESSION}-charges.html").read_text()
    assert "PAPER-00000003" in html and "₹31.44" in html


def test_two_paise_on_one_component_exits_1_and_names_it(
    state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hand = {**HAND_KITE, "PAPER-00000001": {**HAND_KITE["PAPER-00000001"], "stamp": 1.51}}
    charges = _kite_file(tmp_path / "kite.json", _fills(state), hand)
    metrics_file = tmp_path / "emf.jsonl"
    code, out, _ = _reconcile(
        capsys,
        "--broker",
        "zerodha",
        "--charges",
        str(charges),
        "--fills",
        str(state),
        "--date",
        SESSION,
        "--metrics-out",
        str(metrics_file),
        "--report-dir",
        str(tmp_path / "reports"),
    )
    assert code == 1
    assert "MISMATCH PAPER-00000001 stamp_duty: ours ₹1.49, broker ₹1.51 (+₹0.02)" in out
    assert "MISMATCH PAPER-00000001 total: ours ₹20.92, broker ₹20.94 (+₹0.02)" in out
    assert "MISMATCH PAPER-00000003" not in out
    metrics = _emf(metrics_file.read_text())
    assert metrics["charges_mismatched_orders"] == 1
    assert metrics["charges_mismatched_components"] == 2  # stamp duty and the total
    assert metrics["charges_max_abs_difference_inr"] == pytest.approx(0.02)
    assert metrics["charges_total_difference_inr"] == pytest.approx(0.02)
    assert not _emf(out), "with --metrics-out the metrics go to the file only"
    report = json.loads((tmp_path / "reports" / f"{SESSION}-charges.json").read_text())
    bad = [t for t in report["trades"] if not t["ok"]]
    assert [t["order_id"] for t in bad] == ["PAPER-00000001"]


def test_an_order_missing_from_the_broker_file_exits_1(
    state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _kite_file(tmp_path / "kite.json", _fills(state), HAND_KITE)
    doc = json.loads(path.read_text())
    doc["data"] = [i for i in doc["data"] if i["order_id"] != "PAPER-00000003"]
    path.write_text(json.dumps(doc))
    code, out, _ = _reconcile(
        capsys,
        "--broker",
        "zerodha",
        "--charges",
        str(path),
        "--fills",
        str(state),
        "--date",
        SESSION,
        "--report-dir",
        str(tmp_path),
    )
    assert code == 1
    assert "MISSING at the broker (our orders): PAPER-00000003" in out
    assert _emf(out)["charges_missing_at_broker"] == 1


def test_malformed_kite_file_exits_2_naming_the_file(
    state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "kite-broken.json"
    bad.write_text('{"status": "success", "data": [{"order_id": "PAPER-00000001", "charges": ')
    code, out, err = _reconcile(
        capsys,
        "--broker",
        "zerodha",
        "--charges",
        str(bad),
        "--fills",
        str(state),
        "--date",
        SESSION,
        "--report-dir",
        str(tmp_path),
    )
    assert code == 2 and out == ""
    assert (
        err.startswith(f"vyapari charges: error: charges file {bad} (zerodha format): ")
        and "invalid JSON" in err
    )
    assert len(err.strip().splitlines()) == 1


def test_upstox_file_reconciles_with_the_upstox_model(
    state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    items: list[dict[str, Any]] = []
    for oid, c in _printed(_fills(state), UpstoxFees()).items():
        taxes = {"gst": c["gst"], "stt": c["stt"], "stamp_duty": c["stamp_duty"]}
        other = {"transaction": c["exchange_txn"], "clearing": 0, "sebi_turnover": c["sebi_fee"], "ipft": 0}
        items.append(
            {
                "order_id": oid,
                "charges": {
                    "total": round(sum(c.values()), 2),
                    "brokerage": c["brokerage"],
                    "taxes": taxes,
                    "other_taxes": other,
                },
            }
        )
    path = tmp_path / "upstox.json"
    path.write_text(json.dumps(items))
    args = [
        "--broker",
        "upstox",
        "--charges",
        str(path),
        "--fills",
        str(state),
        "--date",
        SESSION,
        "--report-dir",
        str(tmp_path),
    ]
    code, out, _ = _reconcile(capsys, *args)
    assert code == 0, out
    items[1]["charges"]["brokerage"] = round(items[1]["charges"]["brokerage"] - 0.02, 2)
    path.write_text(json.dumps(items))
    code, out, _ = _reconcile(capsys, *args)
    assert code == 1
    assert f"MISMATCH {items[1]['order_id']} brokerage:" in out and "(-₹0.02)" in out
    assert _emf(out)["charges_mismatched_orders"] == 1


def _interrupt_once_fills_are_logged(day: Path, state: Path, sig: int) -> tuple[bool, str, str, int]:
    """Replay ``day`` at 5000× until its fills log holds two lines (a fixed sleep raced a slow
    start on a loaded machine), then send ``sig``; returns (signalled, stdout, stderr, exit code).
    A run that finished first is not signalled."""
    log = state / "fills" / f"{SESSION}.jsonl"
    proc = subprocess.Popen(
        _live_cmd(day, state, "5000"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env()
    )
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if log.exists() and log.read_text().count("\n") >= 2:
            break
        time.sleep(0.02)
    signalled = proc.poll() is None
    if signalled:
        proc.send_signal(sig)
    out, err = proc.communicate(timeout=30)
    return signalled, out, err, proc.returncode


def test_sigkill_mid_day_then_restart_logs_every_fill_exactly_once(
    day: Path, state: Path, tmp_path: Path
) -> None:
    killed, _, _, _ = _interrupt_once_fills_are_logged(day, tmp_path, signal.SIGKILL)
    log = tmp_path / "fills" / f"{SESSION}.jsonl"
    everything = sorted(f.trade_id for f in _fills(state))
    if killed:  # appended as booked: what the killed run booked is there already
        assert 0 < len(log.read_text().splitlines()) < len(everything)
        with log.open("a") as handle:  # as if killed in the middle of writing a line
            handle.write('{"trade_id":"PAPER-T000')
    done = _replay(day, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    ids = [json.loads(line)["trade_id"] for line in log.read_text().splitlines()]
    assert len(ids) == len(set(ids)), "a fill was logged twice"
    assert sorted(ids) == everything, "a fill was lost or invented"


def test_sigterm_keeps_every_booked_fill_in_the_log(day: Path, tmp_path: Path) -> None:
    _, out, err, code = _interrupt_once_fills_are_logged(day, tmp_path, signal.SIGTERM)
    assert code == 0, err[-2000:]
    summary = json.loads(out[out.index("{") :])
    logged = read_fills(tmp_path / "fills" / f"{SESSION}.jsonl")
    assert len(logged) == summary["fills"] > 0
