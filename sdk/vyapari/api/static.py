"""The dashboard's static files for the local gateway: ``/``, ``/index.html``, ``/assets/...`` and
``/config.json``, public (the API calls need the token), with content types and security headers.

* Files come from the ``vyapari.dashboard`` package's ``static/`` folder; ``/assets/plotly.min.js``
  is the bundle shipped by the plotly package (read once, kept in memory).
* ``/config.json`` is the app's runtime configuration: ``{"auth": "local", "api_url": "", "ws_url": ...,
  "dev_role": ...}`` (``dev_role`` is set only under ``--insecure-dev-role``).
* Every answer carries a Content-Security-Policy without inline scripts (styles may be inline: plotly
  sets them), ``nosniff``, no referrer, and refuses to be framed.
"""

from __future__ import annotations

import json
import mimetypes
import pkgutil
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

ASSET = re.compile(r"/assets/([A-Za-z0-9_-][A-Za-z0-9_.-]{0,100})")
PLOTLY = "plotly.min.js"
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".html": "text/html; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml",
         ".png": "image/png", ".ico": "image/x-icon"}


@dataclass(frozen=True)
class StaticFile:
    """One answer: the bytes, their content type and the headers to send."""

    data: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...]


def csp(ws_url: str | None = None) -> str:
    """The dashboard's Content-Security-Policy; ``ws_url``'s origin is allowed for ``connect-src``."""
    connect = "'self'"
    if ws_url:
        parts = urlsplit(ws_url)
        if parts.scheme in ("ws", "wss") and parts.netloc:
            connect += f" {parts.scheme}://{parts.netloc}"
    return ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob:; font-src 'self' data:; "
            f"connect-src {connect}; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
            "form-action 'self'; object-src 'none'")


def security_headers(ws_url: str | None = None) -> tuple[tuple[str, str], ...]:
    """Headers of every static answer."""
    return (("Content-Security-Policy", csp(ws_url)), ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"), ("X-Frame-Options", "DENY"),
            ("Cross-Origin-Opener-Policy", "same-origin"))


@cache
def _package_file(name: str) -> bytes | None:
    if name == PLOTLY:
        return pkgutil.get_data("plotly", "package_data/plotly.min.js")
    item = resources.files("vyapari.dashboard").joinpath("static", *name.split("/"))
    return item.read_bytes() if item.is_file() else None


def _content_type(name: str) -> str:
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    return TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def config_json(ws_url: str | None, dev_role: str | None) -> bytes:
    """The local gateway's ``/config.json``."""
    return json.dumps({"auth": "local", "api_url": "", "ws_url": ws_url, "dev_role": dev_role}).encode()


def static_file(path: str, *, ws_url: str | None = None, dev_role: str | None = None) -> StaticFile | None:
    """The answer to ``GET path`` when it names a file of the app, else ``None``."""
    headers = security_headers(ws_url)
    if path == "/config.json":
        return StaticFile(config_json(ws_url, dev_role), "application/json",
                          (*headers, ("Cache-Control", "no-store")))
    if path in ("/", "/index.html"):
        name = "index.html"
    elif match := ASSET.fullmatch(path):
        name = "assets/" + match.group(1) if match.group(1) != PLOTLY else PLOTLY
    else:
        return None
    data = _package_file(name)
    if data is None:
        return None
    cache = "no-cache" if name == "index.html" else "public, max-age=300"
    return StaticFile(data, _content_type(name), (*headers, ("Cache-Control", cache)))
