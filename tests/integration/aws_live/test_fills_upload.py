"""The fills log reaches the S3 lake during the session (moto): uploads of grown files, a task
killed without a clean stop, a replacement task continuing the day's log, S3 errors retried."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from functions.live_service.__main__ import main
from functions.live_service.fills_upload import ERRORS_METRIC, FillsUploader, fills_kept, merge_logs
from functions.live_service.ports import LiveServiceSettings
from functions.shared.s3_store import S3ObjectStore
from tests.integration.aws_live.conftest import REGION
from tests.integration.aws_live.test_live_service_entrypoint import (  # fixtures of the entrypoint
    BUCKET,
    STRATEGY,
    _keep_signal_handlers,  # noqa: F401
    env,  # noqa: F401
)

from vyapari.core.time import IST
from vyapari.live.fills_log import FillLog, read_fills
from vyapari.live.ports import InMemoryMetrics
from vyapari.model.enums import ProductType, Side
from vyapari.model.events import Fill

SESSION = date(2026, 1, 5)
KEY = "live/fills/run-1/2026-01-05.jsonl"


def _fill(trade_id: str, minute: int) -> Fill:
    return Fill(trade_id, f"cid-{trade_id}", "NSE:INFY", Side.BUY, 10, Decimal("1500.05"),
                datetime(2026, 1, 5, 10, minute, tzinfo=IST), ProductType.MIS, broker_order_id=f"B{trade_id}")


def _ids(data: bytes) -> list[str]:
    return [json.loads(line)["trade_id"] for line in data.splitlines()]


def _bucket() -> S3ObjectStore:
    boto3.client("s3").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return S3ObjectStore(BUCKET)


def _logged(folder: Path, fills: list[Fill]) -> None:
    """What the engine's fill sink does: append the fills it books (a new log, as after a restart)."""
    log = FillLog(folder)
    log.sync(fills)
    log.close()


def _eventually(condition: Callable[[], bool], what: str, deadline_s: float = 20.0) -> None:
    """Poll ``condition`` until it holds (the bound only keeps a broken uploader from hanging)."""
    end = time.monotonic() + deadline_s
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.01)


def test_a_grown_file_is_uploaded_once_per_change(aws: dict[str, Any], tmp_path: Path) -> None:
    lake, folder = _bucket(), tmp_path / "fills"
    uploader = FillsUploader(folder, lake, "run-1", interval_s=3600)
    assert uploader.upload_changed() == []  # no log yet: nothing to keep
    _logged(folder, [_fill("T1", 1), _fill("T2", 2)])
    assert uploader.upload_changed() == [KEY]
    assert lake.get(KEY) == (folder / "2026-01-05.jsonl").read_bytes()
    assert uploader.upload_changed() == []  # unchanged: no PUT
    _logged(folder, [_fill("T3", 3)])
    assert uploader.upload_changed() == [KEY]
    assert _ids(lake.get(KEY)) == ["T1", "T2", "T3"]


def test_a_line_being_written_is_left_for_the_next_round(aws: dict[str, Any], tmp_path: Path) -> None:
    lake, folder = _bucket(), tmp_path / "fills"
    _logged(folder, [_fill("T1", 1), _fill("T2", 2)])
    path = folder / "2026-01-05.jsonl"
    whole = path.read_bytes()
    with path.open("ab") as handle:
        handle.write(b'{"trade_id":"T3","client')  # the engine thread in the middle of a line
    uploader = FillsUploader(folder, lake, "run-1", interval_s=3600)
    assert uploader.upload_changed() == [KEY]
    assert lake.get(KEY) == whole
    for cut in (whole[: whole.index(b"\n") + 1], b""):  # a file read while being rewritten
        path.write_bytes(cut)
        assert uploader.upload_changed() == []
        assert lake.get(KEY) == whole  # the lake's copy never shrinks


def test_the_background_thread_keeps_the_lake_current_without_a_stop(
    aws: dict[str, Any], tmp_path: Path
) -> None:
    lake, folder = _bucket(), tmp_path / "fills"
    uploader = FillsUploader(folder, lake, "run-1", interval_s=0.01).start()
    try:
        _logged(folder, [_fill("T1", 1), _fill("T2", 2)])
        _eventually(lambda: lake.exists(KEY) and _ids(lake.get(KEY)) == ["T1", "T2"], "first upload")
        _logged(folder, [_fill("T3", 3)])
        _eventually(lambda: _ids(lake.get(KEY)) == ["T1", "T2", "T3"], "upload of the grown file")
    finally:
        uploader.stop()
    assert lake.get(KEY) == (folder / "2026-01-05.jsonl").read_bytes()


def test_a_killed_task_leaves_its_last_round_and_the_replacement_continues_the_day(
    aws: dict[str, Any], tmp_path: Path
) -> None:
    lake = _bucket()
    killed = tmp_path / "task-1" / "fills"
    first = FillsUploader(killed, lake, "run-1", interval_s=3600)
    _logged(killed, [_fill("T1", 1), _fill("T2", 2)])
    first.upload_changed()  # its last round
    _logged(killed, [_fill("T3", 3)])
    # SIGKILL: no stop, no final flush; the task's disk is gone with it
    assert _ids(lake.get(KEY)) == ["T1", "T2"]

    fresh = tmp_path / "task-2" / "fills"
    metrics = InMemoryMetrics()
    with fills_kept(fresh, lake, "run-1", SESSION, interval_s=3600, metrics=metrics) as second:
        assert second is not None
        assert _ids((fresh / "2026-01-05.jsonl").read_bytes()) == ["T1", "T2"]  # before the engine logs
        # the engine re-books what its broker still reports (T2, T3) and books a new trade (T4)
        _logged(fresh, [_fill("T2", 2), _fill("T3", 3), _fill("T4", 4)])
    kept = lake.get(KEY)
    assert _ids(kept) == ["T1", "T2", "T3", "T4"]  # T1 kept from the lake, T2 not twice
    assert [f.trade_id for f in read_fills(fresh / "2026-01-05.jsonl")] == ["T1", "T2", "T3", "T4"]
    assert metrics.counters[ERRORS_METRIC] == 0


