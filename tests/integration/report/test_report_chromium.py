"""The HTML report in a real headless Chromium: it loads without console errors and its charts render.

Chromium is Debian's ``chromium`` package, installed by ``make test``'s set-up
(``scripts/test-setup``). A screenshot is kept under ``tests/artifacts/``.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

from vyapari.backtest.config import BacktestConfig
from vyapari.backtest.engine import run_backtest
from vyapari.evaluation.run import evaluate_run_dir
from vyapari.strategies.sma_cross import SmaCross
from vyapari.strategy.synthetic import random_walk_panel

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Chromium is not installed: run scripts/test-setup (make test does)"
    return found


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("run")
    run_backtest(SmaCross(5, 20), random_walk_panel(3, 15, seed=5), BacktestConfig(fees="zerodha")).write(
        run_dir
    )
    _, html = evaluate_run_dir(run_dir)
    return html


def run_chromium(report: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            chromium(),
            *FLAGS,
            f"--user-data-dir={profile}",
            "--virtual-time-budget=8000",
            *extra,
            report.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_report_renders_every_chart_in_chromium(report, tmp_path):
    proc = run_chromium(report, tmp_path / "profile", "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    for chart in ("equity", "drawdown", "weekly", "charges"):
        start = dom.index(f'id="plot-{chart}"')
        assert "main-svg" in dom[start : start + 20000], f"chart {chart} did not render"


def test_report_loads_without_console_errors_and_keeps_a_screenshot(report, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    proc = run_chromium(
        report,
        tmp_path / "profile",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1280,2400",
        f"--screenshot={shot}",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not [line for line in console if "ERROR" in line or "Uncaught" in line], console
    assert shot.exists() and shot.stat().st_size > 10_000
