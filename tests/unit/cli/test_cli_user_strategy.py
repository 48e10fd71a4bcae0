"""A user's own strategy: from a file, from an installed entry point, from `vyapari new strategy`;
its own name in summary.json, report.html, the CLI output and a sweep's ranking."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from vyapari.cli.main import main
from vyapari.core.errors import InvalidInput
from vyapari.strategy.synthetic import random_walk_panel
from vyapari.workflows.plan import BacktestRequest

MOMENTUM = '''
import numpy as np
from vyapari.model.enums import ProductType
from vyapari.strategy.signals import VectorSignal
from vyapari.strategy.sizing import FixedNotional
from vyapari.strategy.strategy import Strategy


class Rising(VectorSignal):
    def __init__(self, lookback):
        self.lookback = lookback

    def compute(self, panel):
        past = np.roll(panel.close, self.lookback, axis=0)
        past[: self.lookback] = np.nan
        return (panel.close > past).astype(float)


class {cls}(Strategy):
    def __init__(self, lookback: int = 30, notional_inr: float = {notional}):
        super().__init__(Rising(lookback), FixedNotional(notional_inr), product=ProductType.MIS)
'''


@pytest.fixture(scope="module")
def bar_folder(tmp_path_factory) -> Path:
    panel = random_walk_panel(3, 4, seed=5, end=pd.Timestamp("2025-10-01").date())
    folder = tmp_path_factory.mktemp("bars")
    for symbol in panel.symbols:
        panel.symbol_frame(symbol).to_parquet(folder / f"{symbol}.parquet")
    return folder


def _env(*paths: Path) -> dict[str, str]:
    extra = os.pathsep.join(str(p) for p in paths)
    parts = (extra, os.environ.get("PYTHONPATH", ""))
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in parts if p)}


def _cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Any:
    return subprocess.run(
        [sys.executable, "-m", "vyapari.cli.main", *args],
        capture_output=True, text=True, check=False, timeout=300, env=env, cwd=cwd,
    )  # fmt: skip


def test_strategy_from_a_file_keeps_its_name_in_summary_report_and_output(bar_folder, tmp_path):
    path = tmp_path / "mine.py"
    path.write_text(MOMENTUM.format(cls="LateMomentum", notional=20_000), encoding="utf-8")
    out = tmp_path / "run"
    proc = _cli("backtest", "--strategy", f"{path}:LateMomentum", "--params", '{"lookback": 20}',
                "--data", str(bar_folder), "--out", str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "LateMomentum" in proc.stdout and '"lookback": 20' in proc.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["strategy"] == "LateMomentum"
    assert summary["params"] == {"lookback": 20, "notional_inr": 20_000}
    assert summary["path"] == "vector" and summary["fills"] > 0
    assert "<title>vyapari: LateMomentum</title>" in (out / "report.html").read_text()
    client_ids = pd.read_parquet(out / "orders.parquet")["client_order_id"]
    assert len(client_ids) == summary["orders"] and client_ids.is_unique


def test_strategy_from_an_installed_entry_point(bar_folder, tmp_path):
    """A package on the path with a dist-info registering ``vyapari.strategies`` = a real entry point."""
    site = tmp_path / "site"
    (site / "acme_quant").mkdir(parents=True)
    (site / "acme_quant" / "__init__.py").write_text("")
    (site / "acme_quant" / "momo.py").write_text(MOMENTUM.format(cls="AcmeMomentum", notional=10_000))
    dist = site / "acme_quant-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-quant\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[vyapari.strategies]\nacme_momo = acme_quant.momo:AcmeMomentum\n")
    out = tmp_path / "run"
    proc = _cli("backtest", "--strategy", "acme_momo", "--data", str(bar_folder), "--out", str(out), "--json",
                env=_env(site))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["strategy"] == "AcmeMomentum"
    assert json.loads((out / "summary.json").read_text())["strategy"] == "AcmeMomentum"
    assert "<title>vyapari: AcmeMomentum</title>" in (out / "report.html").read_text()
    # the module reference of the same class, and the workflow request accepting both
    proc = _cli("backtest", "--strategy", "acme_quant.momo:AcmeMomentum", "--data", str(bar_folder), "--json",
                env=_env(site))  # fmt: skip
    assert proc.returncode == 0 and json.loads(proc.stdout)["strategy"] == "AcmeMomentum", proc.stderr
    unknown = _cli("backtest", "--strategy", "no_such_momo", "--data", str(bar_folder), env=_env(site))
    assert unknown.returncode == 2 and "acme_momo" in unknown.stderr and "Traceback" not in unknown.stderr


def test_workflow_request_refuses_a_file_path_and_takes_module_references():
    base = {"run_id": "r", "start": "2025-09-01", "end": "2025-09-30"}
    with pytest.raises(InvalidInput, match=r"file path.*package\.module:ClassName"):
        BacktestRequest.from_dict({**base, "strategy": "strategies/mine.py:Mine"})
    with pytest.raises(InvalidInput, match="unknown strategy 'no_such'"):
        BacktestRequest.from_dict({**base, "strategy": "no_such"})
    assert BacktestRequest.from_dict({**base, "strategy": "acme.momo:Mine"}).strategy == "acme.momo:Mine"
    assert BacktestRequest.from_dict({**base, "strategy": "sma_cross"}).strategy == "sma_cross"
    local = BacktestRequest.from_dict({**base, "strategy": "strategies/mine.py:Mine"}, local=True)
    assert local.strategy == "strategies/mine.py:Mine"


def test_sweep_ranks_a_file_strategy_under_its_own_name(tmp_path, capsys):
    from vyapari.data.lake import Lake

    panel = random_walk_panel(2, 3, seed=8, end=pd.Timestamp("2025-10-01").date())
    for symbol in panel.symbols:
        Lake.at(tmp_path / "lake").write_minute_bars("NSE", symbol, panel.symbol_frame(symbol))
    path = tmp_path / "mine.py"
    path.write_text(MOMENTUM.format(cls="GridMomentum", notional=20_000), encoding="utf-8")
    days = panel.timestamps()
    code = main(["sweep", "--strategy", f"{path}:GridMomentum", "--grid", '{"lookback": [10, 30]}',
                 "--lake", str(tmp_path / "lake"), "--start", days[0].date().isoformat(),
                 "--end", days[-1].date().isoformat(), "--workers", "1", "--json"])  # fmt: skip
    assert code == 0
    ranking = json.loads(capsys.readouterr().out)
    assert ranking["strategy"] == "GridMomentum" and ranking["items"] == 2
    assert {row["strategy"] for row in ranking["top"]} == {"GridMomentum"}


def test_most_orders_rejected_is_said_on_the_terminal(bar_folder, tmp_path):
    """₹8 lakh a stock × 3 stocks on ₹10 lakh: the kernel cannot run it (buying power), the event loop
    rejects most orders, and both facts are said on stderr (the --json output stays one document)."""
    path = tmp_path / "big.py"
    text = MOMENTUM.format(cls="TooBig", notional=800_000).replace("ProductType.MIS", "ProductType.CNC")
    path.write_text(text)
    proc = _cli("backtest", "--strategy", f"{path}:TooBig", "--data", str(bar_folder), "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["path"] == "event"
    assert "ran on the event loop (slower): the array kernel met an order beyond buying power" in proc.stderr
    assert "orders were rejected" in proc.stderr and "insufficient buying power" in proc.stderr
    vector = _cli("backtest", "--strategy", f"{path}:TooBig", "--data", str(bar_folder), "--path", "vector")
    assert vector.returncode == 2 and "--path: vector: the array kernel met an order beyond buying power" in (
        vector.stderr
    )


def test_new_strategy_skeleton_passes_its_own_test_and_backtests(bar_folder, tmp_path, capsys):
    assert main(["new", "strategy", "swing_momo", "--dir", str(tmp_path / "mine")]) == 0
    assert "swing_momo.py" in capsys.readouterr().out
    assert main(["new", "strategy", "swing_momo", "--dir", str(tmp_path / "mine")]) == 2  # never overwrites
    assert "would overwrite" in capsys.readouterr().err
    tested = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_swing_momo.py"],
        capture_output=True, text=True, check=False, timeout=300, cwd=tmp_path / "mine",
    )  # fmt: skip
    assert tested.returncode == 0 and "1 passed" in tested.stdout, tested.stdout + tested.stderr
    params = '{"lookback": 30, "band": 0.002}'
    proc = _cli("backtest", "--strategy", "mine/swing_momo.py:SwingMomo", "--params", params,
                "--data", str(bar_folder), "--json", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["strategy"] == "SwingMomo" and summary["path"] == "vector" and summary["fills"] > 0
    assert summary["params"] == {"lookback": 30, "band": 0.002, "notional_inr": 15_000}
    assert main(["new", "strategy", "Bad-Name"]) == 2


def test_live_replay_runs_a_file_strategy_under_its_own_name(bar_folder, tmp_path):
    path = tmp_path / "mine.py"
    path.write_text(MOMENTUM.format(cls="PaperMomentum", notional=20_000), encoding="utf-8")
    day = sorted(pd.read_parquet(next(bar_folder.glob("*.parquet")))["ts"].dt.date.unique())[-1]
    proc = _cli("live", "--broker", "paper", "--strategy", f"{path}:PaperMomentum",
                "--params", '{"lookback": 10}', "--replay", str(bar_folder), "--date", day.isoformat(),
                "--speed", "max", "--state-dir", str(tmp_path / "state"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    outcome = json.loads(proc.stdout)
    assert outcome["strategy"] == "PaperMomentum" and outcome["run_id"] == "PaperMomentum"
    assert outcome["fills"] > 0
