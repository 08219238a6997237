"""The FastAPI application: ``build_services`` (database, queue) and ``create_app``.

Errors are JSON ``{"detail": "..."}`` with the status of the domain error (``StoreError``),
413 for uploads over a limit, 422 for files that cannot be graded.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__, portal
from ..assignments.bundle import BundleError
from ..assignments.fixtures import FixtureError
from ..assignments.loader import AssignmentError
from ..config import Settings
from ..portal.render import error_page
from ..queue.base import JobQueue
from ..queue.pool import WorkerPool
from ..store.db import Store
from ..store.errors import StoreError, TooMany
from ..submission import SubmissionError, SubmissionTooLarge
from ..telemetry.http import RequestContext
from ..telemetry.metrics import app_registry
from .apidocs import install_docs
from .deps import Services
from .lti import routes as lti_routes
from .lti.passback import PassbackSender
from .problems import document_errors
from .routes import (
    admin,
    assignments,
    audit,
    choices,
    courses,
    exports,
    extensions,
    review,
    similarity,
    submissions,
    system,
)

log = logging.getLogger("grader.service")

DESCRIPTION = """\
Grades deep-learning optimization homework in a sandbox and answers with per-TODO scores and
feedback. Authenticate with `Authorization: Bearer <token>` (tokens come from
`grader users add`, a roster upload or `grader serve --demo`).

Students submit with `POST /api/v1/courses/{course}/assignments/{assignment}/submissions`
(202 + id), then poll `GET /api/v1/submissions/{id}`.
"""


def build_services(settings: Settings, store: Store | None = None) -> Services:
    """Migrate the database and set up the queue (nothing runs until the app starts).

    Raises:
        SandboxError: no sandbox can run here (the message says what to install).
        ConfigError: ``GRADER_QUEUE=celery`` with settings that cannot work.
    """
    store = store or Store(settings)
    store.migrate()
    queue: JobQueue
    if settings.queue == "celery":  # grading happens in `grader worker` processes
        from ..queue.celery_queue import CeleryQueue

        queue = CeleryQueue(store, settings)
    else:
        queue = WorkerPool(store, settings)
    return Services(settings=settings, store=store, queue=queue, runner=queue.runner)


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413, before or while reading them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit_kb = self.max_bytes >> 10
        message = (f"the request body is larger than the limit of {limit_kb} KB "
                   "(GRADER_MAX_REQUEST_KB)")
        for key, value in scope.get("headers", []):
            if key == b"content-length":
                try:
                    too_big = int(value) > self.max_bytes
                except ValueError:
                    too_big = False
                if too_big:
                    await JSONResponse({"detail": message}, 413)(scope, receive, send)
                    return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge(message)
            return msg

        async def watch(msg: Message) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, counted, watch)
        except _TooLarge as exc:
            if not started:
                await JSONResponse({"detail": str(exc)}, 413)(scope, receive, send)


class _TooLarge(HTTPException):
    """Raised while reading a body past the limit (an HTTPException, so that FastAPI's body
    parsing passes it on instead of calling the body malformed)."""

    def __init__(self, message: str) -> None:
        super().__init__(413, message)

    def __str__(self) -> str:
        return str(self.detail)


def create_app(services: Services) -> FastAPI:
    """The app over ``services``; its lifespan starts and stops the queue."""

    sender = PassbackSender(services.store, services.settings)  # LTI scores to the LMS

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services.queue.start()
        sender.start()
        try:
            yield
        finally:
            sender.stop()
            services.queue.stop()

    app = FastAPI(title="dl-autograder", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None)
    install_docs(app)  # /docs and /redoc, with their scripts served from here (offline)
    app.state.services = services
    app.state.lti_sender = sender

    def problem(request: Request, status: int, detail: str,
                headers: dict[str, str] | None = None) -> Response:
        if portal.wants_page(request):  # the portal's pages answer with a page
            page = error_page(request, status, detail)
            page.headers.update(headers or {})
            return page
        return JSONResponse({"detail": detail}, status, headers=headers)

    @app.exception_handler(StoreError)
    async def _store_error(request: Request, exc: StoreError) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if isinstance(exc, TooMany):
            headers = {"Retry-After": str(exc.retry_after_seconds)}
        return problem(request, exc.status, exc.message, headers)

    @app.exception_handler(SubmissionError)
    async def _submission_error(request: Request, exc: SubmissionError) -> Response:
        status = 413 if isinstance(exc, SubmissionTooLarge) else 422
        return problem(request, status, str(exc))

    @app.exception_handler(AssignmentError)
    @app.exception_handler(FixtureError)
    async def _assignment_error(request: Request, exc: Exception) -> Response:
        return problem(request, 409, f"the assignment cannot be used right now: {exc}")

    @app.exception_handler(BundleError)
    async def _bundle_error(request: Request, exc: BundleError) -> Response:
        return problem(request, 422, str(exc))

    registry, http_metrics = app_registry(services.store, services.queue, services.settings)

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        """Prometheus text format: this app's queue and HTTP figures, then this process's
        (sandbox start times with the embedded pool, Python's own)."""
        token = services.settings.metrics_token
        if token and not hmac.compare_digest(request.headers.get("authorization", ""),
                                             f"Bearer {token}"):
            return JSONResponse({"detail": "/metrics needs 'Authorization: Bearer <the "
                                           "GRADER_METRICS_TOKEN>'"}, 401,
                                headers={"WWW-Authenticate": "Bearer"})
        body = generate_latest(registry) + generate_latest(REGISTRY)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    for module in (system, courses, assignments, submissions, admin, extensions, review,
                   audit, exports, similarity, choices):
        app.include_router(module.router)
    app.include_router(lti_routes.router)
    portal.install(app)
    document_errors(app)
    app.add_middleware(BodyLimit, max_bytes=services.settings.max_request_kb << 10)
    app.add_middleware(RequestContext, metrics=http_metrics)
    return app

