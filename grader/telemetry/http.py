"""Every HTTP request gets an id (the client's ``X-Request-ID`` if sane, else a new one),
bound to its logs and returned in the response's ``X-Request-ID``; it is counted and timed,
and logged once it is answered (at INFO, except successful reads, at DEBUG)."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .logs import log_context, request_id_from
from .metrics import HttpMetrics

log = logging.getLogger("grader.http")

#: Paths polled by machines: never logged (still counted).
QUIET = ("/metrics", "/api/v1/health")


class RequestContext:
    """ASGI middleware: request id, logs and metrics of each HTTP request."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = next((v.decode("latin-1") for k, v in scope.get("headers", [])
                       if k == b"x-request-id"), None)
        rid = request_id_from(header)
        status = 500
        t0 = time.monotonic()

        async def answer(msg: Message) -> None:
            nonlocal status
            if msg["type"] == "http.response.start":
                status = msg["status"]
                msg["headers"] = list(msg.get("headers", [])) + [(b"x-request-id",
                                                                  rid.encode())]
            await send(msg)

        with log_context(request_id=rid):
            try:
                await self.app(scope, receive, answer)
            finally:
                seconds = time.monotonic() - t0
                route = getattr(scope.get("route"), "path", None) or "unmatched"
                method = scope.get("method", "?")
                self.metrics.observe(method, route, status, seconds)
                path = scope.get("path", "")
                if path not in QUIET:
                    level = logging.DEBUG if method == "GET" and status < 400 else logging.INFO
                    log.log(level, "%s %s %d", method, path, status,
                            extra={"method": method, "path": path, "route": route,
                                   "status": status, "seconds": round(seconds, 4)})
