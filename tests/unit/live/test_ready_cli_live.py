"""``vyapari live`` wiring: a caller's pre-open report gates the run and is published as it starts."""

from __future__ import annotations

from pathlib import Path

from vyapari.brokers.session import now_ist
from vyapari.cli import live as live_cli
from vyapari.cli.main import build_parser
from vyapari.live import service
from vyapari.live.ports import InMemoryMetrics, InMemoryPublisher, LivePorts
from vyapari.live.store import InMemoryOrderStateStore
from vyapari.readiness import FeedStale, ReadinessReport
from vyapari.readiness.base import failed, passed


class StopAfter(service.StopFlag):
    """Stops the loop after a few turns; installs no signal handler."""

    turns = 3

    def install(self) -> StopAfter:
        return self

    def __call__(self) -> bool:
        self.turns -= 1
        return self.turns < 0


def _args(tmp_path: Path) -> object:
    return build_parser("live").parse_args(
        ["live", "--broker", "paper", "--strategy", "sma_cross_bar", "--symbols", "RELIANCE,INFY",
         "--state-dir", str(tmp_path)]
    )


def _ports() -> LivePorts:
    return LivePorts(
        store=InMemoryOrderStateStore(), publisher=InMemoryPublisher(), metrics=InMemoryMetrics()
    )


def test_a_failed_report_from_the_caller_refuses_to_trade(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(service, "StopFlag", StopAfter)
    report = ReadinessReport(now_ist(), "NSE", "paper", (failed("tick_feed", FeedStale, "silent"),))
    ports = _ports()
    assert live_cli.run(_args(tmp_path), ports, pre_open=report) == live_cli.EXIT_NOT_READY  # type: ignore[arg-type]
    assert ports.publisher.messages == {}  # type: ignore[union-attr]


def test_a_passing_report_from_the_caller_is_recorded_and_published(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setattr(service, "StopFlag", StopAfter)
    report = ReadinessReport(now_ist(), "NSE", "paper", (passed("calendar", "regular session"),))
    ports = _ports()
    assert live_cli.run(_args(tmp_path), ports, pre_open=report) == 0  # type: ignore[arg-type]
    published = ports.publisher.messages["orders"]  # type: ignore[union-attr]
    assert published[0]["type"] == "readiness" and published[0]["ready"] is True
    assert ports.metrics.observations["ready"] == [1.0]  # type: ignore[union-attr]
    assert '"stopped_early": true' in capsys.readouterr().out


def test_skip_ready_without_a_report_runs_ungated(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(service, "StopFlag", StopAfter)
    args = _args(tmp_path)
    args.skip_ready = True  # type: ignore[attr-defined]
    ports = _ports()
    assert live_cli.run(args, ports) == 0  # type: ignore[arg-type]
    assert "orders" not in ports.publisher.messages  # type: ignore[union-attr]
