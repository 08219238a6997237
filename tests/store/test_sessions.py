"""Portal sessions in a real SQLite file: stored hashed, expiring, ended at sign-out or when
their token goes, each with its own CSRF token."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from grader.config import Settings
from grader.store.db import Store
from grader.store.models import Token, WebSession, utcnow
from grader.store.sessions import close_session, csrf_ok, open_session, session_for
from grader.store.users import create_user, issue_token


def _store(tmp_path) -> Store:
    store = Store(Settings(data_dir=tmp_path))
    store.migrate()
    return store


def test_session_lifecycle(tmp_path):
    store = _store(tmp_path)
    with store.write() as s:
        token = issue_token(s, create_user(s, "ann", "student"))
    with store.write() as s:
        assert open_session(s, "gr_wrong", 1) is None
        assert open_session(s, "", 1) is None
        cookie, web = open_session(s, token, 1)
        other, web2 = open_session(s, token, 1)
    assert cookie != other and web.csrf != web2.csrf
    with store.read() as s:
        found = session_for(s, cookie)
        assert found is not None and found[1].name == "ann"
        stored = list(s.scalars(select(WebSession.digest)))
        assert cookie not in stored and token not in stored  # only hashes are kept
        assert session_for(s, "nope") is None and session_for(s, None) is None
    assert csrf_ok(found[0], found[0].csrf)
    assert not csrf_ok(found[0], web2.csrf) and not csrf_ok(found[0], None)
    with store.write() as s:
        close_session(s, cookie)
    with store.read() as s:
        assert session_for(s, cookie) is None and session_for(s, other) is not None


def test_expired_sessions_open_nothing_and_are_purged(tmp_path):
    store = _store(tmp_path)
    with store.write() as s:
        token = issue_token(s, create_user(s, "ben", "student"))
        cookie, web = open_session(s, token, 1)
        web.expires_at = utcnow() - timedelta(seconds=1)
    with store.read() as s:
        assert session_for(s, cookie) is None
    with store.write() as s:
        open_session(s, token, 1)  # purges the expired one
    with store.read() as s:
        assert len(list(s.scalars(select(WebSession)))) == 1


def test_deleting_the_token_ends_its_sessions(tmp_path):
    store = _store(tmp_path)
    with store.write() as s:
        token = issue_token(s, create_user(s, "cat", "student"))
        cookie, _ = open_session(s, token, 1)
    with store.write() as s:
        s.delete(s.scalar(select(Token)))
    with store.read() as s:
        assert session_for(s, cookie) is None
        assert list(s.scalars(select(WebSession))) == []
