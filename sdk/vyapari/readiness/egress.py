"""Probe the public (egress) IP address through a configurable "what is my IP" URL.

The URL must answer with the caller's IP as plain text (e.g. ``https://checkip.amazonaws.com``).
The probe is a plain HTTPS GET with a timeout, made once per readiness run and never retried.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable

DEFAULT_EGRESS_URL = "https://checkip.amazonaws.com"


def egress_ip_from_url(url: str = DEFAULT_EGRESS_URL, timeout_s: float = 5.0) -> Callable[[], str]:
    """A fetcher returning the egress IP as text; it raises ``OSError`` when the probe fails."""
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"egress IP URL must be http(s), got {url!r}")

    def fetch() -> str:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return response.read(64).decode("ascii", errors="replace").strip()

    return fetch
