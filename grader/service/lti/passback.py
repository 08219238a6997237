"""Sending queued scores to the LMS (the outbox ``lti_score_posts``), from a thread of the
API process.

A post is claimed (``pending`` -> ``sending``, a conditional update, so two API processes never
send the same one), sent to its line item (found or created through AGS when the launch gave
only the line items URL), and marked ``sent``; a failure is retried with backoff (10 s, 20 s,
40 s, ...) until ``lti_passback_max_attempts``, then marked ``failed`` with the platform's
answer (in the audit trail and the instructor's passback list). A post left ``sending`` by
a process that died is taken back after a while. Sending the same score twice is harmless
(AGS keeps the latest).
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import timedelta

from sqlalchemy import update

from ...config import Settings
from ...store import audit
from ...store import lti as lti_rows
from ...store.db import Store
from ...store.models import (
    Assignment,
    LtiContext,
    LtiLineItem,
    LtiPlatform,
    LtiScorePost,
    LtiUser,
    utcnow,
)
from .claims import SCOPE_LINEITEM, SCOPE_SCORE
from .client import PlatformClient, PlatformError

log = logging.getLogger("grader.lti")


def _lineitem_url(store: Store, settings: Settings, platform: LtiPlatform,
                  item: LtiLineItem, row: Assignment) -> str:
    if item.lineitem_url:
        return item.lineitem_url
    scopes = json.loads(item.scopes or "[]")
    if not item.lineitems_url or SCOPE_LINEITEM not in scopes:
        raise PlatformError("the LMS gave no line item for this assignment and does not let "
                            "the tool create one (make the LMS link a graded assignment)")
    url = PlatformClient(store, platform, settings.lti_http_seconds).find_or_create_line_item(
        item.lineitems_url, item.resource_link_id, row.title, row.max_score,
        f"grader:{row.slug}")
    with store.write() as s:
        s.execute(update(LtiLineItem).where(LtiLineItem.id == item.id)
                  .values(lineitem_url=url))
    return url


def send_one(store: Store, settings: Settings, post_id: int) -> bool:
    """Send post ``post_id`` if it is still to be sent; True if it was sent now."""
    with store.write() as s:
        res = s.execute(update(LtiScorePost).where(LtiScorePost.id == post_id,
                                                   LtiScorePost.status == "pending")
                        .values(status="sending", next_try_at=utcnow()))
        if res.rowcount != 1:  # type: ignore[attr-defined]
            return False
        post = s.get(LtiScorePost, post_id)
        assert post is not None
        item = s.get(LtiLineItem, post.line_item_id)
        link = s.get(LtiUser, post.lti_user_id)
        assert item is not None and link is not None
        ctx = s.get(LtiContext, item.context_id)
        assert ctx is not None
        platform = s.get(LtiPlatform, ctx.platform_id)
        row = s.get(Assignment, item.assignment_id)
        assert platform is not None and row is not None
        scopes = json.loads(item.scopes or "[]")
    try:
        if scopes and SCOPE_SCORE not in scopes:
            raise PlatformError("the LMS did not grant this tool the AGS score scope for this "
                                "assignment; enable 'Can create and update submission "
                                "results' (Canvas) or grade sync (Moodle) for the tool")
        url = _lineitem_url(store, settings, platform, item, row)
        PlatformClient(store, platform, settings.lti_http_seconds).post_score(
            url, link.sub, post.score_given, post.score_maximum, post.comment)
    except PlatformError as exc:
        _failed(store, settings, post_id, str(exc))
        return False
    with store.write() as s:
        s.execute(update(LtiScorePost).where(LtiScorePost.id == post_id)
                  .values(status="sent", sent_at=utcnow(), attempts=LtiScorePost.attempts + 1,
                          last_error=""))
    return True


def _failed(store: Store, settings: Settings, post_id: int, why: str) -> None:
    with store.write() as s:
        post = s.get(LtiScorePost, post_id)
        assert post is not None
        post.attempts += 1
        post.last_error = why[:2000]
        if post.attempts >= settings.lti_passback_max_attempts:
            post.status = "failed"
            item = s.get(LtiLineItem, post.line_item_id)
            row = s.get(Assignment, item.assignment_id) if item else None
            link = s.get(LtiUser, post.lti_user_id)
            if row is not None:
                audit.record(s, row.course_id, "lti.score_failed", None,
                             assignment_id=row.id, subject_id=link.user_id if link else None,
                             submission_id=post.submission_id, error=why[:2000],
                             attempts=post.attempts, score=post.score_given)
        else:
            post.status = "pending"
            post.next_try_at = utcnow() + timedelta(seconds=10 * 2 ** (post.attempts - 1))
    log.warning("LMS score post %d failed (attempt): %s", post_id, why)


def send_due(store: Store, settings: Settings) -> int:
    """Send every post whose time has come; returns how many were sent."""
    stale = utcnow() - timedelta(seconds=settings.lti_http_seconds * 6 + 60)
    with store.write() as s:
        s.execute(update(LtiScorePost).where(LtiScorePost.status == "sending",
                                             LtiScorePost.next_try_at < stale)
                  .values(status="pending"))
        due = [p.id for p in lti_rows.due_posts(s, utcnow())]
    return sum(send_one(store, settings, pid) for pid in due)


class PassbackSender:
    """A thread sending due posts every ``lti_passback_poll_seconds`` (``notify`` wakes it)."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store, self.settings = store, settings
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True, name="lti-passback")
        self._thread.start()

    def notify(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(self.settings.lti_http_seconds + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                send_due(self.store, self.settings)
            except Exception:  # noqa: BLE001 - a DB hiccup: try again at the next tick
                log.warning("LMS score passback failed", exc_info=True)
            self._wake.wait(self.settings.lti_passback_poll_seconds)
            self._wake.clear()
