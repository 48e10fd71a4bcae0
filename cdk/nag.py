"""cdk-nag (3.x API): AwsSolutions checks, on demand with ``-c nag=1``; acknowledgements live in
:mod:`cdk.nag_acknowledgements`, each with its written reason."""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from cdk.nag_acknowledgements import acknowledge_all


def add_nag(app: cdk.App, stacks: Mapping[str, cdk.Stack], prefix: str) -> None:
    """Register the AwsSolutions checks on ``app`` and acknowledge the accepted findings."""
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    acknowledge_all(stacks, prefix)
