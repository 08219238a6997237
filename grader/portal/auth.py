"""Who is looking at a portal page: the session cookie, the signed-in user, CSRF checks.

Signing in exchanges an API token for a session (``store.sessions``) whose random id is kept
in the cookie ``grader_session``: HttpOnly (scripts cannot read it), SameSite=Lax (not sent
with cross-site POSTs), Secure when ``GRADER_COOKIE_SECURE`` is set. Every POST of the portal
carries the session's CSRF token (a hidden form field ``csrf_token``, or the header
``X-CSRF-Token`` for scripts) and is refused without it. The sign-in form itself is protected
by a double-submit cookie (``grader_login_csrf``).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import Response

from ..service.deps import Services, services
from ..store.models import User, WebSession
from ..store.sessions import csrf_ok, session_for

SESSION_COOKIE = "grader_session"
LOGIN_CSRF_COOKIE = "grader_login_csrf"


class SignInRequired(Exception):
    """No live session: pages redirect to the sign-in page, scripts get 401."""

    def __init__(self, next_path: str = "/") -> None:
        super().__init__("sign in first")
        self.next_path = next_path


class CsrfRefused(Exception):
    """A POST without the right CSRF token (403)."""


@dataclass
class Viewer:
    """The signed-in user of a request, with their session's CSRF token."""

    user: User
    session: WebSession

    @property
    def csrf(self) -> str:
        return self.session.csrf


def safe_next(path: str | None) -> str:
    """``path`` if it is a local path of this site (no open redirects), else ``/``."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def login_url(next_path: str) -> str:
    """The sign-in page, coming back to ``next_path`` afterwards."""
    return "/login" if next_path == "/" else f"/login?next={quote(next_path, safe='/')}"


def signed_in(request: Request, svc: Annotated[Services, Depends(services)]) -> Viewer:
    """The signed-in user.

    Raises:
        SignInRequired: no session cookie, or its session ended or expired.
    """
    with svc.store.read() as s:
        found = session_for(s, request.cookies.get(SESSION_COOKIE))
    if found is None:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(here if request.method == "GET" else "/")
    web, user = found
    return Viewer(user=user, session=web)


async def csrf_checked(request: Request, viewer: Annotated[Viewer, Depends(signed_in)]
                       ) -> Viewer:
    """The signed-in user of a POST that carries the session's CSRF token.

    Raises:
        CsrfRefused: the token is missing or wrong.
    """
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not csrf_ok(viewer.session, sent):
        raise CsrfRefused()
    return viewer


def new_login_csrf() -> str:
    """A fresh token for the sign-in form's double-submit cookie."""
    return secrets.token_urlsafe(24)


def login_csrf_ok(request: Request, sent: str | None) -> bool:
    """Whether the sign-in form's token matches its cookie."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    return bool(cookie and sent) and hmac.compare_digest(str(cookie).encode(),
                                                         str(sent).encode())


def set_cookie(response: Response, name: str, value: str, max_age: int, secure: bool,
               samesite: str = "lax") -> None:
    """Set an HttpOnly cookie for the whole site."""
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, secure=secure,
                        samesite=samesite)  # type: ignore[arg-type]


Page = Annotated[Viewer, Depends(signed_in)]
Post = Annotated[Viewer, Depends(csrf_checked)]
