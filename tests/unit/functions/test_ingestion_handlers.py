"""Ingestion handlers on a local lake, driven by realistic Step Functions, S3 and EventBridge events."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from vyapari.workflows.errors import FileRejected

NSE_CM = "BhavCopy_NSE_CM_0_0_0_20261120_F_0000.csv"


def _stage(seeded: Any, lake: Path, name: str = NSE_CM) -> None:
    target = lake / "landing" / "NSE" / "2026-11-20"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(seeded.sample / "nse_udiff" / name, target / name)


def test_ingest_file_ingests_a_staged_bhavcopy_from_a_step_functions_input(
    seeded: Any, tmp_path: Path, load_handler: Any, event: Any, context: Any
) -> None:
    lake = tmp_path / "lake"
    _stage(seeded, lake)
    handler = load_handler("ingest_file", lake)
    result = handler.lambda_handler(event("sfn_ingest_file_input"), context)
    assert result["status"] == "ingested" and result["rows"] == 50
    assert (lake / result["curated_key"]).is_file() and (lake / result["raw_key"]).is_file()


def test_ingest_file_raises_file_rejected_and_quarantines_a_malformed_bhavcopy(
    tmp_path: Path, load_handler: Any, event: Any, context: Any
) -> None:
    lake = tmp_path / "lake"
    bad = lake / "landing" / "NSE" / "2026-11-20" / NSE_CM
    bad.parent.mkdir(parents=True)
    bad.write_text("this is,not,a bhavcopy\n1,2,3\n")
    handler = load_handler("ingest_file", lake)
    with pytest.raises(FileRejected):
        handler.lambda_handler(event("sfn_ingest_file_input"), context)
    assert list((lake / "quarantine").rglob("*.json"))


def test_ingest_file_handles_an_s3_put_event_under_the_lake_prefix(
    seeded: Any, tmp_path: Path, load_handler: Any, event: Any, context: Any
) -> None:
    """The S3 key carries the lake prefix; the handler strips it (moto stands in for S3)."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        s3 = boto3.client("s3", region_name="ap-south-1")
        s3.create_bucket(
            Bucket="vyapari-lake", CreateBucketConfiguration={"LocationConstraint": "ap-south-1"}
        )
        body = (seeded.sample / "nse_udiff" / NSE_CM).read_bytes()
        s3.put_object(Bucket="vyapari-lake", Key=f"lake/landing/NSE/2026-11-20/{NSE_CM}", Body=body)
        handler = load_handler("ingest_file", "s3://vyapari-lake/lake", AWS_DEFAULT_REGION="ap-south-1")
        result = handler.lambda_handler(event("s3_put_landing"), context)
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="vyapari-lake")["Contents"]]
    assert result["results"][0]["status"] == "ingested"
    assert "lake/curated/daily_bars/exchange=NSE/year=2026/2026-11-20.parquet" in keys


def test_record_failure_writes_the_caught_error_with_its_parsed_cause(
    tmp_path: Path, load_handler: Any, event: Any, context: Any
) -> None:
    handler = load_handler("record_failure", tmp_path)
    result = handler.lambda_handler(event("sfn_record_failure_input"), context)
    record = json.loads((tmp_path / result["key"]).read_text())
    assert result["error"] == "FileRejected" and result["key"].startswith("quarantine/workflow/2026/11/20/")
    assert record["cause"]["type"] == "FileRejected"


def test_corporate_actions_and_minute_bars_handlers_process_staged_inputs(
    seeded: Any, tmp_path: Path, load_handler: Any, event: Any, context: Any
) -> None:
    from functions.local.seed import stage_landing

    lake = tmp_path / "lake"
    stage_landing(seeded.sample, lake, ("INFY",))
    actions = load_handler("apply_corporate_actions", lake).lambda_handler(
        event("sfn_session_input"), context
    )
    minute = load_handler("build_minute_bars", lake).lambda_handler(event("sfn_session_input"), context)
    assert actions["files"] == ["CF-CA-equities.csv"] and actions["symbols_with_actions"] > 0
    assert minute == {"exchange": "NSE", "session_date": "2026-11-20", "symbols": 1, "bars": 375}


def test_register_partitions_skips_a_local_lake(
    tmp_path: Path, load_handler: Any, event: Any, context: Any
) -> None:
    result = load_handler("register_partitions", tmp_path).lambda_handler(event("sfn_session_input"), context)
    assert result["registered"] == 0 and "skipped" in result


def test_register_partitions_registers_the_session_in_glue(
    seeded: Any, load_handler: Any, event: Any, context: Any
) -> None:
    import awswrangler as wr
    import boto3
    from moto import mock_aws

    key = "curated/daily_bars/exchange=NSE/year=2026/2026-11-20.parquet"
    with mock_aws():
        s3 = boto3.client("s3", region_name="ap-south-1")
        s3.create_bucket(Bucket="lakeb", CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
        s3.put_object(Bucket="lakeb", Key=f"p/{key}", Body=(seeded.lake / key).read_bytes())
        handler = load_handler(
            "register_partitions",
            "s3://lakeb/p",
            GLUE_DATABASE="vyapari_lake",
            AWS_DEFAULT_REGION="ap-south-1",
        )
        result = handler.lambda_handler(event("sfn_session_input"), context)
        partitions = wr.catalog.get_parquet_partitions(
            "vyapari_lake", "daily_bars", boto3_session=boto3.Session(region_name="ap-south-1")
        )
    assert result["registered"] == 1 and len(partitions) == 1


def test_download_handler_stages_files_from_a_folder_mirror_on_a_scheduled_event(
    seeded: Any, tmp_path: Path, load_handler: Any, event: Any, context: Any
) -> None:
    handler = load_handler("download_exchange_files", tmp_path, DOWNLOAD_MIRROR=str(seeded.sample))
    scheduled = {"exchange": "NSE", "request": event("eventbridge_scheduled_ingestion")}
    result = handler.lambda_handler(scheduled, context)  # 13:15 UTC = 18:45 IST on 2026-11-20
    assert result["session_date"] == "2026-11-20"
    # the sample has the session's cash and F&O bhavcopies: both staged, nothing missing
    assert [f["source"] for f in result["files"]] == ["NSE_CM", "NSE_FO"] and result["missing"] == []
    assert all((tmp_path / f["key"]).is_file() for f in result["files"])
