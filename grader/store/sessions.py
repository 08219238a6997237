"""Web portal sessions: signing in with an API token opens a session whose random id lives in
an HttpOnly cookie; only its SHA-256 is stored (as for tokens). Each session has its own CSRF
secret; it ends at sign-out, at expiry, or when its token is deleted (cascade).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .models import Token, User, WebSession, utcnow
from .users import caller_of, hash_token


def _digest(cookie: str) -> str:
    return hashlib.sha256(cookie.encode("utf-8", "replace")).hexdigest()


def open_session(s: Session, token: str, hours: float) -> tuple[str, WebSession] | None:
    """A new session for the owner of API ``token``: ``(cookie value, row)``; None if the
    token is not valid. Expired sessions are purged on the way."""
    if not token or len(token) > 200:
        return None
    row = s.scalar(select(Token).where(Token.digest == hash_token(token)))
    if row is None:
        return None
    return open_session_with(s, row, hours)


def open_session_with(s: Session, row: Token, hours: float) -> tuple[str, WebSession]:
    """A new session for the owner of token ``row`` (an LTI launch signs in this way, with
    a token of the user's that is never shown): ``(cookie value, row)``."""
    now = utcnow()
    s.execute(delete(WebSession).where(WebSession.expires_at < now))
    cookie = secrets.token_urlsafe(32)
    web = WebSession(digest=_digest(cookie), user_id=row.user_id, token_id=row.id,
                     csrf=secrets.token_urlsafe(32), created_at=now,
                     expires_at=now + timedelta(hours=hours))
    s.add(web)
    s.flush()
    return cookie, web


def session_for(s: Session, cookie: str | None) -> tuple[WebSession, User] | None:
    """The live session of ``cookie`` and its user (None: none, or expired)."""
    if not cookie or len(cookie) > 200:
        return None
    web = s.scalar(select(WebSession).where(WebSession.digest == _digest(cookie)))
    if web is None or web.expires_at <= utcnow():
        return None
    token = s.get(Token, web.token_id)
    if token is None:  # deleted tokens end their sessions (a cascade), but be sure
        return None
    return web, caller_of(s, token)


def close_session(s: Session, cookie: str | None) -> None:
    """End the session of ``cookie`` (nothing if there is none)."""
    if cookie:
        s.execute(delete(WebSession).where(WebSession.digest == _digest(cookie)))


def csrf_ok(web: WebSession, sent: str | None) -> bool:
    """Whether ``sent`` is the session's CSRF token (constant-time comparison)."""
    return bool(sent) and hmac.compare_digest(web.csrf.encode(), str(sent).encode())
