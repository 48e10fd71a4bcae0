"""``vyapari charges reconcile`` on a hand-built fills log: partial fills priced per order, the CSV and
Kite layouts, JSON output, the fills log itself, and one-line errors (exit 2) naming the file.

The orders are the facts file's worked example E2 (NSE intraday, 100 shares bought at ₹1,000 and sold
at ₹1,010 on 2026-01-05), as a contract note prints them (₹, to the paisa):
buy  : brokerage min(₹20, 0.03% × 1,00,000 = ₹30) = 20; STT 0; txn+IPFT 0.00307% = 3.07;
       SEBI 0.10; stamp 0.003% = 3.00; GST 18% × 23.17 = 4.1706 -> 4.17
sell : brokerage 20; STT 0.025% × 1,01,000 = 25.25 -> 25; txn 3.1007 -> 3.10; SEBI 0.101 -> 0.10;
       stamp 0; GST 18% × 23.2017 = 4.176306 -> 4.18
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from vyapari.cli.main import main
from vyapari.core.time import IST
from vyapari.live.fills_log import FillLog, read_fills
from vyapari.model.enums import ProductType, Side
from vyapari.model.events import Fill

DAY = "2026-01-05"
CSV_HEADER = "order_id,brokerage,stt,exchange_txn,sebi_fee,stamp_duty,gst\n"
E2_CSV = CSV_HEADER + "B1,20,0,3.07,0.10,3.00,4.17\nS1,20,25,3.10,0.10,0,4.18\n"


def _fill(trade_id: str, order_id: str | None, side: Side, qty: int, price: str, minute: int) -> Fill:
    at = datetime(2026, 1, 5, 10, minute, tzinfo=IST)
    return Fill(
        trade_id,
        f"cid-{order_id or trade_id}",
        "NSE:INFY",
        side,
        qty,
        Decimal(price),
        at,
        ProductType.MIS,
        broker_order_id=order_id,
    )


@pytest.fixture
def state(tmp_path: Path) -> Path:
    """A ``vyapari live`` state folder whose fills log holds E2, the buy filled in two parts."""
    folder = tmp_path / "state"
    log = FillLog(folder / "fills")
    log.sync(
        [
            _fill("T1", "B1", Side.BUY, 40, "1000", 1),
            _fill("T2", "B1", Side.BUY, 60, "1000", 2),
            _fill("T3", "S1", Side.SELL, 100, "1010", 30),
        ]
    )
    log.close()
    return folder


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["charges", "reconcile", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _kite(with_ids: bool) -> str:
    def item(oid: str, stt: float, txn: float, stamp: float, gst: float) -> dict[str, object]:
        charges = {
            "transaction_tax": stt,
            "exchange_turnover_charge": txn,
            "sebi_turnover_charge": 0.1,
            "brokerage": 20,
            "stamp_duty": stamp,
            "gst": {"igst": gst, "total": gst},
        }
        return {"order_id": oid, "charges": charges} if with_ids else {"charges": charges}

    return json.dumps({"data": [item("B1", 0, 3.07, 3.0, 4.17), item("S1", 25, 3.1, 0, 4.18)]})


def test_partial_fills_of_one_order_are_priced_once_and_match_the_contract_note(
    state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = _write(tmp_path, "note.csv", E2_CSV)
    code, out, err = _run(
        capsys,
        "--broker",
        "csv",
        "--fees",
        "zerodha",
        "--charges",
        str(csv),
        "--fills",
        str(state),
        "--date",
        DAY,
        "--json",
    )
    assert code == 0, out + err
    report = json.loads(out)  # --json: stdout is the report alone, the EMF lines go to stderr
    assert report["ok"] is True and report["metrics"]["orders"] == 2
    buy = report["trades"][0]
    assert buy["order_id"] == "B1"
    model = {d["component"]: d["model_inr"] for d in buy["differences"]}
    assert model == {
        "brokerage": "20.00",
        "stt": "0.00",
        "exchange_txn": "3.07",
        "sebi_fee": "0.10",
        "stamp_duty": "3.00",
        "gst": "4.17",
        "total": "30.34",
    }
    assert report["orders_detail"]["B1"] == {
        "instrument_id": "NSE:INFY",
        "side": "BUY",
        "product": "MIS",
        "quantity": 100,
        "average_price_inr": "1000",
        "fills": 2,
    }
    emf = [json.loads(line) for line in err.splitlines()]
    assert {"charges_orders": 2.0} in [{k: v for k, v in r.items() if k == "charges_orders"} for r in emf]
    assert (state / "reports" / f"{DAY}-charges.html").read_text().count("<tr") == 3  # header + 2 orders


def test_kite_note_without_order_ids_needs_them_in_request_order(
    state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    note = _write(tmp_path, "note.json", _kite(with_ids=False))
    base = ["--broker", "zerodha", "--charges", str(note), "--fills", str(state), "--date", DAY]
    code, _, err = _run(capsys, *base)
    assert code == 2
    assert (
        err.startswith(f"vyapari charges: error: charges file {note} (zerodha format): ")
        and "--order-ids" in err
    )
    code, out, _ = _run(capsys, *base, "--order-ids", "B1,S1")
    assert code == 0 and "OK: 2 of 2 orders within ₹0.01" in out
    code, out, _ = _run(capsys, *base, "--order-ids", "S1,B1")  # the wrong order is caught, not trusted
    assert code == 1 and "MISMATCH S1 stt: ours ₹25.00, broker ₹0.00" in out


def test_an_order_only_the_broker_has_exits_1(
    state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = _write(tmp_path, "note.csv", E2_CSV + "X9,20,0,1,0,0,3.60\n")
    code, out, _ = _run(
        capsys,
        "--broker",
        "csv",
        "--fees",
        "zerodha",
        "--charges",
        str(csv),
        "--fills",
        str(state),
        "--date",
        DAY,
    )
    assert code == 1
    assert "UNKNOWN to our fills (broker orders): X9" in out
    emf = {
        k: v for line in out.splitlines() if line.startswith('{"_aws"') for k, v in json.loads(line).items()
    }
    assert emf["charges_unknown_to_model"] == 1 and emf["charges_mismatched_orders"] == 0


@pytest.mark.parametrize(
    ("name", "text", "fmt", "problem"),
    [
        ("broken.json", '[{"order_id": "B1", "charges": {"brokerage": 20}', "zerodha", "invalid JSON"),
        (
            "nocharges.json",
            '[{"order_id": "B1", "brokerage": 20}]',
            "zerodha",
            "item 0 has no charges object",
        ),
        ("nan.json", '[{"order_id": "B1", "charges": {"brokerage": "twenty"}}]', "zerodha", "not a number"),
        ("list.json", '{"data": ["B1"]}', "upstox", "item 0 is not an object"),
        ("noid.json", '[{"charges": {"brokerage": 20}}]', "upstox", "has no order_id"),
        (
            "twice.csv",
            CSV_HEADER + "B1,20,0,3.07,0.10,3.00,4.17\nB1,20,0,3.07,0.10,3.00,4.17\n",
            "csv",
            "order B1 appears twice",
        ),
        ("columns.csv", "order_id,brokerage\nB1,20\n", "csv", "missing column(s) stt"),
    ],
)
def test_malformed_charges_file_exits_2_with_one_line_naming_it(
    state: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    text: str,
    fmt: str,
    problem: str,
) -> None:
    path = _write(tmp_path, name, text)
    code, out, err = _run(
        capsys,
        "--broker",
        fmt,
        "--fees",
        "zerodha",
        "--charges",
        str(path),
        "--fills",
        str(state),
        "--date",
        DAY,
    )
    assert (code, out) == (2, "")
    assert err.startswith(f"vyapari charges: error: charges file {path} ({fmt} format): ") and problem in err
    assert len(err.strip().splitlines()) == 1


def test_bad_fills_and_missing_files_exit_2(
    state: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = _write(tmp_path, "note.csv", E2_CSV)
    base = ["--broker", "csv", "--charges", str(csv)]
    cases = [
        (["--fees", "zerodha", "--fills", str(state)], f"fills folder {state}: give --date"),
        (
            ["--fees", "zerodha", "--fills", str(state), "--date", "2026-01-06"],
            "no fills log 2026-01-06.jsonl",
        ),
        (["--fills", str(state), "--date", DAY], "--fees: required with --broker csv"),
        (["--fees", "zerodha", "--fills", str(tmp_path / "none.jsonl")], "none.jsonl: not found"),
    ]
    for extra, problem in cases:
        code, _, err = _run(capsys, *base, *extra)
        assert code == 2 and problem in err, (extra, err)
    bad_log = _write(tmp_path, "fills.jsonl", '{"trade_id": "T1"}\n')
    code, _, err = _run(capsys, *base, "--fees", "zerodha", "--fills", str(bad_log))
    assert code == 2 and f"fills file {bad_log} line 1: not a fill record" in err
    code, _, err = _run(
        capsys,
        "--broker",
        "csv",
        "--fees",
        "zerodha",
        "--fills",
        str(state),
        "--date",
        DAY,
        "--charges",
        str(tmp_path / "absent.csv"),
    )
    assert code == 2 and f"charges file {tmp_path / 'absent.csv'}: not found" in err


def test_fills_log_keeps_each_trade_once_and_round_trips_exactly(tmp_path: Path) -> None:
    fills = [_fill("T1", "B1", Side.BUY, 40, "1000.05", 1), _fill("T2", None, Side.SELL, 40, "1001.1", 2)]
    log = FillLog(tmp_path)
    assert [log.write(f) for f in fills] == [True, True]
    log.close()
    again = FillLog(tmp_path)  # a restart books the same trades again
    assert again.sync(fills) == 0
    again.close()
    assert read_fills(tmp_path / f"{DAY}.jsonl") == fills


def test_csv_charges_priced_with_the_broker_setting_and_the_live_folder_by_default(
    state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No --fees: BROKER=zerodha from .env names the cost model; no --fills: .vyapari-live here."""
    csv = _write(tmp_path, "note.csv", E2_CSV)
    work = tmp_path / "work"
    work.mkdir()
    state.rename(work / ".vyapari-live")
    (work / ".env").write_text("BROKER=zerodha\n", encoding="utf-8")
    monkeypatch.chdir(work)
    monkeypatch.delenv("BROKER", raising=False)
    code, out, err = _run(capsys, "--broker", "csv", "--charges", str(csv), "--date", DAY, "--json")
    assert code == 0, out + err
    report = json.loads(out)
    assert report["ok"] is True and report["metrics"]["orders"] == 2 and report["fees"] == "zerodha"
