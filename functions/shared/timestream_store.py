"""Amazon Timestream for LiveAnalytics implementation of the sdk's ``TickStore`` port (opt-in).

Timestream for LiveAnalytics has been closed to new AWS accounts since 2025-06-20 (existing accounts
keep it), so this adapter is opt-in; the default tick store is
:class:`vyapari.data.tickstore.ParquetTickStore`. The sdk never imports this module.

Record model (one multi-measure record per tick):

* dimensions: ``exchange`` (``NSE``, ``BSE``, …) and ``symbol`` (e.g. ``RELIANCE``), as common attributes
  of each ``WriteRecords`` call;
* measure name ``tick`` (``MULTI``) with measures ``price`` (``DOUBLE``, ₹) and ``quantity``
  (``BIGINT``, shares);
* time: the tick's instant as epoch **milliseconds** (UTC), ``TimeUnit=MILLISECONDS`` by default.

Timestream keys a record by (dimensions, time, measure name): two ticks of one symbol in the same
millisecond would collide, so :meth:`TimestreamTickStore.write_ticks` rejects them (aggregate them
first, or pass ``time_unit="MICROSECONDS"``/``"NANOSECONDS"``). Re-writing identical ticks is
harmless (Timestream ignores an identical record); unlike the Parquet store, sessions are not
replaced. Reads use ``timestream-query``; moto accepts the query but returns no rows, so tests check
the request and parse a canned response only.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import boto3
import numpy as np
import pandas as pd
from botocore.exceptions import ClientError

from vyapari.core.errors import DataError
from vyapari.core.time import IST

BATCH_SIZE = 100  # the WriteRecords limit
MEASURE_NAME = "tick"
_UNITS = {"MILLISECONDS": 10**6, "MICROSECONDS": 10**3, "NANOSECONDS": 1}  # ns per unit


def _empty_ticks() -> pd.DataFrame:
    return pd.DataFrame({"ts": pd.Series([], dtype="datetime64[ns, Asia/Kolkata]"),
                         "price": pd.Series([], dtype=np.float64), "qty": pd.Series([], dtype=np.int64)})


def _quote(value: str) -> str:
    """A SQL string literal (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def tick_arrays(exchange: str, symbol: str, ticks: pd.DataFrame, ns_per_unit: int) -> tuple[np.ndarray, ...]:
    """``(time in units, price ₹, quantity)`` arrays of valid ticks; :class:`DataError` on bad input."""
    where = f"{exchange}:{symbol} ticks"
    if not exchange or not symbol:
        raise DataError(f"{where}: exchange and symbol are required")
    missing = {"ts", "price", "qty"} - set(ticks.columns)
    if missing:
        raise DataError(f"{where}: missing columns {sorted(missing)}")
    if not isinstance(ticks["ts"].dtype, pd.DatetimeTZDtype):
        raise DataError(f"{where}: ts must be tz-aware")
    stamps = ticks["ts"].dt.tz_convert("UTC").astype("datetime64[ns, UTC]").array.asi8 // ns_per_unit
    price = pd.to_numeric(ticks["price"], errors="coerce").to_numpy(dtype=np.float64)
    qty = pd.to_numeric(ticks["qty"], errors="coerce").to_numpy(dtype=np.float64)
    if not (np.isfinite(price) & (price > 0)).all():
        raise DataError(f"{where}: every price must be a positive number of rupees")
    if not (np.isfinite(qty) & (qty >= 0) & (qty == np.round(qty))).all():
        raise DataError(f"{where}: every qty must be a whole number of shares >= 0")
    if len(np.unique(stamps)) != len(stamps):
        raise DataError(f"{where}: several ticks share one timestamp at this time unit; aggregate them first")
    return stamps, price, qty.astype(np.int64)


def to_records(stamps: np.ndarray, price: np.ndarray, qty: np.ndarray) -> list[dict[str, Any]]:
    """Multi-measure Timestream records (``price`` DOUBLE ₹, ``quantity`` BIGINT shares)."""
    return [{"Time": str(int(t)), "MeasureValues": [
        {"Name": "price", "Value": repr(float(p)), "Type": "DOUBLE"},
        {"Name": "quantity", "Value": str(int(q)), "Type": "BIGINT"}]}
        for t, p, q in zip(stamps, price, qty, strict=True)]


class TimestreamTickStore:
    """A ``TickStore`` on a Timestream for LiveAnalytics table (see the module notes).

    Parameters
    ----------
    database, table : str
        Existing Timestream database and table.
    session : boto3.Session, optional
        Used to create the ``timestream-write``/``timestream-query`` clients not passed explicitly.
    write_client, query_client : optional
        Ready boto3 clients (tests, or clients with an explicit endpoint).
    time_unit : str
        ``MILLISECONDS`` (default), ``MICROSECONDS`` or ``NANOSECONDS``.
    """

    def __init__(self, database: str, table: str, *, session: boto3.Session | None = None,
                 write_client: Any = None, query_client: Any = None, time_unit: str = "MILLISECONDS") -> None:
        if time_unit not in _UNITS:
            raise ValueError(f"time_unit must be one of {sorted(_UNITS)}, not {time_unit!r}")
        self.database, self.table, self.time_unit = database, table, time_unit
        self._session = session or boto3.Session()
        self._write = write_client
        self._query = query_client

    @property
    def write_client(self) -> Any:
        """The ``timestream-write`` client (created on first use)."""
        if self._write is None:
            self._write = self._session.client("timestream-write")
        return self._write

    @property
    def query_client(self) -> Any:
        """The ``timestream-query`` client (created on first use)."""
        if self._query is None:
            self._query = self._session.client("timestream-query")
        return self._query

    def write_ticks(self, exchange: str, symbol: str, ticks: pd.DataFrame) -> int:
        """Write ``ticks`` (``ts`` tz-aware, ``price`` ₹, ``qty`` shares) in batches of 100.

        Returns the number of records Timestream reports as ingested; raises :class:`DataError` on
        invalid ticks or records rejected by Timestream (earlier batches stay written).
        """
        records = to_records(*tick_arrays(exchange, symbol, ticks, _UNITS[self.time_unit]))
        dimensions = [{"Name": "exchange", "Value": exchange}, {"Name": "symbol", "Value": symbol}]
        common = {"Dimensions": dimensions,
                  "MeasureName": MEASURE_NAME, "MeasureValueType": "MULTI", "TimeUnit": self.time_unit}
        written = 0
        for start in range(0, len(records), BATCH_SIZE):
            try:
                response = self.write_client.write_records(
                    DatabaseName=self.database, TableName=self.table, CommonAttributes=common,
                    Records=records[start:start + BATCH_SIZE])
            except ClientError as exc:
                rejected = exc.response.get("RejectedRecords", [])
                reasons = "; ".join(f"record {start + r.get('RecordIndex', 0)}: {r.get('Reason')}"
                                    for r in rejected[:3])
                raise DataError(f"{exchange}:{symbol}: Timestream rejected the write "
                                f"({exc.response.get('Error', {}).get('Code')}) {reasons}".rstrip()) from exc
            written += int(response.get("RecordsIngested", {}).get("Total", 0))
        return written

    def query_string(self, exchange: str, symbol: str, start: date, end: date) -> str:
        """The SQL of :meth:`read_ticks`: ticks of IST sessions ``start..end`` (inclusive), by time."""
        begin = datetime.combine(start, time(), IST)
        stop = datetime.combine(end + timedelta(days=1), time(), IST)
        return (f'SELECT time, price, quantity FROM "{self.database}"."{self.table}" '
                f"WHERE measure_name = {_quote(MEASURE_NAME)} AND exchange = {_quote(exchange)} "
                f"AND symbol = {_quote(symbol)} "
                f"AND time >= from_iso8601_timestamp({_quote(begin.isoformat())}) "
                f"AND time < from_iso8601_timestamp({_quote(stop.isoformat())}) ORDER BY time")

    def read_ticks(self, exchange: str, symbol: str, start: date, end: date) -> pd.DataFrame:
        """Ticks of IST sessions ``start..end``: ``ts`` (IST), ``price`` (₹), ``qty`` (shares), by ``ts``."""
        rows: list[tuple[str, str, str]] = []
        paginator = self.query_client.get_paginator("query")
        for page in paginator.paginate(QueryString=self.query_string(exchange, symbol, start, end)):
            for row in page.get("Rows", []):
                cells = [d.get("ScalarValue") for d in row["Data"]]
                rows.append((cells[0], cells[1], cells[2]))
        if not rows:
            return _empty_ticks()
        ts = pd.to_datetime([r[0] for r in rows], utc=True).tz_convert(IST)
        return pd.DataFrame({"ts": ts.astype("datetime64[ns, Asia/Kolkata]"),
                             "price": np.array([r[1] for r in rows], dtype=np.float64),
                             "qty": np.array([r[2] for r in rows], dtype=np.int64)})
