"""The project's one container image (root ``Dockerfile``): Fargate tasks and the heavy Lambdas.

Heavy functions (numba, pandas, pyarrow, exchange calendars, plotly) do not fit Lambda's 250 MB
unzipped limit as layers (numba with llvmlite alone is ~207 MiB), so they run as container-image
Lambdas from the same image as the Fargate tasks, each with its own command (the handler string)
behind the image's Lambda bootstrap :mod:`functions.image.lambda_entry`. ``cdk synth`` only stages the
build context (hashed, copied into ``cdk.out``): the image is built at deploy time, so synth needs
no Docker. Every function uses the same directory, excludes and platform, hence one asset hash and
one build.
"""

from __future__ import annotations

from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_lambda as lambda_

from cdk.paths import DOCKERFILE_DIR

LAMBDA_ENTRYPOINT = ["python", "-m", "functions.image.lambda_entry"]
# Kept out of the build context (the Dockerfile copies requirements/, pyproject, README, sdk, functions).
IMAGE_EXCLUDES = [
    ".venv",
    ".git",
    "node_modules",
    "cdk.out",
    "cdk",
    "layers",
    "tests",
    "benchmarks",
    "scripts",
    "statemachines",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    ".pytest_cache",
    ".import_linter_cache",
    ".ci",
    ".cache",
    "demo-output",
    "**/__pycache__",
    ".env",
    ".env.*",
]


def image_asset_options() -> dict[str, object]:
    """The keyword arguments every use of the image shares (so the asset hash is the same)."""
    return {
        "directory": str(DOCKERFILE_DIR),
        "exclude": IMAGE_EXCLUDES,
        "platform": ecr_assets.Platform.LINUX_ARM64,
    }


def lambda_image_code(handler: str) -> lambda_.DockerImageCode:
    """The image as Lambda code running ``handler`` (``package.module.function``)."""
    return lambda_.DockerImageCode.from_image_asset(
        cmd=[handler], entrypoint=LAMBDA_ENTRYPOINT, **image_asset_options()  # type: ignore[arg-type]
    )
