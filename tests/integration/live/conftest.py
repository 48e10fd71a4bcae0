"""Fixtures shared by the live integration tests (a recorded day, an uninterrupted run)."""

from tests.integration.live.test_crash_safety import day, uninterrupted

__all__ = ["day", "uninterrupted"]
