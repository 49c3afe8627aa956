"""What keeps the dashboard safe to expose: security headers, cache keys, slow-client timeouts.

From the reliability audit (#20.7): no response carried a Content-Security-Policy,
``X-Content-Type-Options``, ``frame-ancestors`` or ``Referrer-Policy``; the response cache was
keyed on the raw query string (400 requests with junk parameters took the server from 554 MB
to 1.3 GB); 500 sockets sending half a request header were held open for ever; and
``--host 0.0.0.0`` was taken without a word.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode

#: The site loads its own scripts and styles only. Plotly sets inline ``style`` attributes
#: (so ``style-src 'unsafe-inline'``), draws into data:/blob: images and starts its map's web
#: worker from a blob: URL; data for the figures sits in ``<script type="application/json">``
#: blocks, which are never executed. No inline event handlers (app.js adds the listeners).
CSP = (
    "default-src 'self'; script-src 'self'; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),  # frame-ancestors for browsers that predate CSP 2
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeaders:
    """ASGI middleware: the security headers on every HTTP response (pages, API, static files, errors)."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.app = app

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message):  # type: ignore[no-untyped-def]
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in have]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)


def normal_query(query: str, known: frozenset[str]) -> str:
    """The query string the response depends on: known parameters only, sorted, ``lang`` dropped.

    ``lang`` is part of the cache key on its own (with the cookie); an unknown parameter
    changes no answer, so ``?x=1`` and ``?junk=2`` share one cache entry with the bare URL.
    """
    if not query:
        return ""
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k in known and k != "lang"]
    return urlencode(sorted(pairs))


def known_parameters(routes: Iterable[object]) -> frozenset[str]:
    """Every query parameter any route declares (FastAPI's dependant of each ``APIRoute``)."""
    names: set[str] = set()
    for route in routes:
        dependant = getattr(route, "dependant", None)
        for param in getattr(dependant, "query_params", ()) or ():
            names.add(getattr(param, "alias", None) or param.name)
    return frozenset(names)


def cache_budget_bytes() -> int:
    """Bytes the response cache may hold: ``BENCHLEARN_CACHE_MB`` (default 128 MB)."""
    try:
        mb = float(os.environ.get("BENCHLEARN_CACHE_MB", "128"))
    except ValueError:
        mb = 128.0
    return int(max(mb, 1.0) * 1024 * 1024)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``; a name or wildcard address is not loopback."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


#: seconds a client may take to send the request line and headers (slowloris)
HEADER_TIMEOUT = 10.0
#: connections served at once; past it new ones get 503 instead of memory
MAX_CONNECTIONS = 2000


def http_protocol():  # type: ignore[no-untyped-def]
    """Uvicorn's httptools protocol with a header timeout, or ``"auto"`` where it is absent.

    Why by hand: uvicorn closes idle keep-alive connections (``timeout_keep_alive``) but has
    no limit on the time a client takes to send its headers, so a slow client holds a socket
    open indefinitely. The timer starts when a connection opens or a new request begins and
    stops when the headers are complete; when it fires the connection is closed.
    """
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol  # httptools is a dependency

    class HeaderTimeoutProtocol(HttpToolsProtocol):  # type: ignore[misc, valid-type]
        _header_timer = None

        def _start_header_timer(self) -> None:
            self._stop_header_timer()
            self._header_timer = self.loop.call_later(HEADER_TIMEOUT, self._header_timeout)

        def _stop_header_timer(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _header_timeout(self) -> None:
            self._header_timer = None
            if self.transport is not None and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport):  # type: ignore[no-untyped-def]
            super().connection_made(transport)
            self._start_header_timer()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if self._header_timer is None:
                self._start_header_timer()

        def on_headers_complete(self) -> None:
            self._stop_header_timer()
            super().on_headers_complete()

        def connection_lost(self, exc):  # type: ignore[no-untyped-def]
            self._stop_header_timer()
            super().connection_lost(exc)

    return HeaderTimeoutProtocol
