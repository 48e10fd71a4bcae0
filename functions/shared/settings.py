"""Settings of the workflow functions, parsed once from the environment (a frozen pydantic model).

Variables (all optional except ``LAKE_URI`` in AWS):

``LAKE_URI``
    ``s3://bucket/prefix`` or a local folder (default ``lake``): where the lake lives.
``GLUE_DATABASE``
    Glue database of the curated tables (empty: no catalogue registration).
``TICKSTORE``
    ``parquet`` (default), ``timestream`` or ``influxdb``: which tick store adapter the live side uses.
``DOWNLOAD_MIRROR``
    Empty (the exchanges' archives), an ``http(s)://host:port`` base that replaces the exchange hosts
    (tests), or a local folder searched by file name (offline local runs).
``DOWNLOAD_TIMEOUT_S``, ``DOWNLOAD_ATTEMPTS``
    Per-request timeout in seconds and attempts per URL of the exchange downloads.
``FARGATE_MIN_CELLS``
    A work item with more estimated cells (bars × parameter sets) runs on Fargate, not Lambda.
``INLINE_ITEMS_MAX``
    Plans with more work items are written to the lake for a Distributed Map ``ItemReader``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from vyapari.core.environment import process_environ

_VARIABLES = {
    "lake_uri": "LAKE_URI",
    "glue_database": "GLUE_DATABASE",
    "tickstore": "TICKSTORE",
    "download_mirror": "DOWNLOAD_MIRROR",
    "download_timeout_s": "DOWNLOAD_TIMEOUT_S",
    "download_attempts": "DOWNLOAD_ATTEMPTS",
    "fargate_min_cells": "FARGATE_MIN_CELLS",
    "inline_items_max": "INLINE_ITEMS_MAX",
    "items_bucket": "ITEMS_BUCKET",
}


class Settings(BaseModel):
    """The workflow functions' environment, validated once (see the module docstring)."""

    model_config = ConfigDict(frozen=True)

    lake_uri: str = "lake"
    glue_database: str = ""
    tickstore: Literal["parquet", "timestream", "influxdb"] = "parquet"
    download_mirror: str = ""
    download_timeout_s: float = Field(default=30.0, gt=0)
    download_attempts: int = Field(default=3, ge=1)
    fargate_min_cells: int = Field(default=5_000_000, ge=1)
    inline_items_max: int = Field(default=40, ge=1)
    items_bucket: str = "local-lake"

    @property
    def is_s3(self) -> bool:
        """True when the lake is in S3 (``LAKE_URI`` starts with ``s3://``)."""
        return self.lake_uri.startswith("s3://")

    def s3_location(self) -> tuple[str, str]:
        """``(bucket, prefix)`` of an S3 lake; ``ValueError`` for a local one."""
        if not self.is_s3:
            raise ValueError(f"LAKE_URI {self.lake_uri!r} is not an s3:// URI")
        bucket, _, prefix = self.lake_uri.removeprefix("s3://").partition("/")
        return bucket, prefix.strip("/")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``env`` (default: the environment over ``.env``).

        Unset variables keep their defaults."""
        env = process_environ() if env is None else env
        return cls.model_validate({k: env[v] for k, v in _VARIABLES.items() if env.get(v, "") != ""})


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (parsed on first use; ``get_settings.cache_clear()`` in tests)."""
    return Settings.from_env()
