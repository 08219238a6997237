"""The claims of an LTI 1.3 launch that the tool reads, and how LMS roles map to ours."""

from __future__ import annotations

import re
from typing import Any

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = LTI + "message_type"
VERSION = LTI + "version"
DEPLOYMENT_ID = LTI + "deployment_id"
TARGET_LINK_URI = LTI + "target_link_uri"
RESOURCE_LINK = LTI + "resource_link"
CONTEXT = LTI + "context"
ROLES = LTI + "roles"
CUSTOM = LTI + "custom"
LIS = LTI + "lis"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"

SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"

INSTRUCTOR_ROLES = ("Instructor", "ContentDeveloper", "Administrator")


def course_role(roles: list[str]) -> str | None:
    """Our course role for the LMS ``roles`` of a context: ``instructor`` (Instructor,
    ContentDeveloper, Administrator of the course), ``ta`` (TeachingAssistant, also
    written ``Instructor#TeachingAssistant``), ``student`` (Learner, Mentor), else None."""
    short = set()
    for r in roles or []:
        if not isinstance(r, str):
            continue
        if "/membership/" in r and "#" in r:  # a sub-role: .../membership/Instructor#TA
            short.add(r.rsplit("#", 1)[1])
        elif "/membership#" in r or "#" not in r:
            short.add(r.rsplit("#", 1)[-1].rsplit("/", 1)[-1])
    if "TeachingAssistant" in short:
        return "ta"
    if short & set(INSTRUCTOR_ROLES):
        return "instructor"
    if short & {"Learner", "Mentor", "Member"}:
        return "student"
    return None


NAME_OK = re.compile(r"[^A-Za-z0-9_.@+-]")


def base_name(claims: dict[str, Any]) -> str:
    """A readable user name for an LMS user: their login id or email if the LMS sent one,
    else ``lti-`` and their LMS id (made to fit our name rule)."""
    custom = claims.get(CUSTOM) or {}
    for value in (custom.get("login_id"), custom.get("canvas_user_login_id"),
                  claims.get("preferred_username"), claims.get("email")):
        if isinstance(value, str) and value.strip():
            cleaned = NAME_OK.sub("-", value.strip()).lstrip("-_.@+")[:56]
            if cleaned:
                return cleaned
    return ("lti-" + NAME_OK.sub("-", str(claims.get("sub", "user"))))[:56]


def profile(claims: dict[str, Any]) -> dict[str, str]:
    """What we keep of an LMS user's profile (names, email, SIS id, LMS ids)."""
    custom = claims.get(CUSTOM) or {}
    lis = claims.get(LIS) or {}
    given, family = claims.get("given_name") or "", claims.get("family_name") or ""
    sortable = f"{family}, {given}" if family and given else (claims.get("name") or "")
    return {
        "display_name": str(claims.get("name") or f"{given} {family}".strip())[:300],
        "sortable_name": str(sortable)[:300],
        "email": str(claims.get("email") or "")[:300],
        "sis_id": str(lis.get("person_sourcedid") or custom.get("sis_user_id") or "")[:255],
        "lms_user_id": str(custom.get("canvas_user_id") or custom.get("user_id") or "")[:255],
        "login_id": str(custom.get("canvas_user_login_id") or custom.get("login_id") or "")
        [:255],
    }


def slug_of(label: str) -> str:
    """A course slug from an LMS course's label or title."""
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:48]
    return slug or "lms-course"
