"""The lake on S3 (moto) with Glue registration behaves like the local lake."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

boto3 = pytest.importorskip("boto3")
wr = pytest.importorskip("awswrangler")
moto = pytest.importorskip("moto")

from functions.shared.s3_store import GlueCatalog, S3ObjectStore  # noqa: E402

from vyapari.data.lake import Lake  # noqa: E402
from vyapari.data.sample import generate_sample  # noqa: E402

REGION = "ap-south-1"
BUCKET = "vyapari-lake-test"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SECURITY_TOKEN": "testing", "AWS_SESSION_TOKEN": "testing",
                        "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with moto.mock_aws():
        session = boto3.Session(region_name=REGION)
        session.client("s3").create_bucket(Bucket=BUCKET,
                                           CreateBucketConfiguration={"LocationConstraint": REGION})
        yield session


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    generate_sample(out, sessions=5, end=date(2025, 9, 19), seed=11)
    return out


def _inputs(sample: Path) -> list[Path]:
    folders = ("nse_udiff", "bse_udiff", "corporate_actions")
    return [p for sub in folders for p in sorted((sample / sub).iterdir())]


def test_s3_lake_matches_local_lake_and_registers_glue_partitions(aws, sample: Path, tmp_path: Path) -> None:
    catalog = GlueCatalog("vyapari_test", f"s3://{BUCKET}/lake", session=aws)
    s3_lake = Lake(S3ObjectStore(BUCKET, "lake", client=aws.client("s3"), catalog=catalog))
    local_lake = Lake.at(tmp_path)
    for path in _inputs(sample):
        s3_result, local_result = s3_lake.ingest_file(path), local_lake.ingest_file(path)
        assert s3_result.to_dict() == local_result.to_dict()
    assert s3_lake.store.list("curated/") == local_lake.store.list("curated/")
    start, end = date(2025, 9, 1), date(2025, 9, 30)
    for exchange in ("NSE", "BSE"):
        pd.testing.assert_frame_equal(s3_lake.read_daily_bars(exchange, None, start, end, adjusted=True),
                                      local_lake.read_daily_bars(exchange, None, start, end, adjusted=True))
    partitions = wr.catalog.get_parquet_partitions("vyapari_test", "daily_bars", boto3_session=aws)
    assert sorted(v for v in partitions.values()) == [["BSE", "2025"], ["NSE", "2025"]]
    glue = wr.s3.read_parquet_table(table="daily_bars", database="vyapari_test", boto3_session=aws)
    assert len(glue) == len(local_lake.read_daily_table("NSE", start, end)) + len(
        local_lake.read_daily_table("BSE", start, end))


def test_s3_lake_is_idempotent_and_quarantines_like_local(aws, sample: Path) -> None:
    lake = Lake(S3ObjectStore(BUCKET, "lake2", client=aws.client("s3")))
    first = next(iter(sorted((sample / "nse_udiff").iterdir())))
    assert lake.ingest_file(first).status == "ingested"
    assert lake.ingest_file(first).status == "unchanged"
    rejected = lake.ingest_file(b"", "BhavCopy_NSE_CM_0_0_0_20250915_F_0000.csv")
    assert rejected.reason == "empty_file"
    assert lake.store.exists(rejected.raw_key or "")
    record = json.loads(lake.store.get(lake.store.list("quarantine/")[0]))
    assert record["reason"] == "empty_file"


def test_s3_minute_bars_round_trip(aws, sample: Path) -> None:
    lake = Lake(S3ObjectStore(BUCKET, "lake3", client=aws.client("s3")))
    minute = pd.read_parquet(sample / "minute" / "M&M.parquet")
    lake.write_minute_bars("NSE", "M&M", minute)
    back = lake.read_minute_bars("NSE", "M&M", date(2025, 9, 1), date(2025, 9, 30))
    assert len(back) == len(minute)
    assert (back["close"].to_numpy() == minute["close"].to_numpy()).all()


class _DiesAfter(S3ObjectStore):
    """An S3 store whose process 'dies' (raises) right after writing the key ``fatal``."""

    fatal = ""

    def put(self, key: str, data: bytes) -> None:
        super().put(key, data)
        if key == self.fatal:
            raise SystemExit(f"killed after {key}")


def test_s3_day_killed_between_data_and_record_is_repaired(aws, sample: Path) -> None:
    files = sorted((sample / "nse_udiff").iterdir())
    day_file = files[0]
    store = _DiesAfter(BUCKET, "lake4", client=aws.client("s3"))
    lake = Lake(store)
    first = lake.ingest_file(day_file)
    key = first.curated_key or ""
    state_key = "state/daily_bars/NSE/" + key.rsplit("/", 1)[1].replace(".parquet", ".json")
    store.delete(key)
    store.delete(state_key)  # a fresh day, then a kill after its data, before the committed record
    store.fatal = key
    with pytest.raises(SystemExit):
        lake.ingest_file(day_file)
    store.fatal = ""
    assert json.loads(store.get(state_key))["committed"] is False
    again = Lake(S3ObjectStore(BUCKET, "lake4", client=aws.client("s3"))).ingest_file(day_file)
    assert again.status == "repaired"  # not "unchanged": the record was not committed
    assert json.loads(store.get(state_key))["committed"] is True
    assert lake.ingest_file(day_file).status == "unchanged"


def test_s3_raw_copies_are_conditional_writes(aws) -> None:
    store = S3ObjectStore(BUCKET, "lake5", client=aws.client("s3"))
    assert store.put_if_absent("raw/nse_cm/2025/09/10/f.csv", b"one") is True
    assert store.put_if_absent("raw/nse_cm/2025/09/10/f.csv", b"two") is False  # If-None-Match: *
    assert store.get("raw/nse_cm/2025/09/10/f.csv") == b"one"
