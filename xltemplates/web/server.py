"""The HTTP server under the web desk: uvicorn with bounds a desk reachable without a proxy needs.

uvicorn's defaults trust the client: no deadline for a request's head (a thousand half-sent requests hold a
thousand sockets for good), no bound on a header line with httptools (a 300 MiB line grew the server by
500 MiB), and no bound on connections. Here:

- HEADER_TIMEOUT: a connection must send a complete request head within this many seconds of opening, or
  of its previous response; else it is closed (the pure-Python h11 parser, with the deadline added below);
- MAX_HEADER_BYTES: a request head larger than this is refused (h11's incomplete-event bound: 400);
- max_connections: above it a new connection is closed at once, and requests beyond it get 503 (uvicorn's
  limit_concurrency), so sockets and memory stay bounded whatever a client opens;
- KEEP_ALIVE: an idle kept-alive connection is closed after this many seconds.

Behind a proxy (docs/web-desk.md) the proxy bounds these first; the desk keeps its own all the same.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT = 10.0
MAX_HEADER_BYTES = 64 * 1024
MAX_CONNECTIONS = 1000
KEEP_ALIVE = 5


class BoundedH11(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request head and a bound on open connections."""

    header_timeout = HEADER_TIMEOUT
    max_connections = MAX_CONNECTIONS

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        if len(self.connections) > self.max_connections:
            transport.close()
            return
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        """Start the deadline for the next request head (a new request replaces `self.cycle`)."""
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_late, self.cycle)

    def _head_late(self, cycle: Any) -> None:
        if self.cycle is cycle and not self.transport.is_closing():  # no request head since the deadline began
            self.transport.close()


def server_config(app: Any, host: str, port: int, behind_proxy: bool = False,
                  max_connections: int = MAX_CONNECTIONS) -> uvicorn.Config:
    """uvicorn's configuration for the desk, with the bounds above."""
    protocol = type("DeskH11", (BoundedH11,), {"max_connections": max_connections})
    return uvicorn.Config(app, host=host, port=port, http=protocol, proxy_headers=behind_proxy,
                          forwarded_allow_ips="127.0.0.1", server_header=False, log_level="warning",
                          h11_max_incomplete_event_size=MAX_HEADER_BYTES, limit_concurrency=max_connections,
                          timeout_keep_alive=KEEP_ALIVE)
