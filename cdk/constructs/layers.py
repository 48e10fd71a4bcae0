"""Third-party dependency layers (arm64, Python 3.12), never first-party code.

* **pandas/pyarrow/numpy/awswrangler**: the *AWS SDK for pandas* managed layer. We chose it over building
  our own because it is maintained and patched by AWS, stays under Lambda's 250 MB limit with room for a
  small layer next to it, and needs no build at all: ``cdk synth`` in CI stays network-free. Its ARN is
  resolved at deploy time from the public SSM parameter
  ``/aws/service/aws-sdk-pandas/<version>/<region>/py3.12/arm64/layer-arn`` (region-correct by
  construction); ``-c pandasLayerArn=<arn>`` pins an explicit ARN instead.
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
from aws_cdk import aws_ssm as ssm

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
    """The layers a function may use: ``common`` (always), ``pandas`` (``needs_pandas``) and, built on
    first use, ``brokers`` (:meth:`brokers`)."""

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
        arn = config.pandas_layer_arn or ssm.StringParameter.value_for_string_parameter(
            self,
            f"/aws/service/aws-sdk-pandas/{config.aws_sdk_pandas_version}/{config.region}/py3.12/arm64/layer-arn",
        )
        self.pandas = lambda_.LayerVersion.from_layer_version_arn(self, "AwsSdkPandas", arn)
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

    def for_function(self, needs_pandas: bool) -> list[lambda_.ILayerVersion]:
        """The layers of one function (pandas first: it is the larger, common packages shadow nothing)."""
        return [self.pandas, self.common] if needs_pandas else [self.common]
