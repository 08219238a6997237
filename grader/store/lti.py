"""LTI 1.3 rows: this tool's signing keys, registered platforms, OIDC login states, LMS
courses (contexts), users and line items, and the outbox of scores to send.

Scores are queued (``queue_score``) in the same transaction as whatever changed them (a
grading recorded, a regrade committed, an override, an extension), so none is lost if the
process dies before sending; the API's sender (``service.lti.passback``) sends them and
retries failures.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .errors import Conflict, Invalid, NotFound
from .models import (
    Assignment,
    LtiContext,
    LtiKey,
    LtiLaunchState,
    LtiLineItem,
    LtiPlatform,
    LtiScorePost,
    LtiUser,
    Submission,
    User,
    utcnow,
)

URL_RE = re.compile(r"^https?://[^\s]+$")


# --- keys ------------------------------------------------------------------------------


def add_key(s: Session, kid: str, private_pem: str) -> LtiKey:
    """Store a new signing key (it signs from now on; older active keys stay published)."""
    key = LtiKey(kid=kid, private_pem=private_pem, active=True, created_at=utcnow())
    s.add(key)
    s.flush()
    return key


def active_keys(s: Session) -> list[LtiKey]:
    """The active keys, newest first (the first one signs)."""
    return list(s.scalars(select(LtiKey).where(LtiKey.active.is_(True))
                          .order_by(LtiKey.id.desc())))


def retire_key(s: Session, kid: str) -> None:
    """Stop publishing and using key ``kid``.

    Raises:
        NotFound: no active key of that id. Conflict: it is the only active key.
    """
    keys = active_keys(s)
    key = next((k for k in keys if k.kid == kid), None)
    if key is None:
        raise NotFound(f"no active tool key {kid!r} (see `grader lti keys list`)")
    if len(keys) == 1:
        raise Conflict("it is the only active tool key; generate a new one first "
                       "(`grader lti keys generate`)")
    key.active = False
    s.flush()


# --- platforms ---------------------------------------------------------------------------


def _url(value: str, what: str) -> str:
    value = value.strip()
    if not URL_RE.match(value):
        raise Invalid(f"{what} must be an http(s) URL; got {value[:200]!r}")
    return value


def add_platform(s: Session, *, name: str, issuer: str, client_id: str, auth_login_url: str,
                 auth_token_url: str, jwks_url: str, deployment_ids: list[str],
                 token_audience: str | None = None) -> LtiPlatform:
    """Register a platform (an LMS) that launches this tool.

    Raises:
        Invalid: a field empty or not a URL. Conflict: the name, or the issuer and client id,
            are registered already.
    """
    name, issuer, client_id = name.strip(), issuer.strip(), client_id.strip()
    if not name or not issuer or not client_id:
        raise Invalid("a platform needs a name, an issuer and a client id")
    urls = {k: _url(v, k) for k, v in (("auth_login_url", auth_login_url),
                                       ("auth_token_url", auth_token_url),
                                       ("jwks_url", jwks_url))}
    deployments = [d.strip() for d in deployment_ids if d.strip()]
    if not deployments:
        raise Invalid("give at least one deployment id (the LMS shows it once the tool is "
                      "installed)")
    if s.scalar(select(LtiPlatform).where(LtiPlatform.name == name)) is not None:
        raise Conflict(f"a platform called {name!r} is registered already")
    if s.scalar(select(LtiPlatform).where(LtiPlatform.issuer == issuer,
                                          LtiPlatform.client_id == client_id)) is not None:
        raise Conflict(f"issuer {issuer} with client id {client_id} is registered already")
    row = LtiPlatform(name=name, issuer=issuer, client_id=client_id,
                      deployment_ids=json.dumps(deployments),
                      token_audience=(token_audience or "").strip() or None, **urls)
    s.add(row)
    s.flush()
    return row


def list_platforms(s: Session) -> list[LtiPlatform]:
    """Every registered platform, by name."""
    return list(s.scalars(select(LtiPlatform).order_by(LtiPlatform.name)))


def get_platform(s: Session, name: str) -> LtiPlatform:
    """The platform registered as ``name``.

    Raises:
        NotFound: none.
    """
    row = s.scalar(select(LtiPlatform).where(LtiPlatform.name == name))
    if row is None:
        raise NotFound(f"no LTI platform called {name!r} (see `grader lti platforms list`)")
    return row


def platforms_of_issuer(s: Session, issuer: str, client_id: str | None = None
                        ) -> list[LtiPlatform]:
    """Registrations of ``issuer`` (of that client id only, if given)."""
    q = select(LtiPlatform).where(LtiPlatform.issuer == issuer)
    if client_id:
        q = q.where(LtiPlatform.client_id == client_id)
    return list(s.scalars(q.order_by(LtiPlatform.id)))


def deployments(platform: LtiPlatform) -> list[str]:
    """The deployment ids registered for ``platform``."""
    return list(json.loads(platform.deployment_ids or "[]"))


# --- OIDC login states ---------------------------------------------------------------------


def state_digest(state: str) -> str:
    """How a state is stored (its SHA-256)."""
    return hashlib.sha256(state.encode("utf-8", "replace")).hexdigest()


def new_state(s: Session, platform: LtiPlatform, target: str, ttl_seconds: float
              ) -> tuple[str, str]:
    """A fresh ``(state, nonce)`` for a login; expired states are purged on the way."""
    now = utcnow()
    s.query(LtiLaunchState).filter(LtiLaunchState.expires_at < now - timedelta(hours=1)) \
        .delete(synchronize_session=False)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    s.add(LtiLaunchState(digest=state_digest(state), nonce=nonce, platform_id=platform.id,
                         target_link_uri=target[:2000], created_at=now,
                         expires_at=now + timedelta(seconds=ttl_seconds)))
    s.flush()
    return state, nonce


def find_state(s: Session, state: str) -> LtiLaunchState | None:
    """The login state ``state``, if it was issued."""
    if not state or len(state) > 200:
        return None
    return s.scalar(select(LtiLaunchState).where(LtiLaunchState.digest == state_digest(state)))


def use_state(s: Session, row: LtiLaunchState) -> bool:
    """Mark a state used; False if it already was (one launch per login, even when two
    requests race)."""
    res = s.execute(update(LtiLaunchState).where(LtiLaunchState.id == row.id,
                                                 LtiLaunchState.used_at.is_(None))
                    .values(used_at=utcnow()))
    return res.rowcount == 1  # type: ignore[attr-defined]


# --- contexts, users, line items -------------------------------------------------------------


def context_of(s: Session, platform: LtiPlatform, context_id: str) -> LtiContext | None:
    """Our course for LMS context ``context_id`` of ``platform``, if linked."""
    return s.scalar(select(LtiContext).where(LtiContext.platform_id == platform.id,
                                             LtiContext.context_id == context_id))


def contexts_of_course(s: Session, course_id: int) -> list[LtiContext]:
    """The LMS courses linked to course ``course_id``."""
    return list(s.scalars(select(LtiContext).where(LtiContext.course_id == course_id)
                          .order_by(LtiContext.id)))


def link_context(s: Session, platform: LtiPlatform, context_id: str, course_id: int,
                 deployment_id: str, title: str) -> LtiContext:
    """Link LMS context ``context_id`` to course ``course_id``.

    Raises:
        Conflict: it is linked to another course already.
    """
    row = context_of(s, platform, context_id)
    if row is not None:
        if row.course_id != course_id:
            raise Conflict(f"LMS course {context_id} of {platform.name} is linked to another "
                           "course already")
        return row
    row = LtiContext(platform_id=platform.id, context_id=context_id, course_id=course_id,
                     deployment_id=deployment_id, title=title[:500])
    s.add(row)
    s.flush()
    return row


def lti_user(s: Session, platform: LtiPlatform, sub: str) -> LtiUser | None:
    """The link of LMS user ``sub`` of ``platform``, if any."""
    return s.scalar(select(LtiUser).where(LtiUser.platform_id == platform.id,
                                          LtiUser.sub == sub))


def lti_users_of(s: Session, user_id: int) -> list[LtiUser]:
    """Every LMS identity of account ``user_id``."""
    return list(s.scalars(select(LtiUser).where(LtiUser.user_id == user_id)))


def line_item(s: Session, context: LtiContext, assignment: Assignment) -> LtiLineItem | None:
    """Where ``assignment`` 's scores go in ``context``, if known."""
    return s.scalar(select(LtiLineItem).where(LtiLineItem.context_id == context.id,
                                              LtiLineItem.assignment_id == assignment.id))


