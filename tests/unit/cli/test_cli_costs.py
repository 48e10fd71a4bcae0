"""Tests of ``vyapari costs``: in-process through ``main()`` and once through the installed script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vyapari.cli.main import main

E2 = [
    "costs",
    "--exchange",
    "NSE",
    "--segment",
    "intraday",
    "--qty",
    "100",
    "--buy",
    "1000",
    "--sell",
    "1010",
    "--date",
    "2026-05-04",
]
ITEM_KEYS = {
    "brokerage_inr",
    "stt_inr",
    "exchange_txn_inr",
    "ipft_inr",
    "sebi_fee_inr",
    "stamp_duty_inr",
    "gst_inr",
    "dp_inr",
    "total_inr",
    "breakeven_points",
}
CONTEXT_KEYS = {"exchange", "segment", "broker", "trade_date", "quantity", "buy_price", "sell_price"}


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_costs_json_reproduces_worked_example_e2(capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, [*E2, "--json"])
    assert set(out) == ITEM_KEYS | CONTEXT_KEYS
    assert out["total_inr"] == 82.72  # facts E2, STT rounded
    assert out["stt_inr"] == 25.0
    assert out["exchange_txn_inr"] == 5.97 and out["ipft_inr"] == 0.2  # 5.9697 and 0.201
    assert out["gst_inr"] == 8.35 and out["brokerage_inr"] == 40.0 and out["dp_inr"] == 0.0
    assert out["breakeven_points"] == 0.83
    assert (out["exchange"], out["segment"], out["broker"], out["trade_date"]) == (
        "NSE",
        "intraday",
        "zerodha",
        "2026-05-04",
    )
    assert (out["quantity"], out["buy_price"], out["sell_price"]) == (100, 1000.0, 1010.0)


def test_cli_costs_exact_stt_gives_the_exact_total(capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, [*E2, "--json", "--exact-stt"])
    assert out["total_inr"] == 82.97 and out["stt_inr"] == 25.25


def test_cli_costs_delivery_sell_includes_dp_in_the_total(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "costs",
        "--exchange",
        "bse",
        "--segment",
        "DELIVERY",
        "--qty",
        "100",
        "--buy",
        "1000",
        "--sell",
        "1010",
        "--date",
        "2026-05-04",
        "--json",
    ]
    out = _json(capsys, argv)
    assert out["dp_inr"] == 15.34 and out["total_inr"] == 240.47  # facts E6 + DP


def test_cli_costs_maps_nfo_to_nse_and_handles_a_sell_only_trade(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "costs",
        "--exchange",
        "nfo",
        "--segment",
        "options",
        "--qty",
        "65",
        "--sell",
        "120",
        "--date",
        "2026-05-04",
        "--json",
        "--exact-stt",
    ]
    out = _json(capsys, argv)
    assert out["exchange"] == "NSE" and out["buy_price"] is None
    # STT 0.15 % x 7,800 = 11.70; txn 0.03503 % x 7,800 = 2.73234; IPFT 0.039; SEBI 0.0078;
    # GST 18 % x (20 + 2.73234 + 0.039 + 0.0078) = 4.1002452; total 38.5793852.
    assert out["total_inr"] == 38.58 and out["stamp_duty_inr"] == 0.0


def test_cli_costs_upstox_broker_leaves_ipft_out_of_gst(capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, [*E2, "--json", "--exact-stt", "--broker", "Upstox"])
    assert out["broker"] == "upstox" and out["gst_inr"] == 8.31 and out["total_inr"] == 82.93


def test_cli_costs_human_output_is_a_table_with_total_and_breakeven(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(E2) == 0
    out = capsys.readouterr().out
    for text in ("Brokerage", "STT", "GST", "Total", "₹82.72", "₹40.00", "Break-even", "0.83"):
        assert text in out


BAD_INPUTS = [
    ("--qty", ["--qty", "-5", "--buy", "100"]),
    ("--qty", ["--qty", "ten", "--buy", "100"]),
    ("--buy", ["--qty", "5", "--buy", "abc"]),
    ("--sell", ["--qty", "5", "--sell", "0"]),
    ("--buy/--sell", ["--qty", "5"]),
    ("--date", ["--qty", "5", "--buy", "100", "--date", "2023-03-31"]),
    ("--date", ["--qty", "5", "--buy", "100", "--date", "31-03-2024"]),
]


@pytest.mark.parametrize(("argument", "extra"), BAD_INPUTS, ids=[f"{a} {' '.join(e)}" for a, e in BAD_INPUTS])
def test_cli_costs_bad_input_is_one_line_naming_the_argument_exit_2(
    capsys: pytest.CaptureFixture[str], argument: str, extra: list[str]
) -> None:
    argv = ["costs", "--exchange", "NSE", "--segment", "intraday", *extra]
    status = _exit_status(argv)
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert argument in err


@pytest.mark.parametrize(
    ("argument", "value"), [("--exchange", "MCX"), ("--segment", "commodity"), ("--broker", "icici")]
)
def test_cli_costs_unknown_choice_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], argument: str, value: str
) -> None:
    argv = [
        "costs",
        "--exchange",
        "NSE",
        "--segment",
        "intraday",
        "--qty",
        "1",
        "--buy",
        "1",
        argument,
        value,
    ]
    assert _exit_status(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and argument in err and value in err


def _exit_status(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse errors exit from inside parse_args
        return int(exc.code or 0)


def _script() -> str:
    sibling = Path(sys.executable).with_name("vyapari")
    found = str(sibling) if sibling.exists() else shutil.which("vyapari")
    assert found is not None, "the vyapari console script is not installed (run `make test`)"
    return found


def test_cli_costs_installed_script_prints_json_and_exits_2_on_bad_input() -> None:
    script = _script()
    ok = subprocess.run([script, *E2, "--json"], capture_output=True, text=True, check=False, timeout=60)
    assert ok.returncode == 0, ok.stderr
    payload = json.loads(ok.stdout)
    assert set(payload) == ITEM_KEYS | CONTEXT_KEYS and payload["total_inr"] == 82.72
    bad_choices = [
        ("--exchange", ["--exchange", "MCX", "--segment", "intraday", "--qty", "1", "--buy", "1"]),
        ("--segment", ["--exchange", "NSE", "--segment", "commodity", "--qty", "1", "--buy", "1"]),
    ]
    nse_intraday = ["--exchange", "NSE", "--segment", "intraday"]
    for argument, extra in [*[(a, [*nse_intraday, *e]) for a, e in BAD_INPUTS], *bad_choices]:
        bad = subprocess.run(
            [script, "costs", *extra],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert bad.returncode == 2, (extra, bad.stderr)
        assert bad.stderr.count("\n") == 1 and argument in bad.stderr and "Traceback" not in bad.stderr
        assert bad.stdout == ""
