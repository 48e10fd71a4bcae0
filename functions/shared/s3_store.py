"""S3 implementation of the lake's storage port, with Glue registration of curated partitions.

``S3ObjectStore`` implements :class:`vyapari.data.storage.ObjectStore` with boto3 under
``s3://<bucket>/<prefix>/``; the lake layout is the same as in a local folder. When a
:class:`GlueCatalog` is given, every curated Parquet object written (``curated/<table>/k=v/.../x.parquet``)
registers its table (once, from the object's Arrow schema) and its partition with awswrangler, so
Athena and ``wr.s3.read_parquet_table`` see the data. The sdk never imports this module.
"""

from __future__ import annotations

from typing import Any

import awswrangler as wr
import boto3
import pyarrow as pa
import pyarrow.parquet as pq
from botocore.exceptions import ClientError

_ATHENA_TYPES = {
    pa.int64(): "bigint", pa.int32(): "int", pa.float64(): "double", pa.float32(): "float",
    pa.string(): "string", pa.large_string(): "string", pa.date32(): "date", pa.bool_(): "boolean",
}
_INT_PARTITIONS = {"year"}


def athena_type(arrow_type: pa.DataType) -> str:
    """The Glue/Athena column type of an Arrow type (timestamps of any unit/zone → ``timestamp``)."""
    if pa.types.is_timestamp(arrow_type):
        return "timestamp"
    try:
        return _ATHENA_TYPES[arrow_type]
    except KeyError:
        raise ValueError(f"no Athena type for Arrow type {arrow_type}") from None


class GlueCatalog:
    """Registers curated lake tables and partitions in a Glue database (via awswrangler)."""

    def __init__(self, database: str, s3_root: str, session: boto3.Session | None = None) -> None:
        self.database = database
        self.s3_root = s3_root.rstrip("/")
        self.session = session or boto3.Session()
        self._known: set[str] = set()
        wr.catalog.create_database(database, exist_ok=True, boto3_session=self.session)

    def register(self, key: str, parquet: bytes) -> None:
        """Register the table and partition of the curated object ``key`` (other keys are ignored)."""
        parts = key.split("/")
        if len(parts) < 4 or parts[0] != "curated" or not key.endswith(".parquet"):
            return
        table, folders = parts[1], [p for p in parts[2:-1] if "=" in p]
        location = f"{self.s3_root}/curated/{table}/"
        partition_path = location + "".join(f"{p}/" for p in folders)
        if partition_path in self._known:
            return
        names = [p.split("=", 1)[0] for p in folders]
        if table not in self._known:
            self._create_table(table, location, names, pq.read_schema(pa.BufferReader(parquet)))
            self._known.add(table)
        wr.catalog.add_parquet_partitions(
            database=self.database, table=table,
            partitions_values={partition_path: [p.split("=", 1)[1] for p in folders]},
            boto3_session=self.session)
        self._known.add(partition_path)

    def _create_table(self, table: str, location: str, partitions: list[str], schema: pa.Schema) -> None:
        if wr.catalog.does_table_exist(self.database, table, boto3_session=self.session):
            return
        columns = {f.name: athena_type(f.type) for f in schema if f.name not in partitions}
        kinds = {p: "int" if p in _INT_PARTITIONS else "string" for p in partitions}
        wr.catalog.create_parquet_table(database=self.database, table=table, path=location,
                                        columns_types=columns, partitions_types=kinds,
                                        boto3_session=self.session)


class S3ObjectStore:
    """An :class:`~vyapari.data.storage.ObjectStore` on ``s3://bucket/prefix``.

    A single S3 PUT is atomic (readers see the old or the new object), so :meth:`put_atomic` is a PUT.
    """

    def __init__(self, bucket: str, prefix: str = "", *, client: Any = None,
                 catalog: GlueCatalog | None = None) -> None:
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
