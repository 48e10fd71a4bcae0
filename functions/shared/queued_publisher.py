"""The live service's queued publisher, kept importable here: it lives in :mod:`vyapari.api.queued`
(``vyapari live`` uses it locally too)."""

from __future__ import annotations

from vyapari.api.queued import QueuedPublisher

__all__ = ["QueuedPublisher"]
