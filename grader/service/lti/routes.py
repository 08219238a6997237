"""LTI endpoints: the JWKS, OIDC login initiation and launch (for the LMS and the browser),
and the API's LTI administration (admins: registrations; instructors: roster sync, passback
status)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from ...portal.auth import SESSION_COOKIE, set_cookie
from ...store import lti as lti_rows
from ...store.assignments import get_assignment
from ...store.errors import Conflict
from ...store.models import LtiPlatform
from ..access import course_seen
from ..course_schemas import PassbackOut, PlatformIn, PlatformOut, RosterSyncOut, ToolConfigOut
from ..deps import Admin, Caller, Svc
from .client import PlatformError
from .keys import jwks, signing_key
from .launch import STATE_COOKIE, complete_launch, start_login, urls
from .roster import sync_course

router = APIRouter(tags=["lti"])


@router.get("/lti/jwks.json")
def tool_jwks(svc: Svc) -> JSONResponse:
    """This tool's public keys (the LMS verifies our client assertions with them)."""
    with svc.store.write() as s:  # write: the first call makes the first key
        signing_key(s)
        body = jwks(s)
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=300"})


async def _params(request: Request) -> dict[str, str]:
    params = {k: v for k, v in request.query_params.items()}
    if request.method == "POST":
        form = await request.form()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params


@router.api_route("/lti/login", methods=["GET", "POST"], include_in_schema=False)
async def lti_login(request: Request, svc: Svc) -> Response:
    """OIDC login initiation: remember a state and nonce, go to the platform."""
    params = await _params(request)
    with svc.store.write() as s:
        target, state = start_login(s, svc.settings, params)
    response = RedirectResponse(target, status_code=302)
    secure = svc.settings.cookie_secure
    # the launch is a cross-site POST from the LMS: only SameSite=None cookies come along
    # (browsers allow None only with Secure, i.e. behind HTTPS; same-site tests use Lax)
    set_cookie(response, STATE_COOKIE, state, int(svc.settings.lti_state_seconds) + 60,
               secure, samesite="none" if secure else "lax")
    return response


@router.post("/lti/launch", include_in_schema=False)
async def lti_launch(request: Request, svc: Svc) -> Response:
    """The platform's launch: verify it, sign the user in, open their page."""
    form = await request.form()
    id_token, state = form.get("id_token"), form.get("state")
    with svc.store.write() as s:
        launch = complete_launch(s, svc.settings,
                                 id_token if isinstance(id_token, str) else None,
                                 state if isinstance(state, str) else None,
                                 request.cookies.get(STATE_COOKIE))
        target = launch.target
        cookie = launch.cookie
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, SESSION_COOKIE, cookie, int(svc.settings.session_hours * 3600),
               svc.settings.cookie_secure)
    response.delete_cookie(STATE_COOKIE, path="/")
    return response


# --- API ------------------------------------------------------------------------------------


def _platform_out(p: LtiPlatform) -> PlatformOut:
    return PlatformOut(name=p.name, issuer=p.issuer, client_id=p.client_id,
                       auth_login_url=p.auth_login_url, auth_token_url=p.auth_token_url,
                       jwks_url=p.jwks_url, deployment_ids=json.loads(p.deployment_ids),
                       token_audience=p.token_audience)


@router.get("/api/v1/admin/lti")
def tool_config(user: Admin, svc: Svc) -> ToolConfigOut:
    """The URLs to enter in the LMS, and the registered platforms (admins)."""
    with svc.store.read() as s:
        platforms = [_platform_out(p) for p in lti_rows.list_platforms(s)]
    return ToolConfigOut(**urls(svc.settings), platforms=platforms)


@router.post("/api/v1/admin/lti/platforms", status_code=201)
def add_platform(body: PlatformIn, user: Admin, svc: Svc) -> PlatformOut:
    """Register an LMS (admins): its issuer, our client id there, its endpoints."""
    with svc.store.write() as s:
        return _platform_out(lti_rows.add_platform(s, **body.model_dump()))


@router.delete("/api/v1/admin/lti/platforms/{name}", status_code=204)
def remove_platform(name: str, user: Admin, svc: Svc) -> Response:
    """Forget a platform (its launches stop working; accounts and courses stay)."""
    with svc.store.write() as s:
        s.delete(lti_rows.get_platform(s, name))
    return Response(status_code=204)


@router.post("/api/v1/courses/{course}/lti/roster-sync")
def roster_sync(course: str, user: Caller, svc: Svc) -> RosterSyncOut:
    """Enrol the LMS course's members (instructors), with their LMS roles."""
    with svc.store.read() as s:
        seen = course_seen(s, course, user, instructor=True)
    try:
        report = sync_course(svc.store, svc.settings, seen.course, user)
    except PlatformError as exc:
        raise Conflict(f"the roster could not be read from the LMS: {exc}") from None
    return RosterSyncOut(course=course, **vars(report))


@router.get("/api/v1/courses/{course}/assignments/{assignment}/lti/passback")
def passback_status(course: str, assignment: str, user: Caller, svc: Svc
                    ) -> list[PassbackOut]:
    """Scores sent (or being sent, or failed) to the LMS for this assignment, newest first
    (instructors)."""
    with svc.store.read() as s:
        seen = course_seen(s, course, user, instructor=True)
        row = get_assignment(s, seen.course, assignment)
        out = []
        for post, link in lti_rows.posts_of(s, row.id):
            out.append(PassbackOut(student=lti_rows.user_of(s, link).name, status=post.status,
                                   score_given=post.score_given,
                                   score_maximum=post.score_maximum, attempts=post.attempts,
                                   last_error=post.last_error, created_at=post.created_at,
                                   sent_at=post.sent_at))
        return out
