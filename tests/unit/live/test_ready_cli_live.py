"""``run_live`` wiring: the pre-open report of the deployment's readiness port gates the run and is
published as it starts; a skipped check runs ungated."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from vyapari.brokers.session import now_ist
from vyapari.cli.live import parse_live
from vyapari.live.config import LiveRunConfig
from vyapari.live.ports import InMemoryMetrics, InMemoryPublisher, LivePorts, PreOpenReadiness
from vyapari.live.runner import EXIT_NOT_READY, run_live
from vyapari.live.store import InMemoryOrderStateStore
from vyapari.readiness import FeedStale, ReadinessReport, SuiteConfig
from vyapari.readiness.base import failed, passed
from vyapari.strategies import make_strategy


class StopAfter:
    """Stops the loop after a few turns."""

    def __init__(self, turns: int = 3) -> None:
        self.turns = turns

    def __call__(self) -> bool:
        self.turns -= 1
        return self.turns < 0


def _config(tmp_path: Path, *more: str) -> LiveRunConfig:
    command = parse_live(["live", "--broker", "paper", "--strategy", "sma_cross_bar",
                          "--symbols", "RELIANCE,INFY", "--state-dir", str(tmp_path), *more], {})
    assert command.run is not None
    return command.run


def _ports(report: ReadinessReport | None) -> LivePorts:
    asked: list[datetime] = []

    def check(at: datetime) -> ReadinessReport:
        asked.append(at)
        assert report is not None, "the check ran although it was skipped"
        return report

    readiness = None if report is None else PreOpenReadiness(check, SuiteConfig(broker="paper"))
    return LivePorts(store=InMemoryOrderStateStore(), publisher=InMemoryPublisher(),
                     metrics=InMemoryMetrics(), readiness=readiness, strategies=make_strategy)


def test_a_failed_report_refuses_to_trade(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = ReadinessReport(now_ist(), "NSE", "paper", (failed("tick_feed", FeedStale, "silent"),))
    ports = _ports(report)
    assert run_live(_config(tmp_path), ports, StopAfter()) == EXIT_NOT_READY
    assert ports.publisher.messages == {}  # type: ignore[union-attr]
    assert ports.metrics.observations["ready"] == [0.0]  # type: ignore[union-attr]
    assert "not ready: tick_feed: silent [FeedStale]" in capsys.readouterr().err


def test_a_passing_report_is_recorded_and_published(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = ReadinessReport(now_ist(), "NSE", "paper", (passed("calendar", "regular session"),))
    ports = _ports(report)
    assert run_live(_config(tmp_path), ports, StopAfter()) == 0
    published = ports.publisher.messages["orders"]  # type: ignore[union-attr]
    assert published[0]["type"] == "readiness" and published[0]["ready"] is True
    assert ports.metrics.observations["ready"] == [1.0]  # type: ignore[union-attr]
    assert '"stopped_early": true' in capsys.readouterr().out


def test_skip_ready_runs_ungated_without_a_check(tmp_path: Path) -> None:
    ports = _ports(None)
    assert run_live(_config(tmp_path, "--skip-ready"), ports, StopAfter()) == 0
    assert "orders" not in ports.publisher.messages  # type: ignore[union-attr]


def test_a_stream_run_that_checks_needs_the_readiness_port(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"LivePorts\.readiness"):
        run_live(_config(tmp_path), _ports(None), StopAfter())
