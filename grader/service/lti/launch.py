"""OIDC login initiation and the LTI 1.3 launch.

Login (``/lti/login``, GET or POST from the platform): the issuer must be registered; a
fresh state and nonce are stored (``lti_launch_states``), the state is also set as a cookie
in this browser, and the browser goes to the platform's authorization endpoint.

Launch (``/lti/launch``, the platform's form POST of ``id_token`` and ``state``): refused,
each with its own message, when the state is missing, not this browser's, unknown, expired or
used; when the id_token is not a JWT, not RS256, from another issuer, signed by a key the
platform does not publish, forged (bad signature), for another client (audience), expired,
not valid yet, missing a required claim, or carrying another nonce; when it is not a
resource-link launch of LTI 1.3.0 from a registered deployment. Then the LMS course maps to
our course (created by an instructor's first launch), the LMS user to an account enrolled with
their LMS role, the AGS line item and NRPS roster URL are kept, and a portal session opens.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...config import Settings
from ...store import lti as lti_rows
from ...store.assignments import find_assignment
from ...store.courses import create_course, find_course
from ...store.errors import Forbidden, Invalid, StoreError
from ...store.models import (
    Assignment,
    Course,
    LtiContext,
    LtiLineItem,
    LtiPlatform,
    LtiUser,
    Token,
    User,
    utcnow,
)
from ...store.sessions import open_session_with
from ...store.users import create_user, enrol, hash_token, membership
from . import claims as C

STATE_COOKIE = "grader_lti_state"


class LoginInvalid(StoreError):
    """A login initiation that cannot start (400)."""

    status = 400


class LaunchRefused(StoreError):
    """A launch whose state or id_token is not acceptable (401); the message says why."""

    status = 401

    def __init__(self, reason: str) -> None:
        super().__init__(f"LTI launch refused: {reason}")
        self.reason = reason


def base_url(settings: Settings) -> str:
    """This tool's public URL (no trailing slash)."""
    return (settings.lti_base_url or f"http://{settings.host}:{settings.port}").rstrip("/")


def urls(settings: Settings) -> dict[str, str]:
    """The URLs to enter in the LMS."""
    root = base_url(settings)
    return {"login_url": f"{root}/lti/login", "launch_url": f"{root}/lti/launch",
            "jwks_url": f"{root}/lti/jwks.json"}


# --- login initiation ----------------------------------------------------------------------


def start_login(s: Session, settings: Settings, params: dict[str, str]) -> tuple[str, str]:
    """``(authorization URL to redirect to, state for the cookie)`` for a login initiation.

    Raises:
        LoginInvalid: a required parameter missing, an unknown issuer (or client id), an
            ambiguous issuer without client id, a target that is not this tool's.
    """
    for key in ("iss", "login_hint", "target_link_uri"):
        if not params.get(key):
            raise LoginInvalid(f"the LMS's login request has no {key} parameter; launch the "
                               "tool from the LMS again (or check its LTI registration)")
    iss, client_id = params["iss"], params.get("client_id") or None
    found = lti_rows.platforms_of_issuer(s, iss, client_id)
    if not found:
        which = f"issuer {iss}" + (f" with client id {client_id}" if client_id else "")
        raise LoginInvalid(f"{which} is not registered with this tool; an administrator "
                           "must add it (`grader lti platforms add`, see the README)")
    if len(found) > 1:
        raise LoginInvalid(f"issuer {iss} is registered with several client ids and the "
                           "login request names none; configure the LMS to send client_id")
    platform = found[0]
    deployment = params.get("lti_deployment_id")
    if deployment and deployment not in lti_rows.deployments(platform):
        raise LoginInvalid(f"deployment {deployment} is not registered for platform "
                           f"{platform.name}; add it to the platform's registration")
    root = base_url(settings)
    target = params["target_link_uri"]
    if not (target == root or target.startswith(root + "/")):
        raise LoginInvalid(f"target_link_uri {target[:200]} is not a page of this tool "
                           f"({root}); fix the tool's URL in the LMS")
    state, nonce = lti_rows.new_state(s, platform, target, settings.lti_state_seconds)
    query = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
             "prompt": "none", "client_id": platform.client_id,
             "redirect_uri": urls(settings)["launch_url"], "login_hint": params["login_hint"],
             "state": state, "nonce": nonce}
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    sep = "&" if "?" in platform.auth_login_url else "?"
    return f"{platform.auth_login_url}{sep}{urlencode(query)}", state


