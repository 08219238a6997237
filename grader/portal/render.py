"""Rendering portal pages: the Jinja2 templates, the headers every page gets, error pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from .. import __version__
from ..report.models import CheckResult, TodoResult
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
    "chosen": "Your active submission is changed: it is the one that counts now.",
    "enrolled": "Roster enrolled.",
    "removed": "The student is removed from the course (their submissions are kept).",
    "token_reset": "A new token was made; the student's old course tokens no longer work.",
}


def when(value: datetime | None) -> str:
    """A timestamp as people read it (UTC)."""
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"


def remaining(value: datetime | None, now: datetime | None = None) -> str:
    """Time left until ``value`` ("2 days 3 h left"), or how long ago it passed."""
    if value is None:
        return ""
    seconds = (value - (now or datetime.now(UTC))).total_seconds()
    if seconds >= 0:
        return f"{_span(seconds)} left"
    return f"passed {_span(-seconds)} ago"


def local_time(value: datetime | None) -> Markup:
    """A ``<time>`` element: UTC as text (the page's script shows it in the viewer's time
    zone)."""
    if value is None:
        return Markup("—")
    iso = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Markup('<time datetime="{}" data-local>{}</time>').format(iso, when(value))


def score(value: float | None, digits: int = 2) -> str:
    """A score without trailing zeros."""
    if value is None:
        return "—"
    return f"{round(value, digits):g}"


def _mistake_sentences(todo: TodoResult) -> list[re.Pattern[str]]:
    """What a TODO's feedback says of each named mistake: the "Likely mistake ...: <name>.
    <hint>" sentence and, per check, "looks like <name>." (the page says both once, on
    its own)."""
    out = []
    for m in todo.mistakes:
        name, hint = re.escape(m.name), re.escape(m.hint)
        out.append(re.compile(rf"Likely mistake.*?:\s*{name}\.\s*{hint}\s*"))
        out.append(re.compile(rf"looks like {name}\.\s*"))
    return out


def without_mistakes(todo: TodoResult) -> str:
    """A TODO's feedback without what it says of its named mistakes (the page shows named
    mistakes on their own, once)."""
    text = todo.feedback
    for pattern in _mistake_sentences(todo):
        text = pattern.sub("", text)
    return text.strip()


def check_lead(todo: TodoResult, check: CheckResult) -> str:
    """A failing check's feedback without what the page says elsewhere: its TODO's named
    mistake and the messages of its wrong outputs (listed under it)."""
    text = check.feedback or ""
    for pattern in _mistake_sentences(todo):
        text = pattern.sub("", text)
    found = [text.find(o.message) for o in check.outputs if not o.ok and o.message]
    found = [i for i in found if i >= 0]
    if found:
        text = text[:min(found)]
    return text.strip().rstrip(";").strip()


def passed_line(todo: TodoResult) -> str:
    """What a passed TODO's summary says: how many checks passed."""
    n = len([c for c in todo.checks if c.status == "passed"])
    return f"all {n} check{'s' if n != 1 else ''} passed" if n else "passed"


templates.env.filters["when"] = when
templates.env.filters["remaining"] = remaining
templates.env.filters["local_time"] = local_time
templates.env.filters["without_mistakes"] = without_mistakes
templates.env.filters["score"] = score
templates.env.filters["passed_line"] = passed_line
templates.env.globals["check_lead"] = check_lead
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
    titles = {401: "Sign in first", 403: "Not allowed", 404: "Not found",
              405: "Not this way", 409: "Not now",
              413: "Too large", 422: "Cannot be used", 429: "Not yet"}
    return page(request, "error.html", viewer, status=status,
                title=titles.get(status, "Something went wrong"), detail=detail)