def test_an_s3_error_is_counted_and_retried_on_the_next_round(aws: dict[str, Any], tmp_path: Path) -> None:
    folder, metrics = tmp_path / "fills", InMemoryMetrics()
    lake = S3ObjectStore(BUCKET)  # the bucket does not exist yet: every call fails
    uploader = FillsUploader(folder, lake, "run-1", interval_s=3600, metrics=metrics)
    _logged(folder, [_fill("T1", 1)])
    assert uploader.upload_changed() == []  # never raised
    assert metrics.counters[ERRORS_METRIC] == 1
    _bucket()
    assert uploader.upload_changed() == [KEY]
    assert _ids(lake.get(KEY)) == ["T1"]
    assert metrics.counters[ERRORS_METRIC] == 1


def test_an_unreadable_lake_at_start_is_read_before_the_first_upload(
    aws: dict[str, Any], tmp_path: Path
) -> None:
    """Trading goes on; the killed task's lines are neither overwritten nor lost."""
    folder, metrics = tmp_path / "fills", InMemoryMetrics()
    lake = S3ObjectStore(BUCKET)
    uploader = FillsUploader(folder, lake, "run-1", interval_s=3600, metrics=metrics)
    assert uploader.restore(SESSION) == 0
    _logged(folder, [_fill("T2", 2), _fill("T3", 3)])  # the engine logs what it re-books
    assert uploader.upload_changed() == []  # the lake copy is still unknown: upload nothing
    assert metrics.counters[ERRORS_METRIC] == 2
    _bucket().put(KEY, _killed_copy([_fill("T1", 1), _fill("T2", 2)], tmp_path / "killed"))
    assert uploader.upload_changed() == [KEY]
    assert sorted(_ids(lake.get(KEY))) == ["T1", "T2", "T3"]
    _logged(folder, [_fill("T4", 4)])
    assert uploader.stop() == [KEY]
    assert sorted(_ids(lake.get(KEY))) == ["T1", "T2", "T3", "T4"]  # T1 carried on every upload


def _killed_copy(fills: list[Fill], folder: Path) -> bytes:
    _logged(folder, fills)
    return (folder / "2026-01-05.jsonl").read_bytes()


def test_merge_keeps_local_lines_and_adds_the_lakes_missing_valid_ones(tmp_path: Path) -> None:
    lake = _killed_copy([_fill("T1", 1), _fill("T2", 2)], tmp_path / "lake") + b'{"not": "a fill"}\n'
    local = _killed_copy([_fill("T2", 2), _fill("T3", 3)], tmp_path / "local") + b'{"trade_id":"T'
    merged = merge_logs(local, lake)
    assert _ids(merged) == ["T2", "T3", "T1"]
    assert merged.startswith(local[: local.rfind(b"\n") + 1])


def test_the_upload_interval_comes_from_the_environment() -> None:
    base = {"ORDER_STATE_TABLE": "t", "VYAPARI_SECRETS_PREFIX": "vyapari/test"}
    assert LiveServiceSettings.from_env(base).fills_upload_interval_s == 15.0
    settings = LiveServiceSettings.from_env({**base, "FILLS_UPLOAD_INTERVAL_S": "2.5"})
    assert settings.fills_upload_interval_s == 2.5
    for bad in ("soon", "0", "-1", "inf", "nan"):
        with pytest.raises(ValueError, match="FILLS_UPLOAD_INTERVAL_S"):
            LiveServiceSettings.from_env({**base, "FILLS_UPLOAD_INTERVAL_S": bad})


def test_a_replacement_task_through_the_entrypoint_logs_each_fill_once(
    env: dict[str, str], day: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    argv = ["live", "--broker", "paper", *STRATEGY, "--replay", str(day)]
    assert main([*argv, "--state-dir", str(tmp_path / "task-1")]) == 0, capsys.readouterr().err[-2000:]
    [log] = sorted((tmp_path / "task-1" / "fills").glob("*.jsonl"))
    session = date.fromisoformat(log.stem)
    everything = log.read_bytes()
    key = f"live/fills/sma_cross_bar/{log.name}"
    lake = S3ObjectStore(BUCKET)
    assert lake.get(key) == everything and everything.count(b"\n") > 4
    # killed after a round that had kept the first two fills; the replacement has a fresh disk
    kept = b"".join(everything.splitlines(keepends=True)[:2])
    lake.put(key, kept)
    code = main([*argv, "--date", session.isoformat(), "--state-dir", str(tmp_path / "task-2")])
    assert code == 0, capsys.readouterr().err[-2000:]
    final = lake.get(key)
    assert final.startswith(kept)
    assert len(_ids(final)) == len(set(_ids(final))), "a fill was logged twice"
    assert sorted(_ids(final)) == sorted(_ids(everything)), "a fill was lost or invented"
