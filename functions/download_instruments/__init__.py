"""Daily instrument snapshot of the broker dumps (scheduled before the pre-open)."""
