"""S3 implementation of the lake's storage port (boto3 only: the light Lambdas use it without pandas).

``S3ObjectStore`` implements :class:`vyapari.data.storage.ObjectStore` with boto3 under
``s3://<bucket>/<prefix>/``; the lake layout is the same as in a local folder. An optional catalog
(:class:`functions.shared.s3_store.GlueCatalog`, awswrangler) registers curated partitions on write.
"""

from __future__ import annotations

from typing import Any, Protocol

import boto3
from botocore.exceptions import ClientError


class Catalog(Protocol):
    """Registers a curated Parquet object's partition (``GlueCatalog``)."""

    def register(self, key: str, parquet: bytes) -> None:
        """Register the partition of lake ``key`` holding ``parquet``."""


class S3ObjectStore:
    """An :class:`~vyapari.data.storage.ObjectStore` on ``s3://bucket/prefix``.

    A single S3 PUT is atomic (readers see the old or the new object), so :meth:`put_atomic` is a PUT.
    """

    def __init__(self, bucket: str, prefix: str = "", *, client: Any = None,
                 catalog: Catalog | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = client or boto3.client("s3")
        self.catalog = catalog

    def __repr__(self) -> str:
        return f"S3ObjectStore('s3://{self.bucket}/{self.prefix}')"

    def _key(self, key: str) -> str:
        return self.prefix + key

    def put(self, key: str, data: bytes) -> None:
        """PUT ``data`` and register curated partitions."""
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)
        if self.catalog is not None:
            self.catalog.register(key, data)

    def put_atomic(self, key: str, data: bytes) -> None:
        """Same as :meth:`put`: S3 replaces whole objects atomically."""
        self.put(key, data)

    def put_if_absent(self, key: str, data: bytes) -> bool:
        """PUT ``data`` only if no object is at ``key`` (``If-None-Match: *``); True when stored.

        S3 answers 412 (or 409 for a concurrent conditional PUT) to the loser, so two writers of
        the same key never overwrite each other.
        """
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, IfNoneMatch="*")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("PreconditionFailed", "412",
                                                              "ConditionalRequestConflict", "409"):
                return False
            raise
        if self.catalog is not None:
            self.catalog.register(key, data)
        return True

    def get(self, key: str) -> bytes:
        """The object's bytes; ``KeyError`` when absent."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise KeyError(key) from None
            raise
        return bytes(response["Body"].read())

    def exists(self, key: str) -> bool:
        """True when the object exists (HEAD)."""
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def list(self, prefix: str) -> list[str]:
        """Sorted keys (relative to the store prefix) starting with ``prefix``."""
        keys: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
            keys.extend(item["Key"][len(self.prefix):] for item in page.get("Contents", []))
        return sorted(keys)

    def delete(self, key: str) -> None:
        """Delete the object (absent objects are ignored by S3)."""
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))