# --- the id_token ----------------------------------------------------------------------------

_JWKS: dict[str, jwt.PyJWKClient] = {}
_JWKS_LOCK = threading.Lock()


def _jwks_client(url: str, timeout: float) -> jwt.PyJWKClient:
    with _JWKS_LOCK:
        client = _JWKS.get(url)
        if client is None:
            client = jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=timeout,
                                     cooldown_duration=0)
            _JWKS[url] = client
        return client


def _when(ts: Any) -> str:
    try:
        return datetime.fromtimestamp(float(ts), UTC).isoformat(timespec="seconds")
    except (TypeError, ValueError, OverflowError):
        return repr(ts)


def verify_id_token(token: str, platform: LtiPlatform, nonce: str, settings: Settings
                    ) -> dict[str, Any]:
    """The claims of ``token`` once verified for ``platform`` and the login's ``nonce``.

    Raises:
        LaunchRefused: with the first reason it is not acceptable.
    """
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.DecodeError as exc:
        raise LaunchRefused(f"the id_token is not a JWT ({exc})") from None
    if header.get("alg") != "RS256":
        raise LaunchRefused(f"the id_token is signed with {header.get('alg')!r}; LTI 1.3 "
                            "requires RS256")
    if unverified.get("iss") != platform.issuer:
        raise LaunchRefused(f"the id_token's issuer {unverified.get('iss')!r} is not the "
                            f"platform this login was started for ({platform.issuer})")
    kid = header.get("kid")
    try:
        key = _jwks_client(platform.jwks_url, settings.lti_http_seconds) \
            .get_signing_key_from_jwt(token)
    except jwt.PyJWKClientConnectionError as exc:
        raise LaunchRefused(f"the platform's public keys could not be fetched from "
                            f"{platform.jwks_url} ({exc})") from None
    except jwt.PyJWKClientError:
        raise LaunchRefused(f"the id_token's key id {kid!r} is not among the keys the "
                            f"platform publishes at {platform.jwks_url} (a forged token, or "
                            "a key the platform does not use)") from None
    try:
        payload = jwt.decode(token, key, algorithms=["RS256"], audience=platform.client_id,
                             issuer=platform.issuer, leeway=settings.lti_leeway_seconds,
                             options={"require": ["exp", "iat", "iss", "aud", "sub",
                                                  "nonce"]})
    except jwt.InvalidSignatureError:
        raise LaunchRefused(f"the id_token's signature does not verify with the platform's "
                            f"key {kid!r}: it was not signed by {platform.issuer} (forged or "
                            "altered)") from None
    except jwt.ExpiredSignatureError:
        raise LaunchRefused(f"the id_token expired at {_when(unverified.get('exp'))} (now "
                            f"{_when(utcnow().timestamp())}); launch the tool from the LMS "
                            "again (or check the clocks)") from None
    except jwt.InvalidAudienceError:
        raise LaunchRefused(f"the id_token is meant for {unverified.get('aud')!r}, not this "
                            f"tool's client id {platform.client_id!r}") from None
    except jwt.ImmatureSignatureError:
        raise LaunchRefused(f"the id_token is not valid yet (issued at "
                            f"{_when(unverified.get('iat'))}, now "
                            f"{_when(utcnow().timestamp())}); check the clocks") from None
    except jwt.MissingRequiredClaimError as exc:
        raise LaunchRefused(f"the id_token has no {exc.claim!r} claim") from None
    except jwt.InvalidTokenError as exc:
        raise LaunchRefused(f"the id_token is not valid ({exc})") from None
    aud = payload.get("aud")
    if isinstance(aud, list) and len(aud) > 1 and payload.get("azp") != platform.client_id:
        raise LaunchRefused(f"the id_token has several audiences and its azp "
                            f"{payload.get('azp')!r} is not this tool's client id")
    if payload.get("nonce") != nonce:
        raise LaunchRefused("the id_token's nonce is not the one of this login (a replayed "
                            "or swapped token); launch the tool from the LMS again")
    if payload.get(C.MESSAGE_TYPE) != "LtiResourceLinkRequest":
        raise LaunchRefused(f"this tool takes resource link launches only; got message type "
                            f"{payload.get(C.MESSAGE_TYPE)!r}")
    if payload.get(C.VERSION) != "1.3.0":
        raise LaunchRefused(f"the launch is LTI version {payload.get(C.VERSION)!r}; this tool "
                            "speaks 1.3.0")
    deployment = payload.get(C.DEPLOYMENT_ID)
    if deployment not in lti_rows.deployments(platform):
        raise LaunchRefused(f"deployment {deployment!r} is not registered for platform "
                            f"{platform.name}; add it to the platform's registration")
    if not (payload.get(C.CONTEXT) or {}).get("id"):
        raise LaunchRefused("the launch has no context (LMS course); add the tool to a "
                            "course, not to the whole LMS")
    if not (payload.get(C.RESOURCE_LINK) or {}).get("id"):
        raise LaunchRefused("the launch has no resource link id")
    return payload


