"""Third-party dependency layers (arm64, Python 3.12), never first-party code.

* No pandas/pyarrow/numpy layer: functions that need them (or numba, calendars, plotly) are
  container-image Lambdas (:mod:`cdk.constructs.image`); zip functions import none of them, which
  ``make package-check`` proves against the synthesized templates.
* **common** (Powertools, pydantic, cryptography): built by ``make layers`` (``layers/build.py``, pip
  ``--platform manylinux… --only-binary=:all:``, no Docker) into ``layers/common/python``. When that
  directory is absent synth uses the tiny ``layers/placeholder`` so tests and CI synth without a
  build; ``-c requireLayers=1`` (used for deploys) turns that into an error instead.
* **brokers** (kiteconnect, upstox-python-sdk): only for the broker-login function, which exchanges
  the daily token with the real broker clients; built the same way into ``layers/brokers/python``
  (``layers/brokers/requirements.txt``), with the same placeholder fallback.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import RemovalPolicy
from aws_cdk import aws_lambda as lambda_

from cdk.config import StageConfig
from cdk.paths import LAYERS
from constructs import Construct

COMMON_LAYER_DIR = LAYERS / "common"
BROKERS_LAYER_DIR = LAYERS / "brokers"
PLACEHOLDER_LAYER_DIR = LAYERS / "placeholder"


def built_layer_dir(config: StageConfig, directory: Path = COMMON_LAYER_DIR) -> str:
    """A built layer directory, or the placeholder when ``make layers`` has not run."""
    if (directory / "python").is_dir():
        return str(directory)
    if config.require_layers:
        raise FileNotFoundError(
            f"layers/{directory.name}/python is missing: run `make layers` before deploying"
        )
    return str(PLACEHOLDER_LAYER_DIR)


def common_layer_dir(config: StageConfig) -> str:
    """The built common layer directory, or the placeholder when ``make layers`` has not run."""
    return built_layer_dir(config, COMMON_LAYER_DIR)


class DependencyLayers(Construct):
    """The layers a zip function may use: ``common`` (always) and, built on first use, ``brokers``
    (:meth:`brokers`)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
        super().__init__(scope, construct_id)
        self.common = lambda_.LayerVersion(
            self,
            "Common",
            code=lambda_.Code.from_asset(common_layer_dir(config)),
            compatible_runtimes=[lambda_.Runtime.PYTHON_3_12],
            compatible_architectures=[lambda_.Architecture.ARM_64],
            description="vyapari third-party deps: aws-lambda-powertools, pydantic, cryptography",
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.config = config
        self._brokers: lambda_.LayerVersion | None = None

    def brokers(self) -> lambda_.LayerVersion:
        """The broker SDK layer (kiteconnect, upstox-python-sdk), created on first use."""
        if self._brokers is None:
            self._brokers = lambda_.LayerVersion(
                self,
                "Brokers",
                code=lambda_.Code.from_asset(built_layer_dir(self.config, BROKERS_LAYER_DIR)),
                compatible_runtimes=[lambda_.Runtime.PYTHON_3_12],
                compatible_architectures=[lambda_.Architecture.ARM_64],
                description="vyapari broker SDKs for the daily login: kiteconnect, upstox-python-sdk",
                removal_policy=RemovalPolicy.DESTROY,
            )
        return self._brokers

    def for_function(self, image: bool) -> list[lambda_.ILayerVersion]:
        """The layers of one function: none for an image function (the image holds its packages)."""
        return [] if image else [self.common]
