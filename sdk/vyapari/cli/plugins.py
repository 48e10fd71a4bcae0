"""Where the CLI finds code that is not part of the sdk (the repository's Lambda handlers, the local runner).

The sdk never imports the repository's ``functions`` package (an import-linter contract forbids it).
A command that needs such code names a *plugin* kind; its ``module:attribute`` comes from, first match:

1. an explicit option (``vyapari api serve --handler``),
2. ``[tool.vyapari.plugins]`` in ``<app-dir>/pyproject.toml`` (the repository names its own code),
3. an installed entry point of group ``vyapari.plugins`` with the kind as its name.

``<app-dir>`` (default: the current folder) is put first on ``sys.path`` so the named module imports.
An installed vyapari without the repository finds none of them and says what to do.
"""

from __future__ import annotations

import importlib
import sys
import tomllib
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from vyapari.core.errors import InvalidInput

GROUP = "vyapari.plugins"
KINDS = {
    "api-handler": "the REST API's Lambda handler",
    "workflow-runner": "the local workflow runner (Step Functions in moto)",
}


def configured(kind: str, app_dir: Path) -> tuple[str, str] | None:
    """``(module:attribute, where it was named)`` of ``kind``, or ``None`` when nothing names it."""
    project = app_dir / "pyproject.toml"
    if project.is_file():
        try:
            table = tomllib.loads(project.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(str(project), f"not valid TOML ({exc})") from None
        name = table.get("tool", {}).get("vyapari", {}).get("plugins", {}).get(kind)
        if isinstance(name, str) and name:
            return name, f"{project} [tool.vyapari.plugins]"
    for point in entry_points(group=GROUP, name=kind):
        return point.value, f"entry point {GROUP}:{kind}"
    return None


def load_plugin(kind: str, *, app_dir: Path, explicit: str | None = None, option: str = "--app-dir") -> Any:
    """Import the object named for plugin ``kind`` (see the module docstring for the search order).

    Raises :class:`InvalidInput` naming ``option`` when no plugin is named, or when it does not import
    (with the import error, e.g. a missing dependency group).
    """
    found = (explicit, option) if explicit else configured(kind, app_dir)
    if found is None:
        raise InvalidInput(option, f"cannot find {KINDS[kind]}: it lives in the repository's "
                           "functions/ package, which an installed vyapari does not include; run "
                           "this command from a clone of the repository (its pyproject.toml names it under "
                           f"[tool.vyapari.plugins]) or pass {option} CLONE")
    name, where = found
    module_name, attribute = _split(name)
    if not module_name:
        raise InvalidInput(option, f"{name!r} (from {where}) is not module:attribute")
    root = str(app_dir.resolve())
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InvalidInput(option, f"cannot import {module_name} (from {where}): {exc}; install the "
                           "dependency groups it needs (see README)") from exc
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise InvalidInput(option, f"{module_name} has no {attribute} (from {where})") from None


def _split(name: str) -> tuple[str, str]:
    """``module:attribute`` (or the older ``module.attribute``) → ``(module, attribute)``."""
    if ":" in name:
        module_name, _, attribute = name.partition(":")
    else:
        module_name, _, attribute = name.rpartition(".")
    return module_name, attribute
