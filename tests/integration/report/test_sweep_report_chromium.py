"""``vyapari sweep`` writes report.html: the ranking, a heatmap of two parameters, the deflated Sharpe
of the best with its number of trials and a link to the best run's tear sheet, written beside it.
Both pages load in a real headless Chromium (Debian's ``chromium``) offline without console errors.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from tests.integration.report.test_report_chromium import console_errors, run_chromium

from vyapari.strategy.synthetic import random_walk_panel

pytestmark = [pytest.mark.chromium, pytest.mark.slow]

GRID = {"fast": [5, 10, 20], "slow": [30, 60]}


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> tuple[Path, dict]:
    data, out = tmp_path_factory.mktemp("bars"), tmp_path_factory.mktemp("sweep")
    panel = random_walk_panel(3, 8, seed=5, end=date(2025, 10, 1))
    for symbol in panel.symbols:
        panel.symbol_frame(symbol).to_parquet(data / f"{symbol}.parquet")
    proc = subprocess.run(
        [sys.executable, "-m", "vyapari.cli.main", "sweep", "--strategy", "sma_cross", "--data", str(data),
         "--grid", json.dumps(GRID), "--params", '{"qty": 5}', "--workers", "1", "--out", str(out),
         "--json"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, json.loads(proc.stdout)


def test_sweep_report_holds_the_ranking_heatmap_deflated_sharpe_and_best_link(sweep):
    out, ranking = sweep
    assert ranking["report"] == str(out / "report.html")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", page), "plotly.js must be inlined"
    trials = len(GRID["fast"]) * len(GRID["slow"])
    assert ranking["trials"] == trials
    assert f"accounting for {trials} trials" in page
    dsr = ranking["best_deflated_sharpe"]
    shown = "n/a" if dsr is None else f"{dsr:.3f}"
    assert f"Deflated Sharpe of the best: {shown}" in page
    ranking_html = page[page.index("<h2>Ranking</h2>"):]
    assert ranking_html.count("<tr>") == trials + 1  # a header and one row per trial
    best = ranking["top"][0]["params"]
    first_row = ranking_html.split("<tr>")[2]
    assert "best/report.html" in first_row and f"<td>{best['fast']}</td><td>{best['slow']}</td>" in first_row
    found = re.search(r'Plotly\.newPlot\("plot-heatmap", (.*?), \{"displaylogo"', page)
    assert found is not None, "no heatmap"
    spec = found[1]
    heatmap = json.loads("[" + spec + "]")[0][0]
    assert heatmap["x"] == ["5", "10", "20"] and heatmap["y"] == ["30", "60"]
    cell = next(r for r in ranking["top"] if r["params"]["fast"] == 10 and r["params"]["slow"] == 60)
    assert heatmap["z"][1][1] == pytest.approx(cell["sharpe"])  # ranked by sharpe, the default
    best_page = (out / "best" / "report.html").read_text(encoding="utf-8")
    assert "Verdict:" in best_page and "sma_cross" in best_page
    summary = json.loads((out / "best" / "report.json").read_text())["summary"]
    assert summary["params"].items() >= ranking["top"][0]["params"].items()  # (plus defaults)


@pytest.mark.parametrize("page", ["report.html", "best/report.html"])
def test_sweep_pages_render_in_chromium_without_console_errors(sweep, page, tmp_path):
    out, _ = sweep
    proc = run_chromium(out / page, tmp_path / "profile", "--enable-logging=stderr", "--v=0", "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert console_errors(proc.stderr) == []
    chart = "plot-heatmap" if page == "report.html" else "plot-equity"
    start = proc.stdout.index(f'id="{chart}"')
    assert 'class="main-svg"' in proc.stdout[start:start + 20_000], f"{chart} did not render"


def test_a_sweep_over_one_parameter_says_why_there_is_no_heatmap(tmp_path):
    from vyapari.evaluation.sweep_report import write_sweep_report

    rows = [{"rank": i + 1, "item_id": f"i{i}", "params": {"fast": f, "slow": 50}, "fills": None,
             "sharpe": s} for i, (f, s) in enumerate([(5, 1.2), (10, None)])]
    ranking = {"run_id": "r", "strategy": "s", "rank_by": "sharpe", "items": 2, "top": rows,
               "trials": 2, "best_deflated_sharpe": None}
    page = write_sweep_report(tmp_path, ranking, tmp_path).read_text()
    assert "fewer than two parameters vary" in page and "plot-heatmap" not in page
    assert "Deflated Sharpe of the best: n/a (2 trials" in page and "<td>n/a</td>" in page
