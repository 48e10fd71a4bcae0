"""Make moto's ``arn:aws:states:::ecs:runTask.sync`` integration run the container command locally.

Unpatched, moto passes the ASL's PascalCase parameters to boto3 (``KeyError: 'Cluster'``) and cannot
run Fargate/awsvpc tasks anyway. :func:`install` replaces ``StateTaskServiceEcs``'s two steps:

* ``_eval_service_task`` reads the task definition's container ``command`` from a ``{family: command}``
  table (the local runner registers the same command in moto's ECS), applies
  ``Overrides.ContainerOverrides[0].Command/Environment``, runs it as a subprocess from the project
  root (``python`` → this interpreter) with the runner's environment, and keeps a DescribeTasks-shaped
  PascalCase result: ``{"Tasks": [{"LastStatus": "STOPPED", "Containers": [{"ExitCode": rc}], ...}]}``;
* ``_build_sync_resolver`` returns that task description at once (the task has already stopped).

A non-zero exit code fails the state with ``States.TaskFailed`` and the end of stderr as the cause.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_ecs import (
    StateTaskServiceEcs,
)
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails


@dataclass
class LocalTasks:
    """Container commands by task definition (family or ARN), the working folder and extra environment."""

    commands: dict[str, list[str]]
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)
    runs: list[dict[str, Any]] = field(default_factory=list)

    def command_of(self, task_definition: str) -> list[str]:
        """The command of ``family``, ``family:rev`` or its ARN."""
        family = task_definition.rsplit("/", 1)[-1].split(":", 1)[0]
        return list(self.commands[family])

    def run(self, parameters: dict[str, Any]) -> dict[str, Any]:
        """Run the task's container command; a DescribeTasks-shaped ``Tasks[0]``."""
        get = lambda *names: next((parameters[n] for n in names if n in parameters), None)  # noqa: E731
        definition = str(get("TaskDefinition", "taskDefinition"))
        overrides = (get("Overrides", "overrides") or {}).get("ContainerOverrides") or [{}]
        command = overrides[0].get("Command") or self.command_of(definition)
        env = {
            **os.environ,
            **self.env,
            **{e["Name"]: str(e["Value"]) for e in overrides[0].get("Environment") or []},
        }
        argv = [sys.executable if c in ("python", "python3") else c for c in command]
        done = subprocess.run(argv, cwd=self.cwd, env=env, capture_output=True, text=True, check=False)
        self.runs.append(
            {"command": argv, "returncode": done.returncode, "stdout": done.stdout, "stderr": done.stderr}
        )
        return {
            "TaskArn": f"arn:aws:ecs:local:000000000000:task/local/{len(self.runs)}",
            "ClusterArn": str(get("Cluster", "cluster")),
            "TaskDefinitionArn": definition,
            "LastStatus": "STOPPED",
            "DesiredStatus": "STOPPED",
            "StopCode": "EssentialContainerExited",
            "Containers": [{"Name": "main", "ExitCode": done.returncode, "LastStatus": "STOPPED"}],
            "Stderr": done.stderr[-2000:],
        }


def _task_failed(env: Any, cause: str) -> FailureEventException:
    error = StatesErrorNameType.StatesTaskFailed.to_name()
    return FailureEventException(
        FailureEvent(
            env=env,
            error_name=StatesErrorName(typ=StatesErrorNameType.StatesTaskFailed),
            event_type=HistoryEventType.TaskFailed,
            event_details=EventDetails(  # type: ignore[typeddict-item]  # total=False upstream
                taskFailedEventDetails=TaskFailedEventDetails(error=error, cause=cause)
            ),
        )
    )


@contextmanager
def install(tasks: LocalTasks) -> Iterator[LocalTasks]:
    """Patch ``StateTaskServiceEcs`` for the duration of the block."""
    originals: dict[str, Callable[..., Any]] = {
        name: getattr(StateTaskServiceEcs, name) for name in ("_eval_service_task", "_build_sync_resolver")
    }

    def eval_service_task(
        self: StateTaskServiceEcs,
        env: Any,
        resource_runtime_part: Any,
        normalised_parameters: dict[str, Any],
        state_credentials: Any,
    ) -> None:
        task = tasks.run(normalised_parameters)
        if task["Containers"][0]["ExitCode"] != 0:
            raise _task_failed(
                env, f"container exited with {task['Containers'][0]['ExitCode']}: {task['Stderr'][-500:]}"
            )
        env.stack.append({"Tasks": [task], "Failures": []})

    def build_sync_resolver(
        self: StateTaskServiceEcs,
        env: Any,
        resource_runtime_part: Any,
        normalised_parameters: dict[str, Any],
        state_credentials: Any,
    ) -> Callable[[], Any]:
        task = env.stack.pop()["Tasks"][0]
        return lambda: task

    StateTaskServiceEcs._eval_service_task = eval_service_task  # type: ignore[method-assign]
    StateTaskServiceEcs._build_sync_resolver = build_sync_resolver  # type: ignore[method-assign]
    try:
        yield tasks
    finally:
        for name, original in originals.items():
            setattr(StateTaskServiceEcs, name, original)
