"""The web portal: server-rendered pages over the same app as the API.

Instructors publish assignments and watch the class; students submit and read their feedback
with plots. Pages are Jinja2 templates with SVG drawn on the server; a little JavaScript only
enhances them (live status, drag and drop). Sign-in uses the API tokens, kept as a session in
an HttpOnly cookie; every form is protected against CSRF (``auth``).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from .auth import CsrfRefused, SignInRequired, login_url
from .render import HERE, error_page
from .routes import assignments, course_tools, courses, review, signin, submissions

CSRF_MESSAGE = ("This form was not accepted: it carries no valid CSRF token (it expired, or "
                "it did not come from this site). Reload the page and try again.")


def wants_page(request: Request) -> bool:
    """Whether an error for ``request`` should be a page (portal) rather than JSON (API)."""
    path = request.url.path
    return not (path.startswith("/api/") or path.endswith("/status")
                or path in ("/docs", "/openapi.json"))


def install(app: FastAPI) -> None:
    """Add the portal's pages, static files and error handling to ``app``."""
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for module in (signin, courses, assignments, submissions, review, course_tools):
        app.include_router(module.router)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        if not wants_page(request):
            return JSONResponse({"detail": "sign in first (your session ended)"}, 401)
        return RedirectResponse(login_url(exc.next_path), status_code=303)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        return error_page(request, 403, CSRF_MESSAGE)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """Unknown paths (404), wrong methods (405) and other HTTP errors: a page for the
        portal, ``{"detail": ...}`` for the API (as FastAPI answers)."""
        headers = getattr(exc, "headers", None)
        if not wants_page(request):
            return JSONResponse({"detail": exc.detail}, exc.status_code, headers=headers)
        detail = str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = (f"There is no page at {request.url.path[:200]}. Check the address, or "
                      "start again from your courses.")
        elif exc.status_code == 405:
            detail = (f"{request.url.path[:200]} cannot be opened this way ({request.method}):"
                      " follow a link or use the page's form.")
        page = error_page(request, exc.status_code, detail)
        page.headers.update(headers or {})
        return page
