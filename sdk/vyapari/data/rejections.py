"""Machine-readable reasons why a file or a row of market data was not accepted."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from vyapari.core.errors import DataError


class RejectReason(StrEnum):
    """Why a whole file was rejected (quarantined; nothing from it reaches ``curated/``)."""

    EMPTY_FILE = "empty_file"
    NOT_UTF8 = "not_utf8"
    BAD_ZIP = "bad_zip"
    ZIP_MEMBER_COUNT = "zip_member_count"
    TOO_LARGE = "too_large"
    UNKNOWN_HEADER = "unknown_header"
    TRUNCATED = "truncated"
    MALFORMED_CSV = "malformed_csv"
    NO_ROWS = "no_rows"
    NO_DATE = "no_date"
    MIXED_DATES = "mixed_dates"
    DATE_MISMATCH = "date_mismatch"
    NOT_A_SESSION = "not_a_session"
    FUTURE_DATE = "future_date"
    FEWER_ROWS = "fewer_rows"
    BAD_ROWS = "bad_rows"
    TOO_MANY_BAD_ROWS = "too_many_bad_rows"


class RowProblem(StrEnum):
    """Why a single row is unusable (a warning: drop and record it, or reject the file, by policy)."""

    NON_NUMERIC = "non_numeric"
    MISSING_VALUE = "missing_value"
    NON_POSITIVE_PRICE = "non_positive_price"
    OHLC_INCONSISTENT = "ohlc_inconsistent"
    NEGATIVE_VOLUME = "negative_volume"
    DUPLICATE_ROW = "duplicate_row"
    CONFLICTING_DUPLICATE = "conflicting_duplicate"
    BAD_DATE = "bad_date"
    NON_FINITE = "non_finite"
    OUT_OF_RANGE = "out_of_range"
    BAD_SYMBOL = "bad_symbol"


class RejectionError(DataError):
    """A file-level problem: the file is kept in ``raw/`` and recorded in ``quarantine/``."""

    def __init__(self, reason: RejectReason, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(f"{reason.value}: {message}")
        self.reason = reason
        self.message = message
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form ``{"reason", "message", "details"}``."""
        return {"reason": self.reason.value, "message": self.message, "details": self.details}


@dataclass(frozen=True)
class RowIssue:
    """One unusable row: its line number in the file (header = line 1), key and the problem."""

    line: int
    symbol: str
    series: str
    problem: RowProblem
    detail: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out = asdict(self)
        out["problem"] = self.problem.value
        return out


@dataclass
class RowIssues:
    """An accumulator of :class:`RowIssue` keyed by line (first problem of a line wins)."""

    by_line: dict[int, RowIssue] = field(default_factory=dict)

    def add(self, issue: RowIssue) -> None:
        """Record ``issue`` unless its line already has one."""
        self.by_line.setdefault(issue.line, issue)

    def lines(self) -> set[int]:
        """Line numbers with a problem."""
        return set(self.by_line)

    def sorted(self) -> list[RowIssue]:
        """Issues in line order."""
        return [self.by_line[k] for k in sorted(self.by_line)]
