"""One lock for every install: requirements/lock.txt pins all of pyproject's dependencies (every
extra) and the layers' packages, and make setup, the layers and the image pass it to pip."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import cast

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "lock.txt"


def _locked() -> dict[str, list[tuple[str, Requirement]]]:
    """name -> [(version, requirement with its marker)] of every pinned line of the lock."""
    pins: dict[str, list[tuple[str, Requirement]]] = {}
    for raw in LOCK.read_text(encoding="utf-8").splitlines():
        line = raw.split("  #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        requirement = Requirement(line)
        [spec] = list(requirement.specifier)
        assert spec.operator == "==", line
        pins.setdefault(canonicalize_name(requirement.name), []).append((spec.version, requirement))
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = [*project["dependencies"], *(r for rs in project["optional-dependencies"].values() for r in rs)]
    return [Requirement(r) for r in lines]


def test_every_declared_dependency_is_locked_within_its_range() -> None:
    pins = _locked()
    env: dict[str, str] = {**cast(dict[str, str], default_environment()), "python_full_version": "3.12.0",
                           "python_version": "3.12"}
    for requirement in _declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in requirements/lock.txt: run make lock"
        for version, locked in pins[name]:
            if locked.marker is None or locked.marker.evaluate(env):
                assert requirement.specifier.contains(version, prereleases=True), (requirement, version)


def test_base_dependencies_are_bounded_and_broker_sdks_pinned() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for line in project["dependencies"]:
        operators = {s.operator for s in Requirement(line).specifier}
        assert ">=" in operators and "<" in operators, f"{line}: give a lower and an upper bound"
    for line in project["optional-dependencies"]["brokers"]:
        assert [s.operator for s in Requirement(line).specifier] == ["=="], line
    build = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]
    assert "setuptools>=77" in build["requires"]  # 68.2 rejects license = "Apache-2.0"


def test_the_layers_packages_are_locked() -> None:
    pins = _locked()
    for requirements in sorted((ROOT / "layers").glob("*/*.txt")):
        for raw in requirements.read_text(encoding="utf-8").splitlines():
            line = raw.split("#", 1)[0].strip()
            if line:
                assert canonicalize_name(Requirement(line).name) in pins, f"{requirements.name}: {line}"


def test_setup_layers_and_image_install_from_the_lock() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"pip install .*-c \$\(LOCK\) -e", makefile)
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"COPY requirements/lock.txt", dockerfile)
    assert re.search(r"pip install .*-c requirements/lock.txt", dockerfile)
    build = (ROOT / "layers" / "build.py").read_text(encoding="utf-8")
    assert '"-c", str(LOCK)' in build
