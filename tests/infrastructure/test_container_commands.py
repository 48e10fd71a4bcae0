"""The commands the CDK app gives its containers are ones the image accepts: the live service's
entrypoint module exists and parses its command with the real ``vyapari live`` parser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from functions.live_service.__main__ import parse

from vyapari.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]


def containers(synth: Any) -> list[dict[str, Any]]:
    return [
        container
        for task in synth.resources("AWS::ECS::TaskDefinition").values()
        for container in task["Properties"]["ContainerDefinitions"]
    ]


def test_the_live_service_command_parses_with_the_vyapari_cli(synth: Any) -> None:
    live = [c for c in containers(synth) if c.get("Command", [""])[0] == "live"]
    assert live, "no container runs `live`"
    for container in live:
        entry, command = container["EntryPoint"], [str(part) for part in container["Command"]]
        assert entry == ["python", "-m", "functions.live_service"]
        assert (ROOT / "functions" / "live_service" / "__main__.py").is_file()
        env = {e["Name"]: e["Value"] for e in container.get("Environment", []) if isinstance(e["Value"], str)}
        config = parse(command, env).run  # vyapari's own `live` parser, validated into the run's config
        assert config is not None and config.strategy and config.symbols, command  # a live run needs both
        assert str(config.state_dir).startswith("/tmp/")  # writable by the image's non-root user
        assert config.checks_readiness  # the service checks readiness against AWS before trading
        assert build_parser("live").parse_args(command).strategy == config.strategy


def test_the_backtest_task_runs_its_module(synth: Any) -> None:
    backtest = [c for c in containers(synth) if c["Name"] == "backtest"]
    assert [c["EntryPoint"] for c in backtest] == [["python", "-m", "functions.run_backtest_task"]]
    assert (ROOT / "functions" / "run_backtest_task" / "__main__.py").is_file()
