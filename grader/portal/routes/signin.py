"""Signing in with an API token, and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...service.deps import Svc
from ...store.sessions import close_session, open_session
from ..auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Post,
    login_csrf_ok,
    new_login_csrf,
    safe_next,
    set_cookie,
)
from ..render import page

router = APIRouter(include_in_schema=False)


def _login_form(request: Request, svc: Svc, next_path: str, status: int = 200,
                error: str | None = None) -> HTMLResponse:
    token = new_login_csrf()
    response = page(request, "login.html", None, status=status, next=next_path,
                    login_csrf=token, error=error)
    set_cookie(response, LOGIN_CSRF_COOKIE, token, 3600, svc.settings.cookie_secure,
               samesite="strict")
    return response


@router.get("/login")
def login_page(request: Request, svc: Svc, next: str | None = None) -> HTMLResponse:
    """The sign-in form."""
    return _login_form(request, svc, safe_next(next))


@router.post("/login")
def login(request: Request, svc: Svc, token: Annotated[str, Form(max_length=200)] = "",
          csrf_token: Annotated[str, Form(max_length=100)] = "",
          next: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    """Exchange an API token for a session cookie."""
    target = safe_next(next)
    if not login_csrf_ok(request, csrf_token):
        return _login_form(request, svc, target, 403, "The sign-in form had expired or did "
                           "not come from this site. Sign in again.")
    with svc.store.write() as s:
        opened = open_session(s, token.strip(), svc.settings.session_hours)
    if opened is None:
        return _login_form(request, svc, target, 401, "That token is not valid: check for a "
                           "typo, or ask your instructor for a new one.")
    cookie, _web = opened
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, SESSION_COOKIE, cookie, int(svc.settings.session_hours * 3600),
               svc.settings.cookie_secure)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, viewer: Post, svc: Svc) -> Response:
    """End the session."""
    with svc.store.write() as s:
        close_session(s, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login?msg=signed_out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True,
                           secure=svc.settings.cookie_secure, samesite="lax")
    return response
