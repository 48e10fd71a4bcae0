"""cdk-nag (AwsSolutions) and cfn-lint on the session's synthesized templates."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cdk.config import load_config
from tests.infrastructure.conftest import Synthesized


def test_cdk_nag_has_no_unacknowledged_findings(synth: Synthesized) -> None:
    # The session synth runs with nag=1: an unacknowledged finding makes app.synth() raise, and
    # the validation report, when written, must hold no nag violation.
    report = synth.outdir / "validation-report.json"
    if report.exists():
        data = json.loads(report.read_text(encoding="utf-8"))
        violations = [
            v
            for plugin in data.get("pluginReports", [])
            if "AwsSolutions" in plugin.get("pluginName", "")
            for v in plugin.get("violations", [])
        ]
        assert violations == []
    assert load_config(synth.stacks["data"].node).nag


def _cfn_lint() -> list[str]:
    # The virtualenv's cfn-lint first (pinned with the cdk group), not whatever is first on PATH.
    local = Path(sys.executable).with_name("cfn-lint")
    exe = str(local) if local.exists() else shutil.which("cfn-lint")
    if exe is None:
        pytest.skip("cfn-lint is not installed (cdk dependency group)")
    return [exe]


def test_cfn_lint_reports_no_errors(synth: Synthesized) -> None:
    templates = sorted(str(p) for p in synth.outdir.glob("*.template.json"))
    assert len(templates) == 6
    # W3005 (redundant DependsOn) is noise on CDK output; everything else counts.
    result = subprocess.run(
        [*_cfn_lint(), "--ignore-checks", "W3005", "--", *templates],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode & 2 == 0, result.stdout
    assert result.returncode == 0, result.stdout  # no warnings either, today
