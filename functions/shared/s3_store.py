"""Glue registration of curated partitions for the S3 lake (awswrangler, pyarrow: image functions only).

:class:`functions.shared.s3_object_store.S3ObjectStore` (re-exported here) implements the storage port
with boto3 alone. When a :class:`GlueCatalog` is given, every curated Parquet object written
(``curated/<table>/k=v/.../x.parquet``) registers its table (once, from the object's Arrow schema)
and its partition with awswrangler, so Athena and ``wr.s3.read_parquet_table`` see the data. The sdk
never imports this module.
"""

from __future__ import annotations

import awswrangler as wr
import boto3
import pyarrow as pa
import pyarrow.parquet as pq

from functions.shared.s3_object_store import S3ObjectStore

__all__ = ["GlueCatalog", "S3ObjectStore", "athena_type"]

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
