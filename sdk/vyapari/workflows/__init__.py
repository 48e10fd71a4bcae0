"""vyapari.workflows: the domain steps of the Step Functions workflows, free of AWS.

Each Lambda handler under ``functions/`` parses its event and calls one function here:

* :mod:`~vyapari.workflows.events` — dates and keys out of Step Functions, EventBridge and S3 events;
* :mod:`~vyapari.workflows.ingestion` — stage downloads, ingest a staged file, corporate actions,
  minute bars, curated keys of a session;
* :mod:`~vyapari.workflows.plan` — expand a parameter grid × universe into work items;
* :mod:`~vyapari.workflows.items` — run one work item and write it under ``runs/<run_id>/<item_id>/``;
* :mod:`~vyapari.workflows.aggregate` — one table of a run's items ranked by a metric;
* :mod:`~vyapari.workflows.evaluation` — weekly evaluation of a run and its publication;
* :mod:`~vyapari.workflows.asl` — pure helpers of the local runner (placeholders, Map rewrites, history).
"""