# --- the launch ------------------------------------------------------------------------------


@dataclass
class Launch:
    """A verified launch: who, where, and where to go."""

    user: User
    course: Course
    role: str
    assignment: Assignment | None
    cookie: str
    target: str


def _state(s: Session, state: str | None, cookie: str | None):  # noqa: ANN202
    if not state:
        raise LaunchRefused("the launch has no state parameter; launch the tool from the LMS "
                            "again")
    if not cookie or cookie != state:
        raise LaunchRefused("the state is not the one of the login started in this browser "
                            "(the launch was started elsewhere, or this browser blocks the "
                            "tool's cookies: open the tool in a new window)")
    row = lti_rows.find_state(s, state)
    if row is None:
        raise LaunchRefused("the state is unknown: this login was not started by this tool "
                            "(or long ago); launch the tool from the LMS again")
    if row.used_at is not None:
        raise LaunchRefused("this login was already used for a launch; launch the tool from "
                            "the LMS again")
    if row.expires_at <= utcnow():
        raise LaunchRefused("the login expired: the launch came more than "
                            f"{int((row.expires_at - row.created_at).total_seconds())} s "
                            "after it; launch the tool from the LMS again")
    return row


def _unique_name(s: Session, base: str) -> str:
    name, n = base, 1
    while s.scalar(select(User.id).where(User.name == name)) is not None:
        n += 1
        name = f"{base[:60]}-{n}"
    return name


def link_user(s: Session, platform: LtiPlatform, sub: str, data: dict[str, Any], role: str
              ) -> User:
    """The account of LMS user ``sub`` (created at their first launch or roster sync; never
    an existing account of the same name, which the LMS could not vouch for), with the
    profile refreshed."""
    link = lti_rows.lti_user(s, platform, sub)
    if link is None:
        user = create_user(s, _unique_name(s, C.base_name({**data, "sub": sub})),
                           "instructor" if role == "instructor" else "student")
        link = LtiUser(platform_id=platform.id, sub=sub, user_id=user.id)
        s.add(link)
    else:
        user = lti_rows.user_of(s, link)
    for key, value in C.profile(data).items():
        if value:
            setattr(link, key, value)
    if role == "instructor" and user.role == "student":
        user.role = "instructor"
    s.flush()
    return user


def _course(s: Session, platform: LtiPlatform, claims: dict[str, Any], role: str
            ) -> LtiContext:
    ctx_claim = claims[C.CONTEXT]
    ctx = lti_rows.context_of(s, platform, str(ctx_claim["id"]))
    if ctx is not None:
        return ctx
    if role != "instructor":
        raise Forbidden("this LMS course is not set up in the grader yet: its instructor must "
                        "open the tool from the LMS first")
    label = str(ctx_claim.get("label") or ctx_claim.get("title") or "lms-course")
    slug, n = C.slug_of(label), 1
    base = slug
    while find_course(s, slug) is not None:
        n += 1
        slug = f"{base}-{n}"
    course = create_course(s, slug, str(ctx_claim.get("title") or label), None)
    return lti_rows.link_context(s, platform, str(ctx_claim["id"]), course.id,
                                 str(claims.get(C.DEPLOYMENT_ID) or ""),
                                 str(ctx_claim.get("title") or label))