def line_items_of(s: Session, assignment_id: int) -> list[LtiLineItem]:
    """Every line item of an assignment (one per linked LMS course)."""
    return list(s.scalars(select(LtiLineItem).where(LtiLineItem.assignment_id ==
                                                    assignment_id)))


# --- the score outbox -------------------------------------------------------------------------


def queue_score(s: Session, sub: Submission, reason: str = "") -> int:
    """Queue the final score of ``sub`` 's student for every LMS line item of its assignment
    (if ``sub`` is the submission that counts and is graded); returns how many were queued.

    A newer pending post for the same line item and student replaces an older one.
    """
    from .grades import counted_final  # grades -> extensions -> ...; import here

    items = line_items_of(s, sub.assignment_id)
    if not items:
        return 0
    row = s.get(Assignment, sub.assignment_id)
    assert row is not None
    counted, final = counted_final(s, row, sub.user_id)
    if counted is None or counted.id != sub.id or final is None or \
            counted.status != "graded":
        return 0
    queued = 0
    now = utcnow()
    for item in items:
        ctx = s.get(LtiContext, item.context_id)
        assert ctx is not None
        link = s.scalar(select(LtiUser).where(LtiUser.platform_id == ctx.platform_id,
                                              LtiUser.user_id == sub.user_id))
        if link is None:
            continue
        s.execute(update(LtiScorePost).where(LtiScorePost.line_item_id == item.id,
                                             LtiScorePost.lti_user_id == link.id,
                                             LtiScorePost.status == "pending")
                  .values(status="superseded"))
        s.add(LtiScorePost(line_item_id=item.id, lti_user_id=link.id, submission_id=sub.id,
                           score_given=final, score_maximum=sub.max_score or row.max_score,
                           comment=reason[:500], status="pending", created_at=now,
                           next_try_at=now))
        queued += 1
    s.flush()
    return queued


