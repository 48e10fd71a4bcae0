"""The broker login's anti-forgery states in DynamoDB (the ``login-state`` table, TTL on ``expires_at``).

One item per issued state: ``pk`` = ``login-state``, ``sk`` = the state's SHA-256 (the state itself is
never stored), ``broker``, ``expires_at`` (epoch seconds, also the table's TTL attribute) and, once
used, ``used_at``. :meth:`DynamoLoginStates.consume` marks the item used with a conditional update,
so two callbacks racing with one state cannot both pass. Semantics: :mod:`vyapari.brokers.login_state`.
"""

from __future__ import annotations

from typing import Any

from vyapari.brokers.login_state import STATE_TTL_S, LoginStateRejected, judge, new_state, state_key

PARTITION = "login-state"


class DynamoLoginStates:
    """:class:`~vyapari.brokers.login_state.LoginStates` on a table keyed ``pk`` (S) / ``sk`` (S)."""

    def __init__(self, table_name: str, *, client: Any = None) -> None:
        self.table_name, self._client = table_name, client

    @property
    def client(self) -> Any:
        """The DynamoDB client, made on first use (not at the function's cold start)."""
        if self._client is None:
            import boto3

            self._client = boto3.client("dynamodb")
        return self._client

    def _key(self, state: str) -> dict[str, Any]:
        return {"pk": {"S": PARTITION}, "sk": {"S": state_key(state)}}

    def issue(self, broker: str, now: float, ttl_s: int = STATE_TTL_S) -> str:
        """Store and return a new state for ``broker`` (``expires_at`` = ``now + ttl_s``)."""
        state = new_state()
        self.client.put_item(TableName=self.table_name, Item={
            **self._key(state), "broker": {"S": broker}, "expires_at": {"N": str(int(now + ttl_s))},
        }, ConditionExpression="attribute_not_exists(pk)")
        return state

    def consume(self, broker: str, state: str | None, now: float) -> None:
        """Mark ``state`` used and accept it, else :class:`LoginStateRejected` naming why."""
        if not state:
            raise LoginStateRejected(broker, "missing")
        from botocore.exceptions import ClientError

        try:
            old = self.client.update_item(
                TableName=self.table_name, Key=self._key(state),
                UpdateExpression="SET used_at = :now",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(used_at)",
                ExpressionAttributeValues={":now": {"N": str(now)}}, ReturnValues="ALL_OLD",
            )["Attributes"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
            item = self.client.get_item(TableName=self.table_name, Key=self._key(state),
                                        ConsistentRead=True).get("Item")
            raise LoginStateRejected(broker, "used" if item else "unknown") from None
        record = {"broker": old.get("broker", {}).get("S"), "expires_at": float(old["expires_at"]["N"]),
                  "used_at": None}
        reason = judge(broker, record, now)
        if reason is not None:
            raise LoginStateRejected(broker, reason)