def _assignment_slug(claims: dict[str, Any]) -> str | None:
    custom = claims.get(C.CUSTOM) or {}
    slug = custom.get("assignment")
    if not slug:
        target = claims.get(C.TARGET_LINK_URI) or ""
        slug = (parse_qs(urlparse(target).query).get("assignment") or [None])[0]
    return str(slug) if slug else None


def _line_item(s: Session, ctx: LtiContext, row: Assignment, claims: dict[str, Any]) -> None:
    ags = claims.get(C.AGS) or {}
    if not ags:
        return
    item = lti_rows.line_item(s, ctx, row)
    if item is None:
        item = LtiLineItem(context_id=ctx.id, assignment_id=row.id)
        s.add(item)
    custom = claims.get(C.CUSTOM) or {}
    item.resource_link_id = str((claims.get(C.RESOURCE_LINK) or {}).get("id") or "")
    item.lineitem_url = ags.get("lineitem") or item.lineitem_url
    item.lineitems_url = ags.get("lineitems") or item.lineitems_url
    item.scopes = json.dumps(list(ags.get("scope") or []))
    lms_id = custom.get("canvas_assignment_id") or custom.get("lms_assignment_id")
    if lms_id and not str(lms_id).startswith("$"):
        item.lms_assignment_id = str(lms_id)
    s.flush()


def complete_launch(s: Session, settings: Settings, id_token: str | None, state: str | None,
                    cookie: str | None) -> Launch:
    """Verify a launch and sign its user in (see the module's docstring).

    Raises:
        LaunchRefused: the state or the id_token is not acceptable (the reason says which).
        Forbidden: a student launching from an LMS course no instructor has opened yet; an
            LMS role that gives no access.
    """
    row = _state(s, state, cookie)
    if not id_token:
        raise LaunchRefused("the launch has no id_token; launch the tool from the LMS again")
    platform = s.get(LtiPlatform, row.platform_id)
    assert platform is not None
    payload = verify_id_token(id_token, platform, row.nonce, settings)
    if not lti_rows.use_state(s, row):
        raise LaunchRefused("this login was already used for a launch; launch the tool from "
                            "the LMS again")
    role = C.course_role(payload.get(C.ROLES) or [])
    if role is None:
        raise Forbidden("your role in this LMS course gives no access to the grader (roles: "
                        f"{', '.join(payload.get(C.ROLES) or []) or 'none'})")
    ctx = _course(s, platform, payload, role)
    nrps = (payload.get(C.NRPS) or {}).get("context_memberships_url")
    if nrps:
        ctx.memberships_url = nrps
    course = s.get(Course, ctx.course_id)
    assert course is not None
    user = link_user(s, platform, str(payload["sub"]), payload, role)
    current = membership(s, course, user)
    if user.role != "admin" and (current is None or current.role != role):
        enrol(s, course, user, role)
    assignment = None
    slug = _assignment_slug(payload)
    if slug:
        assignment = find_assignment(s, course, slug)
        if assignment is not None:
            _line_item(s, ctx, assignment, payload)
        elif role != "instructor":
            raise Invalid(f"course {course.slug} has no assignment {slug[:80]!r} yet; ask "
                          "your instructor")
    token = s.scalar(select(Token).where(Token.user_id == user.id, Token.label == "lti"))
    if token is None:  # a token nobody knows: portal sessions hang off a token
        token = Token(user_id=user.id, digest=hash_token("lti_" + secrets.token_urlsafe(32)),
                      label="lti")
        s.add(token)
        s.flush()
    cookie_value, _ = open_session_with(s, token, settings.session_hours)
    target = f"/courses/{course.slug}"
    if assignment is not None and (assignment.published or role != "student"):
        target += f"/assignments/{assignment.slug}"
    return Launch(user=user, course=course, role=role, assignment=assignment,
                  cookie=cookie_value, target=target)
