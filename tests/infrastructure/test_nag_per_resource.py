"""cdk-nag acknowledgements are per resource: a ``Resource: *`` grant added to the public API's function
fails ``synth -c nag=1`` (before, a stack-wide ``Resource::*`` acknowledgement let it pass)."""

from __future__ import annotations

import json

import pytest
from aws_cdk import aws_iam as iam
from cdk.app import build_app, make_app


@pytest.mark.slow
def test_a_wildcard_secret_grant_on_the_api_function_fails_nag(tmp_path: object) -> None:
    outdir = str(tmp_path)
    app = make_app({"nag": "1", "stage": "dev"}, outdir=outdir)
    stacks = build_app(app)
    api = stacks["api"].api_function.function  # type: ignore[attr-defined]
    api.add_to_role_policy(iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=["*"]))
    with pytest.raises(Exception, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text(encoding="utf-8"))  # type: ignore[operator]
    violations = [v for plugin in report["pluginReports"] for v in plugin["violations"]]
    assert [v["ruleName"] for v in violations] == ["AwsSolutions-IAM5[Resource::*]"]
    where = json.dumps(violations[0])
    assert "Vyapari-dev-Api/Api/Function/ServiceRole/DefaultPolicy" in where, where
