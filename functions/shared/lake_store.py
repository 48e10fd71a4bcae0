"""Build the lake's object store from the settings: a local folder or S3 (with Glue registration).

boto3 is imported only for an ``s3://`` lake, so functions on a local lake (the local runner, tests)
start without it; awswrangler (Glue) only when partitions are registered.
"""

from __future__ import annotations

from typing import Any

from functions.shared.settings import Settings
from vyapari.data.storage import LocalObjectStore, ObjectStore


def build_store(settings: Settings, *, register_partitions: bool = False) -> ObjectStore:
    """The lake store of ``settings``.

    Parameters
    ----------
    settings : Settings
        ``lake_uri`` is ``s3://bucket/prefix`` or a local folder.
    register_partitions : bool
        For S3 with ``glue_database`` set: register each curated object's partition in Glue on write.
    """
    if not settings.is_s3:
        return LocalObjectStore(settings.lake_uri)
    from functions.shared.s3_object_store import S3ObjectStore

    bucket, prefix = settings.s3_location()
    catalog = None
    if register_partitions and settings.glue_database:
        from functions.shared.s3_store import GlueCatalog  # awswrangler: image functions only

        root = f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"
        catalog = GlueCatalog(settings.glue_database, root)
    return S3ObjectStore(bucket, prefix, catalog=catalog)


def object_location(settings: Settings, key: str) -> dict[str, Any]:
    """``{"Bucket", "Key"}`` of lake ``key`` as an S3 object (a Distributed Map ``ItemReader`` reads it).

    For a local lake the bucket is ``settings.items_bucket``: the local runner copies the object there.
    """
    if settings.is_s3:
        bucket, prefix = settings.s3_location()
        return {"Bucket": bucket, "Key": f"{prefix}/{key}" if prefix else key}
    return {"Bucket": settings.items_bucket, "Key": key}


def lake_key_of_s3_key(settings: Settings, s3_key: str) -> str:
    """The lake key of an S3 object key of the lake bucket (strips the lake prefix)."""
    if not settings.is_s3:
        return s3_key
    _, prefix = settings.s3_location()
    return s3_key[len(prefix) + 1 :] if prefix and s3_key.startswith(prefix + "/") else s3_key


def glue_catalog(settings: Settings) -> Any:
    """The :class:`functions.shared.s3_store.GlueCatalog` of an S3 lake with ``GLUE_DATABASE``."""
    from functions.shared.s3_store import GlueCatalog

    bucket, prefix = settings.s3_location()
    return GlueCatalog(settings.glue_database, f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}")
