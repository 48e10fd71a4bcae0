"""The strategy registry, strategy runs and their evaluations.

Records (in a :class:`~vyapari.api.ports.RecordStore`):

* partition ``strategy``, key = definition name: ``{name, strategy, params, description, created_by,
  created_at}`` — ``strategy`` is a name of :data:`vyapari.strategies.STRATEGIES`, a ``vyapari.strategies``
  entry-point name or ``package.module:ClassName`` (no file path: the workflow's workers cannot read it);
* partition ``run``, key = run id: ``{run_id, strategy_name, exchange, symbols, start, end, interval,
  params?, grid?, fees?, capital_inr?, rank_by?, status, created_by, created_at, client_token?,
  execution_arn?, started_at?}`` (``params`` override the definition's; locally also ``progress``,
  ``error``, ``finished_at``, ``badge``, ``evaluation_key``, ``report_key``: see
  :mod:`vyapari.api.local_runs`);
* partition ``run-start``, key = run id: the first client token that started the run (the claim that
  makes concurrent starts with different tokens lose with 409).

The latest weekly evaluation of a run is the JSON object ``evaluations/<run_id>/latest.json`` in the
lake (:func:`evaluation_key`), written by the workflow's publish step.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from vyapari.api.errors import Conflict, NotFound
from vyapari.api.paging import after_of, encode_token
from vyapari.api.ports import BlobReader, Record, RecordStore, WorkflowStarter
from vyapari.core.errors import InvalidInput
from vyapari.core.time import IST

Clock = Callable[[], datetime]


OPTIONAL_RUN_FIELDS = ("grid", "fees", "capital_inr", "rank_by")
"""Run fields passed to the workflow when set: a parameter ``grid`` makes the run a sweep."""


def now_ist() -> datetime:
    """The current instant in IST."""
    return datetime.now(IST)


def evaluation_key(run_id: str) -> str:
    """Lake key of the latest weekly evaluation of ``run_id``."""
    return f"evaluations/{run_id}/latest.json"


def execution_name(run_id: str, client_token: str) -> str:
    """The Step Functions execution name of a start (≤ 80 characters, allowed characters only)."""
    return f"{run_id}-{hashlib.sha256(client_token.encode()).hexdigest()[:16]}"


def check_params(strategy: str, params: dict[str, Any], *, portable: bool = True) -> None:
    """Build ``strategy`` with ``params`` once; any failure is :class:`InvalidInput` on the field.

    ``portable`` refuses a file path (AWS workers cannot read it); the local API runs on the machine
    that has the file."""
    from vyapari.strategies.loader import check_portable, load_strategy

    if portable:
        check_portable(strategy)  # a reference name, an entry point or package.module:Name; no file path
    try:
        load_strategy(strategy, params, factories=False)  # a Strategy class or instance, no other callable
    except InvalidInput as exc:
        if exc.field == "strategy":  # not importable, or not a strategy: the reference is what failed
            raise
        raise InvalidInput("params", f"not accepted by {strategy}: {exc.reason}") from exc
    except Exception as exc:  # the caller's parameters are what failed, whatever the constructor raised
        raise InvalidInput("params", f"not accepted by {strategy}: {exc}") from exc


def page(store: RecordStore, partition: str, limit: int, token: str | None) -> dict[str, Any]:
    """``{"items": [...], "next_token": ...}`` of one page of ``partition``."""
    result = store.query(partition, limit=limit, after=after_of(token))
    more = encode_token({"after": result.last_key}) if result.last_key else None
    return {"items": result.items, "next_token": more}


class Registry:
    """Strategy definitions and runs over a record store, the workflow starter and the lake.

    ``portable`` (AWS) refuses strategy file paths; the local API accepts ``path/to/file.py:Class``.
    """

    def __init__(self, records: RecordStore, starter: WorkflowStarter, lake: BlobReader | None,
                 clock: Clock = now_ist, new_id: Callable[[], str] | None = None, *,
                 portable: bool = True) -> None:
        self.records = records
        self.starter = starter
        self.lake = lake
        self.clock = clock
        self.new_id = new_id or (lambda: f"run-{uuid.uuid4().hex[:16]}")
        self.portable = portable

    def create_strategy(self, definition: dict[str, Any], by: str) -> Record:
        """Register a definition (``name``, ``strategy``, ``params``, ``description``); 409 if taken."""
        check_params(definition["strategy"], definition.get("params") or {}, portable=self.portable)
        record = {**definition, "params": definition.get("params") or {}, "created_by": by,
                  "created_at": self.clock().isoformat()}
        if not self.records.put("strategy", definition["name"], record, if_absent=True):
            raise Conflict(f"strategy {definition['name']!r} already exists")
        return record

    def strategy(self, name: str) -> Record:
        """A definition by name; :class:`NotFound` when absent."""
        record = self.records.get("strategy", name)
        if record is None:
            raise NotFound(f"strategy {name!r} is not registered")
        return record

    def create_run(self, request: dict[str, Any], by: str) -> Record:
        """A new run of a registered definition, status ``CREATED``."""
        self.strategy(request["strategy_name"])
        if request["end"] < request["start"]:
            raise InvalidInput("end", f"{request['end']} is before start {request['start']}")
        if request.get("fees") is not None:
            from vyapari.costs.spec import fee_model_from_spec

            try:
                fee_model_from_spec(request["fees"])
            except (ValueError, InvalidInput) as exc:
                raise InvalidInput("fees", str(exc)) from None
        run_id = self.new_id()
        record = {**request, "run_id": run_id, "status": "CREATED", "created_by": by,
                  "created_at": self.clock().isoformat()}
        self.records.put("run", run_id, record)
        return record

    def run(self, run_id: str) -> Record:
        """A run by id; :class:`NotFound` when absent."""
        record = self.records.get("run", run_id)
        if record is None:
            raise NotFound(f"strategy run {run_id!r} does not exist")
        return record

    def start_run(self, run_id: str, client_token: str, by: str) -> Record:
        """Start the backtest workflow of a run, idempotently on ``client_token``.

        The same token returns the same execution; another token after a start is :class:`Conflict`.
        """
        run = self.run(run_id)
        self.records.put("run-start", run_id, {"client_token": client_token}, if_absent=True)
        claim = self.records.get("run-start", run_id) or {}
        if claim.get("client_token") != client_token:
            raise Conflict(f"strategy run {run_id!r} was already started with another client token")
        if run.get("execution_arn"):
            return run
        definition = self.strategy(run["strategy_name"])
        payload = {"run_id": run_id, "strategy": definition["strategy"],
                   "params": {**definition["params"], **(run.get("params") or {})},
                   **{k: run[k] for k in ("exchange", "symbols", "start", "end", "interval")},
                   **{k: run[k] for k in OPTIONAL_RUN_FIELDS if run.get(k) is not None}}
        arn = self.starter.start(execution_name(run_id, client_token), payload)
        current = self.records.get("run", run_id) or run  # a local starter may have moved it on already
        if current.get("status") in (None, "CREATED"):
            current["status"] = "STARTED"
        current.update(client_token=client_token, execution_arn=arn, started_by=by,
                       started_at=self.clock().isoformat())
        self.records.put("run", run_id, current)
        return current

    def evaluation(self, run_id: str) -> Record:
        """``{"run_id", "badges", "evaluation"}`` of the latest evaluation; :class:`NotFound` if none."""
        self.run(run_id)
        if self.lake is None:
            raise NotFound(f"no evaluation of strategy run {run_id!r} yet")
        try:
            document = json.loads(self.lake.get(evaluation_key(run_id)))
        except KeyError:
            raise NotFound(f"no evaluation of strategy run {run_id!r} yet") from None
        badges = document.get("badges") if isinstance(document, dict) else None
        badges = badges if isinstance(badges, list) else []
        return {"run_id": run_id, "badges": badges, "evaluation": document}
