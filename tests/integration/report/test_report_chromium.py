"""The HTML report in a real headless Chromium: it loads offline without console errors and its
charts render.

Chromium is Debian's ``chromium`` package, installed by ``make test``'s set-up (``scripts/test-setup``);
without it these tests FAIL (they are not skipped). Select them with ``pytest -m chromium``. A
screenshot of the report is kept as ``tests/artifacts/report.png`` (gitignored).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.unit.evaluation.curves import write_run_dir

from vyapari.evaluation.run import evaluate_run_dir

pytestmark = [pytest.mark.chromium, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
CHARTS = ("equity", "drawdown", "weekly", "monthly", "symbols", "charges")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--virtual-time-budget=5000",
]
ROBUSTNESS = {
    "cost_sensitivity": [
        {"multiplier": m, "mean_weekly_net_return": 0.01 - 0.004 * m, "dies_at_2x": False} for m in (1, 2, 3)
    ],
    "walk_forward": {"windows": 3, "chosen": [{"k": 2}], "out_of_sample_return": 0.021},
    "deflated_sharpe": float("nan"),
}


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail(
            "Chromium is not on PATH: install Debian's chromium package (apt-get install -y chromium); "
            "scripts/test-setup, run by make test, does it",
            pytrace=False,
        )
    return found


def run_chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def console_errors(stderr: str) -> list[str]:
    """Console errors and uncaught exceptions in Chromium's ``--enable-logging=stderr`` output."""
    return [
        line
        for line in stderr.splitlines()
        if "Uncaught" in line or "ERROR:CONSOLE" in line or re.search(r":ERROR:.*CONSOLE", line)
    ]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("run")
    write_run_dir(run_dir, weekly=0.009)
    _, html = evaluate_run_dir(run_dir, run_dir / "report", robustness=ROBUSTNESS)
    return html


def test_report_is_self_contained(report):
    html = report.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html), "the report must inline its scripts"
    assert not re.search(r"<link[^>]+href=[\"']https?:", html), "no external stylesheets"
    # (the inlined plotly.js bundle mentions cdn.plot.ly for geo maps' topojson, which we never load)
    assert html.count("Plotly.newPlot") == len(CHARTS)


def test_report_renders_every_chart_in_chromium(report, tmp_path):
    proc = run_chromium(report, tmp_path / "profile", "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    for chart in CHARTS:
        start = dom.index(f'id="plot-{chart}"')
        end = dom.find('id="plot-', start + 10)
        assert 'class="main-svg"' in dom[start : end if end > 0 else None], f"chart {chart} did not render"
    assert "Verdict:" in dom and 'class="badge"' in dom
    assert "cost_sensitivity" in dom and "Trades (first" in dom


def test_report_loads_without_console_errors_and_keeps_a_screenshot(report, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = tmp_path / "report.png"
    proc = run_chromium(
        report,
        tmp_path / "profile",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1280,2000",
        f"--screenshot={shot}",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert console_errors(proc.stderr) == []
    assert shot.exists() and shot.stat().st_size > 10_000
    shutil.copyfile(shot, ARTIFACTS / "report.png")


def test_console_error_detection_catches_a_broken_page(tmp_path):
    # the check above must be able to fail: a page with an uncaught error is caught
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><body><script>undefinedFunction();</script></body></html>")
    proc = run_chromium(page, tmp_path / "profile", "--enable-logging=stderr", "--v=0", "--dump-dom")
    assert console_errors(proc.stderr), proc.stderr[-2000:]


def test_no_table_runs_off_the_page(tmp_path):
    # a run with many long parameters, a long strategy name and many fills: the page must not
    # scroll sideways at a laptop's width (wide tables scroll inside their own box)
    run_dir = tmp_path / "run"
    write_run_dir(run_dir, weekly=0.009)
    summary = {"strategy": "a_strategy_with_a_rather_long_name_" * 3, "capital_inr": 1_000_000,
               "params": {f"parameter_number_{i}": "x" * 40 for i in range(40)},
               "notes": "n" * 400}
    (run_dir / "summary.json").write_text(json.dumps(summary))
    _, page = evaluate_run_dir(run_dir, run_dir / "report", robustness=ROBUSTNESS)
    probe = page.with_name("probe.html")
    probe.write_text(page.read_text(encoding="utf-8").replace(
        "</body>",
        "<script>window.addEventListener('load', () => { document.body.setAttribute('data-overflow', "
        "String(document.documentElement.scrollWidth - document.documentElement.clientWidth)); });"
        "</script></body>"), encoding="utf-8")
    proc = run_chromium(probe, tmp_path / "profile", "--window-size=1024,768", "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = re.search(r'data-overflow="(-?\d+)"', proc.stdout)
    assert found is not None, "the probe did not run"
    assert int(found[1]) <= 0, f"the page is {found[1]} px wider than the window"
