"""Presigned S3 links to a run's tear sheet in the lake bucket (the AWS side of
:mod:`vyapari.api.report_links`).

The lake bucket stays private (public access blocked); the API function, which may read the lake,
signs a GET of one ``report.html`` valid :data:`~vyapari.api.report_links.LINK_TTL_S` seconds, with
``Content-Type: text/html`` forced on the response. The URL is on the bucket's regional
virtual-hosted endpoint (``https://<bucket>.s3.<region>.amazonaws.com``): exactly the origin the
dashboard's Content-Security-Policy allows in ``frame-src`` (``cdk/constructs/dashboard.py``). Under
an ``AWS_ENDPOINT_URL_S3`` / ``AWS_ENDPOINT_URL`` override (moto, a local S3) boto3's endpoint is
used with path-style addressing instead.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

from vyapari.api.report_links import LINK_TTL_S, ReportLink

HTML = "text/html; charset=utf-8"


def regional_origin(bucket: str, region: str) -> str:
    """``https://<bucket>.s3.<region>.amazonaws.com``: where the links point."""
    return f"https://{bucket}.s3.{region}.amazonaws.com"


class S3ReportLinks:
    """:class:`~vyapari.api.report_links.ReportLinks` as presigned GETs of ``s3://bucket/prefix/<key>``.

    Parameters
    ----------
    bucket, prefix : str
        The lake's bucket and key prefix (``LAKE_URI``).
    region : str
        The bucket's region (``AWS_REGION``).
    ttl_s : int
        How long a link opens the report, seconds.
    env : mapping, optional
        Where endpoint overrides are read (default: the process environment).
    """

    def __init__(self, bucket: str, prefix: str, region: str, *, ttl_s: int = LINK_TTL_S,
                 env: Mapping[str, str] | None = None, clock: Callable[[], float] = time.time) -> None:
        if not region:
            raise ValueError("region: the lake bucket's region is needed to sign report links (AWS_REGION)")
        self.bucket, self.region, self.ttl_s = bucket, region, ttl_s
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._env = os.environ if env is None else env
        self._clock = clock

    @cached_property
    def client(self) -> Any:
        """An S3 client signing SigV4 query strings for the regional endpoint (made on first use)."""
        import boto3
        from botocore.config import Config

        overridden = any(self._env.get(k) for k in ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"))
        style = "path" if overridden else "virtual"
        config = Config(signature_version="s3v4", s3={"addressing_style": style})
        endpoint = None if overridden else f"https://s3.{self.region}.amazonaws.com"
        return boto3.client("s3", region_name=self.region, endpoint_url=endpoint, config=config)

    def link(self, key: str, run_id: str, user: str) -> ReportLink:
        """A presigned GET of lake ``key`` (``run_id`` and ``user`` are the caller's, for the log only)."""
        expires = int(self._clock()) + self.ttl_s
        url = self.client.generate_presigned_url(
            "get_object", ExpiresIn=self.ttl_s, HttpMethod="GET",
            Params={"Bucket": self.bucket, "Key": self.prefix + key, "ResponseContentType": HTML,
                    "ResponseContentDisposition": "inline", "ResponseCacheControl": "private, no-store"})
        return ReportLink(str(url), expires)
