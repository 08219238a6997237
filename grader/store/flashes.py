"""One-time flashes of the web portal: what a page shows once after a form's POST redirected
to it (post-redirect-get), such as a roster's new tokens. The payload is encrypted with a
key derived from the session's cookie (never stored: the database has its hash only), so
the row alone reveals nothing; reading it deletes it, so a reload shows it no more."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .models import WebFlash, WebSession, in_id_range, utcnow

#: Flashes older than this are never shown (and purged).
MAX_AGE = timedelta(hours=1)


def _fernet(cookie: str) -> Fernet:
    key = hashlib.sha256(b"grader-flash\0" + cookie.encode("utf-8", "replace")).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def put_flash(s: Session, web: WebSession, cookie: str, data: dict[str, Any]) -> int:
    """Keep ``data`` for the next page of session ``web`` (whose cookie is ``cookie``);
    returns its id (for the redirect's URL)."""
    s.execute(delete(WebFlash).where(WebFlash.created_at < utcnow() - MAX_AGE))
    row = WebFlash(session_id=web.id, created_at=utcnow(),
                   payload=_fernet(cookie).encrypt(json.dumps(data).encode()))
    s.add(row)
    s.flush()
    return row.id


def take_flash(s: Session, web: WebSession, cookie: str, flash_id: int
               ) -> dict[str, Any] | None:
    """The flash ``flash_id`` of session ``web``, once (deleted as it is read); None if it
    is not there (already shown, another session's, expired)."""
    if not in_id_range(flash_id):
        return None
    row = s.scalar(select(WebFlash).where(WebFlash.id == flash_id,
                                          WebFlash.session_id == web.id))
    if row is None:
        return None
    s.delete(row)
    s.flush()
    if row.created_at < utcnow() - MAX_AGE:
        return None
    try:
        return json.loads(_fernet(cookie).decrypt(row.payload))
    except InvalidToken:
        return None
