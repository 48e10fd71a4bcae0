"""The commands the CDK app gives its containers are ones the image's CLI accepts."""

from __future__ import annotations

from typing import Any

from vyapari.cli.main import build_parser


def container_commands(synth: Any) -> list[list[str]]:
    commands = []
    for task in synth.resources("AWS::ECS::TaskDefinition").values():
        for container in task["Properties"]["ContainerDefinitions"]:
            if "Command" in container:
                commands.append([str(part) for part in container["Command"]])
    return commands


def test_the_live_service_command_parses_with_the_vyapari_cli(synth: Any) -> None:
    live = [c for c in container_commands(synth) if c and c[0] == "live"]
    assert live, "no container runs `vyapari live`"
    for command in live:
        args = build_parser(command[0]).parse_args(command)
        assert args.strategy and args.symbols, command  # a live run needs both
