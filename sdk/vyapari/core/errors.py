"""The error hierarchy. Every error the platform raises on purpose derives from :class:`VyapariError`.

Errors carry a message that names the problem (the argument, the file, the symbol and
timestamp) so the CLI and API can show them as one line without a traceback.
"""

from __future__ import annotations


class VyapariError(Exception):
    """Base class of all deliberate errors."""


class InvalidInput(VyapariError, ValueError):
    """A caller gave a value that cannot be used; ``field`` names the argument."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class ScheduleNotFound(VyapariError, LookupError):
    """No dated schedule (charges, lot size, tick band) covers the requested date."""


class IllegalTransition(VyapariError):
    """An order was asked to move to a status its current status does not allow."""


class DuplicateFill(VyapariError):
    """A fill with an already-applied ``trade_id`` was applied again."""


class DataError(VyapariError):
    """Market data that is malformed, unsorted, duplicated or outside sessions."""


class StrategyError(VyapariError):
    """A strategy raised while processing a bar; names the strategy and the bar."""
