"""The ingestion workflow run end to end from statemachines/ingestion.asl.json (moto interpreter)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from functions.local.runner import run_workflow
from functions.local.seed import seed_lake

from vyapari.workflows.errors import TransientError


def test_ingestion_quarantines_a_malformed_bhavcopy_and_still_finishes_the_other_exchange(
    tmp_path: Path,
) -> None:
    seeded = seed_lake(tmp_path, sessions=2, symbols=("INFY",), ingest=False)
    bse = next((seeded.sample / "bse_udiff").glob("*20261120*"))
    bse.write_text("SC_CODE,garbage\n1,2\n")  # malformed: rejected by the parser
    attempts: list[str] = []

    def flaky(function: str, event: Any, result: Any) -> None:
        if function == "vyapari-download-exchange-files" and event.get("exchange") == "NSE" and not attempts:
            attempts.append(function)
            raise TransientError("archive busy")

    run = run_workflow(
        "ingestion",
        {"session_date": "2026-11-20"},
        seeded.lake,
        env={"DOWNLOAD_MIRROR": str(seeded.sample)},
        before_invoke=flaky,
    )
    assert run.status == "SUCCEEDED", run.cause
    nse, bse_branch = run.output["exchanges"]
    assert attempts and nse["status"] == "completed" and nse["files"][0]["status"] == "ingested"
    assert nse["minute_bars"] == {"symbols": 1, "bars": 375}
    assert (
        bse_branch["files"][0]["status"] == "quarantined"
        and bse_branch["files"][0]["error"] == "FileRejected"
    )
    assert (seeded.lake / "curated/daily_bars/exchange=NSE/year=2026/2026-11-20.parquet").is_file()
    assert list((seeded.lake / "quarantine/workflow/2026/11/20").glob("ingest_file-*.json"))
    assert not (seeded.lake / "curated/daily_bars/exchange=BSE").exists()
