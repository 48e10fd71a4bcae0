"""Foundations shared by every layer: money, time, ids and errors."""
