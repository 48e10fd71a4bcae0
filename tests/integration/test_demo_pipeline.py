"""The demo pipeline end to end (what `make demo` runs), on a short sample."""

import json

from vyapari.cli.main import main


def test_demo_runs_sample_to_report_and_prints_the_badge(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--sessions", "12", "--end", "2025-10-01"]) == 0
    printed = capsys.readouterr().out
    assert "overall badge:" in printed and "report:" in printed
    run_dir = out / "runs" / "vwap_reversion"
    report = json.loads((run_dir / "report.json").read_text())
    assert report["evaluation"]["badge"] in ("green", "amber", "red")
    assert report["summary"]["bars"] == 12 * 375 * 50
    assert (run_dir / "report.html").stat().st_size > 100_000  # plotly inlined: no network needed
    assert any((out / "lake" / "curated" / "daily_bars").rglob("*.parquet"))
    assert any((out / "lake" / "raw").rglob("*"))
