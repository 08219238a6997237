"""Roster sync from the LMS (Names and Role Provisioning Services): every active member of
each LMS course linked to one of ours gets an account (linked to their LMS identity) and is
enrolled with their LMS role. Members the LMS lists as inactive or deleted are reported, not
removed (their submissions stay)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...config import Settings
from ...store import audit
from ...store import lti as lti_rows
from ...store.db import Store
from ...store.errors import Conflict
from ...store.models import Course, LtiContext, LtiPlatform, User, utcnow
from ...store.users import enrol, membership
from . import claims as C
from .client import PlatformClient
from .launch import link_user


@dataclass
class SyncReport:
    """What a roster sync did."""

    members: int = 0
    enrolled: int = 0
    created: int = 0
    updated_roles: int = 0
    inactive: list[str] = field(default_factory=list)


def sync_course(store: Store, settings: Settings, course: Course, actor: User | None
                ) -> SyncReport:
    """Sync the roster of ``course`` from every LMS course linked to it.

    Raises:
        Conflict: the course is not linked to an LMS course with a roster service.
        PlatformError: the LMS refused or could not be reached (nothing changed).
    """
    with store.read() as s:
        contexts = [c for c in lti_rows.contexts_of_course(s, course.id) if c.memberships_url]
        targets = [(c.id, c.memberships_url, s.get(LtiPlatform, c.platform_id))
                   for c in contexts]
    if not targets:
        raise Conflict(f"course {course.slug} is not linked to an LMS course with a roster "
                       "service: launch the tool from the LMS course first (as its instructor)")
    fetched = [(cid, platform, PlatformClient(store, platform, settings.lti_http_seconds)
                .members(url)) for cid, url, platform in targets]
    report = SyncReport()
    with store.write() as s:
        for cid, platform, members in fetched:
            for m in members:
                sub = str(m.get("user_id") or "")
                if not sub:
                    continue
                report.members += 1
                role = C.course_role(m.get("roles") or [])
                status = m.get("status", "Active")
                if status != "Active" or role is None:
                    report.inactive.append(str(m.get("name") or sub))
                    continue
                created = lti_rows.lti_user(s, platform, sub) is None
                data = {"name": m.get("name"), "given_name": m.get("given_name"),
                        "family_name": m.get("family_name"), "email": m.get("email"),
                        C.LIS: {"person_sourcedid": m.get("lis_person_sourcedid")},
                        C.CUSTOM: {"login_id": m.get("login_id") or ""}}
                user = link_user(s, platform, sub, data, role)
                current = membership(s, course, user)
                if current is None:
                    report.enrolled += 1
                elif current.role != role:
                    report.updated_roles += 1
                if current is None or current.role != role:
                    enrol(s, course, user, role)
                report.created += created
            ctx = s.get(LtiContext, cid)
            if ctx is not None:
                ctx.synced_at = utcnow()
        audit.record(s, course.id, "lti.roster_sync", actor, members=report.members,
                     enrolled=report.enrolled, created=report.created,
                     updated_roles=report.updated_roles, inactive=report.inactive)
    return report
