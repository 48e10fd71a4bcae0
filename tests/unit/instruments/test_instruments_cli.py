"""``vyapari instruments publish|lookup`` on a local lake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.unit.instruments.master_fakes import kite_csv, kite_rows

from vyapari.cli import main as cli_main


@pytest.fixture(autouse=True)
def _registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(cli_main.COMMANDS, "instruments", ("instruments", "Instrument master snapshots"))


def test_publish_then_refuse_then_lookup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lake = tmp_path / "lake"
    good, short = tmp_path / "good.csv", tmp_path / "short.csv"
    good.write_bytes(kite_csv(kite_rows()))
    short.write_bytes(kite_csv(kite_rows()[:10]))
    freeze = tmp_path / "freeze.csv"
    freeze.write_text("SYMBOL,VOL_FRZ_QTY\nNIFTY,1800\n")
    base = ["--broker", "zerodha", "--lake", str(lake)]
    assert cli_main.main(["instruments", "publish", str(good), *base, "--date", "2026-01-02",
                          "--freeze", str(freeze)]) == 0
    assert cli_main.main(["instruments", "publish", str(short), *base, "--date", "2026-01-05"]) == 1
    capsys.readouterr()
    assert cli_main.main(["instruments", "lookup", "NFO:NIFTY26JANFUT", *base, "--date", "2026-01-05"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["snapshot_date"] == "2026-01-02"
    assert out["lot_size"]["value"] == 75 and out["freeze_quantity"]["value"] == 1800
    token = {"value": "9001", "source": "snapshot zerodha 2026-01-02", "fallback": False}
    assert out["broker_token"] == token