def queue_student(s: Session, row: Assignment, user_id: int, reason: str = "") -> int:
    """Queue the score of a student's counted submission (after an extension changed)."""
    from .grades import counted_submission

    sub = counted_submission(s, row, user_id)
    return queue_score(s, sub, reason) if sub is not None else 0


def due_posts(s: Session, now: datetime, limit: int = 50) -> list[LtiScorePost]:
    """Pending posts whose time has come, oldest first."""
    return list(s.scalars(select(LtiScorePost).where(LtiScorePost.status == "pending",
                                                     LtiScorePost.next_try_at <= now)
                          .order_by(LtiScorePost.id).limit(limit)))


def posts_of(s: Session, assignment_id: int) -> list[tuple[LtiScorePost, LtiUser]]:
    """The latest posts of an assignment's line items (newest first) with their users."""
    rows = s.execute(select(LtiScorePost, LtiUser)
                     .join(LtiUser, LtiUser.id == LtiScorePost.lti_user_id)
                     .join(LtiLineItem, LtiLineItem.id == LtiScorePost.line_item_id)
                     .where(LtiLineItem.assignment_id == assignment_id)
                     .order_by(LtiScorePost.id.desc()).limit(500))
    return [(p, u) for p, u in rows]


def user_of(s: Session, link: LtiUser) -> User:
    """The account of an LMS identity."""
    user = s.get(User, link.user_id)
    assert user is not None
    return user
