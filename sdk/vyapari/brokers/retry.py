"""Retry policy: how many attempts and how long to wait between them.

Which errors are retried is decided by the error type (:mod:`vyapari.brokers.errors`:
``retryable``) and by the operation (a new order after an ``outcome_unknown`` error is
retried only after the order book shows it was not placed; see
:meth:`vyapari.brokers.base.BrokerAdapter.submit`).
"""

from __future__ import annotations

from dataclasses import dataclass

from vyapari.core.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff: attempt ``k`` (1-based) waits ``min(max_delay_s, base_delay_s × factor^(k-1))``.

    Attributes
    ----------
    max_attempts : int
        Total attempts including the first (≥ 1).
    base_delay_s, max_delay_s : float
        Seconds.
    factor : float
        Growth per attempt (≥ 1).
    """

    max_attempts: int = 4
    base_delay_s: float = 0.25
    max_delay_s: float = 4.0
    factor: float = 2.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise InvalidInput("max_attempts", f"must be >= 1, got {self.max_attempts}")
        if self.base_delay_s < 0 or self.max_delay_s < 0 or self.factor < 1:
            raise InvalidInput("retry", "delays must be >= 0 and factor >= 1")

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return min(self.max_delay_s, self.base_delay_s * self.factor ** max(attempt - 1, 0))


NO_RETRY = RetryPolicy(max_attempts=1)
"""One attempt, never retried."""
