"""Rendering portal pages: the Jinja2 templates, the headers every page gets, error pages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from .. import __version__
from ..report.models import TodoResult
from ..store.sessions import session_for
from .auth import SESSION_COOKIE, Viewer

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                               "frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

MESSAGES = {
    "published": "The assignment is published: students can see it and submit.",
    "unpublished": "The assignment is unpublished: students no longer see it.",
    "saved": "Settings saved.",
    "added": "Assignment added (not published yet: check it, then publish).",
    "uploaded": "The bundle passed validation and was stored (not published yet: read the "
                "validation below, then publish).",
    "course": "Course created.",
    "committed": "The dry run's new scores are applied.",
    "signed_out": "You are signed out.",
    "extension": "Extension granted.",
    "extensions": "The extensions of the CSV are granted.",
    "revoked": "Extension revoked: the assignment's policy applies again.",
    "override": "Override saved: it holds across regrades until released.",
    "released": "Override released: the grader's score counts again.",
    "request": "Regrade request sent: the course staff will answer here.",
    "answered": "Answer sent.",
}


def when(value: datetime | None) -> str:
    """A timestamp as people read it (UTC)."""
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def score(value: float | None, digits: int = 2) -> str:
    """A score without trailing zeros."""
    if value is None:
        return "—"
    return f"{round(value, digits):g}"


def without_mistakes(todo: TodoResult) -> str:
    """A TODO's feedback without its leading "Likely mistake: ..." sentence (the page shows
    named mistakes on their own)."""
    text = todo.feedback
    for m in todo.mistakes:
        prefix = f"Likely mistake: {m.name} ({m.cases} failing check(s) match it). {m.hint} "
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text


templates.env.filters["when"] = when
templates.env.filters["without_mistakes"] = without_mistakes
templates.env.filters["score"] = score
templates.env.globals["version"] = __version__
templates.env.globals["messages"] = MESSAGES


def page(request: Request, name: str, viewer: Viewer | None, status: int = 200,
         **context: Any) -> HTMLResponse:
    """The template ``name`` as a page for ``viewer``."""
    msg = request.query_params.get("msg")
    context.setdefault("notice", MESSAGES.get(msg or ""))
    response = templates.TemplateResponse(request, name, {"viewer": viewer, **context},
                                          status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def viewer_of(request: Request) -> Viewer | None:
    """The signed-in user of ``request``, if any (for pages rendered outside the routes'
    dependencies, such as error pages)."""
    svc = getattr(request.app.state, "services", None)
    if svc is None:
        return None
    with svc.store.read() as s:
        found = session_for(s, request.cookies.get(SESSION_COOKIE))
    return Viewer(user=found[1], session=found[0]) if found else None


def error_page(request: Request, status: int, detail: str, viewer: Viewer | None = None
               ) -> HTMLResponse:
    """An error as a page: what went wrong and what to do."""
    if viewer is None:
        viewer = viewer_of(request)
    titles = {401: "Sign in first", 403: "Not allowed", 404: "Not found", 409: "Not now",
              413: "Too large", 422: "Cannot be used", 429: "Not yet"}
    return page(request, "error.html", viewer, status=status,
                title=titles.get(status, "Something went wrong"), detail=detail)
