"""One synthesis of the whole CDK app per test session (synth costs ~10 s and ~1 GB).

The session app runs with cdk-nag enabled (``nag=1``), so the same synthesis serves the assertion
tests, the nag test (its validation report) and the cfn-lint test (its templates).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# jsii prints a multi-line banner about the Node.js version on every call; it is not a test result
for _flag in ("UNTESTED", "END_OF_LIFE", "DEPRECATED"):
    os.environ.setdefault(f"JSII_SILENCE_WARNING_{_flag}_NODE_VERSION", "18,19,20,21")  # node majors

from aws_cdk.assertions import Template  # noqa: E402  (the cdk group is installed by make test)
from cdk.app import build_app, make_app  # noqa: E402

CDK_PROVIDED = "CustomCDKBucketDeployment"  # logical-id prefix of CDK's BucketDeployment handler


def handler_of(props: dict[str, Any]) -> str:
    """The handler string of a function: ``Handler`` (zip) or the image command (container image)."""
    if props.get("PackageType") == "Image":
        return str(props["ImageConfig"]["Command"][0])
    return str(props["Handler"])


@dataclass(frozen=True)
class Synthesized:
    """The synthesized stage: stacks by short name, their templates, the output directory."""

    stacks: dict[str, Any]
    templates: dict[str, Template]
    outdir: Path

    def json(self, name: str) -> dict[str, Any]:
        """The template of stack ``name`` as a plain dict."""
        return dict(self.templates[name].to_json())

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """Every resource of ``resource_type`` across the stage, keyed ``<stack>/<logical id>``.

        Lambda functions are ours only: CDK's own custom-resource handler (the dashboard's
        BucketDeployment, :data:`CDK_PROVIDED`) is left out; ``test_dashboard`` checks it alone.
        """
        found: dict[str, dict[str, Any]] = {}
        for name in self.templates:
            for logical_id, resource in self.json(name)["Resources"].items():
                if resource["Type"] == resource_type and not (
                        resource_type == "AWS::Lambda::Function" and logical_id.startswith(CDK_PROVIDED)):
                    found[f"{name}/{logical_id}"] = resource
        return found


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The dev stage synthesized once, with cdk-nag on."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = make_app({"nag": "1", "stage": "dev"}, outdir=str(outdir))
    stacks = build_app(app)
    app.synth()
    templates = {name: Template.from_stack(stack) for name, stack in stacks.items()}
    return Synthesized(stacks, templates, outdir)


@pytest.fixture(scope="session")
def substitutions() -> dict[str, Any]:
    """``statemachines/substitutions.json``."""
    root = Path(__file__).resolve().parents[2]
    return dict(json.loads((root / "statemachines" / "substitutions.json").read_text(encoding="utf-8")))
