"""Pure helpers of the local workflow runner: placeholders, substitution, Map rewrites, history lines.

``statemachines/*.asl.json`` hold ``${Name}`` placeholders for every ARN and name; CloudFormation fills
them from ``DefinitionSubstitutions`` and the local runner from the same table,
``statemachines/substitutions.json`` (:func:`load_substitutions`). Nothing here touches AWS or moto.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_]*)\}")
WORKFLOWS = {
    "ingestion": "ingestion",
    "backtest": "backtest",
    "weekly-evaluation": "weekly_evaluation",
    "weekly_evaluation": "weekly_evaluation",
}


def placeholders(text: str) -> set[str]:
    """Names of the ``${Name}`` placeholders in an ASL text."""
    return set(PLACEHOLDER.findall(text))


def substitute(text: str, values: dict[str, str]) -> str:
    """Fill every placeholder like ``DefinitionSubstitutions``; ``KeyError`` lists the unfilled ones."""
    missing = sorted(placeholders(text) - set(values))
    if missing:
        raise KeyError(f"no substitution for {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def load_substitutions(root: Path) -> dict[str, Any]:
    """``statemachines/substitutions.json`` under the project ``root``."""
    return dict(json.loads((root / "statemachines" / "substitutions.json").read_text(encoding="utf-8")))


def definition_path(root: Path, workflow: str) -> Path:
    """The ASL file of ``ingestion``, ``backtest`` or ``weekly-evaluation``."""
    try:
        return root / "statemachines" / f"{WORKFLOWS[workflow]}.asl.json"
    except KeyError:
        raise ValueError(
            f"unknown workflow {workflow!r} (choose from ingestion, backtest, weekly-evaluation)"
        ) from None


def inline_distributed_maps(definition: dict[str, Any]) -> dict[str, Any]:
    """A copy where each Distributed Map reads ``ItemsPath`` instead of an S3 ``ItemReader``.

    For interpreters without ``ItemReader`` support: the reader's ``Bucket``/``Key`` paths are dropped,
    the processor mode becomes ``INLINE`` and ``ItemsPath`` is ``items_path``-like: the ``Key.$`` path with
    its last step replaced by ``items`` (the plan output carries both). Unused with moto ≥ 5.2, kept for
    other interpreters and tested.
    """
    out = copy.deepcopy(definition)
    for state in _states(out):
        reader = state.pop("ItemReader", None)
        if state.get("Type") != "Map" or reader is None:
            continue
        key_path = str(reader.get("Parameters", {}).get("Key.$", "$.items"))
        state["ItemsPath"] = key_path.rsplit(".", 2)[0] + ".items"
        processor = state["ItemProcessor"]
        processor["ProcessorConfig"] = {"Mode": "INLINE"}
        for name in (
            "Label",
            "ToleratedFailurePercentage",
            "ToleratedFailureCount",
            "ItemBatcher",
            "ResultWriter",
        ):
            state.pop(name, None)
    return out


def _states(machine: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for state in machine.get("States", {}).values():
        found.append(state)
        for nested in [state.get("ItemProcessor"), state.get("Iterator"), *state.get("Branches", [])]:
            if nested:
                found.extend(_states(nested))
    return found


_DETAILS = {
    "stateEnteredEventDetails": "enter",
    "stateExitedEventDetails": "exit",
    "taskFailedEventDetails": "fail",
    "executionFailedEventDetails": "fail",
    "lambdaFunctionFailedEventDetails": "fail",
    "mapRunFailedEventDetails": "fail",
}


def history_line(event: dict[str, Any], max_chars: int = 160) -> str | None:
    """One printable line of a Step Functions history event (``None`` for uninteresting ones).

    Entered states print their name, exited states their output (shortened), failures their error and
    cause, retries show as a failure followed by a new scheduling of the same task.
    """
    kind = str(event.get("type", ""))
    for field, role in _DETAILS.items():
        details = event.get(field)
        if not details:
            continue
        if role == "enter" and kind.endswith("StateEntered"):
            return f"→ {details.get('name')}"
        if role == "exit":
            output = _short(details.get("output", ""), max_chars)
            return f"✓ {details.get('name')}  {output}"
        if role == "fail":
            return f"✗ {kind}: {details.get('error')}: {_short(details.get('cause', ''), max_chars * 2)}"
    if kind in ("ExecutionSucceeded", "ExecutionStarted", "MapRunStarted", "MapRunSucceeded"):
        return f"· {kind}"
    return None


def _short(text: Any, limit: int) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
