"""vyapari.api: the pure logic behind the REST and WebSocket APIs (no AWS, no web framework).

* :mod:`~vyapari.api.errors` and :mod:`~vyapari.api.roles` — error kinds with HTTP statuses, roles
  (``viewer`` < ``trader`` < ``admin``) from Cognito groups;
* :mod:`~vyapari.api.ports` — the storage, workflow and token ports, with in-memory and local-file
  implementations (AWS ones live in ``functions/shared/api_store.py``);
* :mod:`~vyapari.api.market` (exchanges, assets, bars), :mod:`~vyapari.api.registry` (strategy
  definitions, strategy runs, evaluations), :mod:`~vyapari.api.trading` (orders, positions, trades,
  order intents), :mod:`~vyapari.api.kill_switch` (the live kill switch, in the live service's
  order-state store), :mod:`~vyapari.api.streams` (WebSocket connections, subscriptions, fan-out).

Heavy libraries (pandas, pyarrow) are imported inside the functions that need them, so a Lambda that
imports this package stays light until it reads bars.
"""
