"""A small but real LTI 1.3 platform (an LMS) for the tests, over real HTTP.

It has its own RSA key and serves: its JWKS; an OIDC authorization endpoint that checks the
tool's redirect (client id, redirect URI, response type and mode, scope, prompt, login hint)
and answers with the auto-submitting form that posts a signed id_token and the state to the
tool's launch URL; an OAuth 2 token endpoint that verifies the tool's client assertion with
the keys the tool publishes at its JWKS URL (fetched over HTTP); AGS line items and scores,
refusing calls without a token of the right scope; NRPS memberships, two per page with
``Link: rel="next"``. Everything received is recorded for the tests to read.
"""

from __future__ import annotations

import html
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jwt.algorithms import RSAAlgorithm

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
SCOPES = {"score": "https://purl.imsglobal.org/spec/lti-ags/scope/score",
          "lineitem": "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
          "nrps": "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"}
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
TA = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Person:
    sub: str
    name: str
    given: str
    family: str
    email: str
    roles: list[str]
    sis_id: str = ""
    canvas_id: str = ""
    status: str = "Active"


@dataclass
class Platform:
    """The LMS. ``link`` is the resource link launched (its custom parameters and line
    item); ``fail_scores_for`` makes the score service refuse those users (HTTP 500)."""

    tool_url: str
    client_id: str = "grader-client-1"
    deployment_id: str = "deploy-1"
    context: dict = field(default_factory=lambda: {"id": "ctx-42", "label": "DL101",
                                                   "title": "Deep Learning 101"})
    people: dict[str, Person] = field(default_factory=dict)
    fail_scores_for: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "platform-key-1"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.issuer = self.url
        self.link: dict[str, Any] = {"id": "link-1", "custom": {}, "lineitem": True}
        self.scores: list[dict] = []
        self.tokens: dict[str, list[str]] = {}
        self.assertions: list[dict] = []
        self.auth_requests: list[dict] = []
        self.line_items: dict[str, dict] = {}
        self.app = self._make_app()
        self._server: uvicorn.Server | None = None

    # --- endpoints ---------------------------------------------------------------------------

    @property
    def auth_url(self) -> str:
        return self.url + "/auth"

    @property
    def token_url(self) -> str:
        return self.url + "/token"

    @property
    def jwks_url(self) -> str:
        return self.url + "/jwks"

    def lineitem_url(self, link_id: str) -> str:
        return f"{self.url}/lineitems/{link_id}"

    def _make_app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/jwks")
        def jwks() -> dict:
            jwk = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
            return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

        @app.get("/auth")
        def auth(request: Request) -> Response:
            q = dict(request.query_params)
            self.auth_requests.append(q)
            expect = {"scope": "openid", "response_type": "id_token",
                      "response_mode": "form_post", "prompt": "none",
                      "client_id": self.client_id,
                      "redirect_uri": self.tool_url + "/lti/launch"}
            for k, v in expect.items():
                if q.get(k) != v:
                    return JSONResponse({"error": "invalid_request",
                                         "error_description": f"{k}={q.get(k)!r}"}, 400)
            person = self.people.get(q.get("login_hint", ""))
            if person is None or not q.get("nonce") or not q.get("state"):
                return JSONResponse({"error": "login_required"}, 400)
            token = self.sign(self.claims(person, q["nonce"]))
            return HTMLResponse(self.form(token, q["state"]))

        @app.post("/token")
        def token(grant_type: str = Form(), client_assertion_type: str = Form(),
                  client_assertion: str = Form(), scope: str = Form()) -> Response:
            if grant_type != "client_credentials" or client_assertion_type != \
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
                return JSONResponse({"error": "unsupported_grant_type"}, 400)
            try:  # the tool's key, from the JWKS the tool serves
                key = jwt.PyJWKClient(self.tool_url + "/lti/jwks.json") \
                    .get_signing_key_from_jwt(client_assertion)
                claims = jwt.decode(client_assertion, key, algorithms=["RS256"],
                                    audience=self.token_url, issuer=self.client_id,
                                    options={"require": ["exp", "iat", "jti", "sub"]})
            except jwt.PyJWTError as exc:
                return JSONResponse({"error": "invalid_client", "error_description":
                                     str(exc)}, 401)
            if claims["sub"] != self.client_id:
                return JSONResponse({"error": "invalid_client"}, 401)
            self.assertions.append(claims)
            granted = [s for s in scope.split() if s in SCOPES.values()]
            value = secrets.token_urlsafe(16)
            self.tokens[value] = granted
            return JSONResponse({"access_token": value, "token_type": "Bearer",
                                 "expires_in": 3600, "scope": " ".join(granted)})

        def authorized(request: Request, scope: str) -> bool:
            auth = request.headers.get("authorization", "")
            return auth.startswith("Bearer ") and scope in self.tokens.get(auth[7:], [])

        @app.post("/lineitems/{link_id}/scores")
        async def score(link_id: str, request: Request) -> Response:
            if not authorized(request, SCOPES["score"]):
                return JSONResponse({"error": "unauthorized"}, 401)
            if request.headers.get("content-type") != "application/vnd.ims.lis.v1.score+json":
                return JSONResponse({"error": "bad content type"}, 415)
            body = await request.json()
            if body.get("userId") in self.fail_scores_for:
                return JSONResponse({"error": "gradebook locked"}, 500)
            self.scores.append({"lineitem": link_id, **body})
            return Response(status_code=204)

        @app.get("/lineitems")
        def list_items(request: Request, resource_link_id: str = "") -> Response:
            if not authorized(request, SCOPES["lineitem"]):
                return JSONResponse({"error": "unauthorized"}, 401)
            return JSONResponse([i for i in self.line_items.values()
                                 if i["resourceLinkId"] == resource_link_id])

        @app.post("/lineitems")
        async def create_item(request: Request) -> Response:
            if not authorized(request, SCOPES["lineitem"]):
                return JSONResponse({"error": "unauthorized"}, 401)
            body = await request.json()
            link = body["resourceLinkId"]
            item = {**body, "id": self.lineitem_url(link)}
            self.line_items[link] = item
            return JSONResponse(item, 201)

        @app.get("/memberships")
        def memberships(request: Request, page: int = 0) -> Response:
            if not authorized(request, SCOPES["nrps"]):
                return JSONResponse({"error": "unauthorized"}, 401)
            people = sorted(self.people.values(), key=lambda p: p.sub)
            chunk = people[page * 2:page * 2 + 2]
            members = [{"user_id": p.sub, "name": p.name, "given_name": p.given,
                        "family_name": p.family, "email": p.email, "roles": p.roles,
                        "status": p.status, "lis_person_sourcedid": p.sis_id}
                       for p in chunk]
            headers = {}
            if page * 2 + 2 < len(people):
                headers["Link"] = f'<{self.url}/memberships?page={page + 1}>; rel="next"'
            return JSONResponse({"id": self.url + "/memberships",
                                 "context": self.context, "members": members},
                                headers=headers)

        return app

    # --- id_tokens -----------------------------------------------------------------------------

    def claims(self, person: Person, nonce: str, **changes: Any) -> dict[str, Any]:
        """The claims of a resource-link launch of ``person`` (``changes`` override)."""
        now = int(time.time())
        custom = {"canvas_user_id": person.canvas_id, **self.link.get("custom", {})}
        ags: dict[str, Any] = {"scope": [SCOPES["score"], SCOPES["lineitem"]],
                               "lineitems": self.url + "/lineitems"}
        if self.link.get("lineitem"):
            ags["lineitem"] = self.lineitem_url(self.link["id"])
        out = {
            "iss": self.issuer, "aud": self.client_id, "sub": person.sub,
            "iat": now, "exp": now + 300, "nonce": nonce, "name": person.name,
            "given_name": person.given, "family_name": person.family, "email": person.email,
            LTI + "message_type": "LtiResourceLinkRequest", LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id,
            LTI + "target_link_uri": self.tool_url + "/lti/launch",
            LTI + "resource_link": {"id": self.link["id"], "title": "Homework"},
            LTI + "context": self.context, LTI + "roles": person.roles, LTI + "custom": custom,
            LTI + "lis": {"person_sourcedid": person.sis_id},
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": ags,
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": self.url + "/memberships",
                "service_versions": ["2.0"]},
        }
        out.update(changes)
        return out

    def sign(self, claims: dict[str, Any], key: Any = None, kid: str | None = None) -> str:
        """``claims`` as an id_token signed with the platform's key (or ``key``)."""
        return jwt.encode(claims, key or self.key, algorithm="RS256",
                          headers={"kid": kid or self.kid})

    def form(self, id_token: str, state: str) -> str:
        """The auto-submitting form an LMS answers with (response_mode=form_post)."""
        return (f'<!doctype html><html><body><form id="launch" method="post" '
                f'action="{html.escape(self.tool_url)}/lti/launch">'
                f'<input type="hidden" name="id_token" value="{html.escape(id_token)}">'
                f'<input type="hidden" name="state" value="{html.escape(state)}">'
                '<button type="submit">Continue</button></form>'
                "<script>document.getElementById('launch').submit()</script>"
                "</body></html>")

    # --- running -------------------------------------------------------------------------------

    def start(self) -> Platform:
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="error")
        self._server = uvicorn.Server(config)
        threading.Thread(target=self._server.run, daemon=True).start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.jwks_url, timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("the test platform did not start")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
