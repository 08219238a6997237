"""LTI tests: ``grader serve`` in a subprocess (real SQLite file, bubblewrap sandbox) and the
test platform of ``platform.py`` on its own port, both over real HTTP."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from html import unescape
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import REPO
from tests.service.conftest import Api, Server, require_bwrap  # noqa: F401

from .platform import INSTRUCTOR, LEARNER, TA, Person, Platform

FIELD = re.compile(r'name="(id_token|state)" value="([^"]*)"')


def cli(server: Server, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader.cli", *args, "--data-dir",
                           str(server.data_dir)], capture_output=True, text=True,
                          env=server.env, cwd=REPO, timeout=120)


@pytest.fixture(scope="module")
def lti_server(tmp_path_factory, require_bwrap):  # noqa: F811
    srv = Server(tmp_path_factory.mktemp("lti"), env={
        "GRADER_LTI_PASSBACK_POLL_SECONDS": "0.2", "GRADER_LTI_PASSBACK_MAX_ATTEMPTS": "1"})
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def admin(lti_server) -> Api:
    r = cli(lti_server, "users", "add", "root", "--role", "admin")
    assert r.returncode == 0, r.stderr
    return Api(lti_server.url, r.stdout.strip())


@pytest.fixture(scope="module")
def platform(lti_server, admin):
    p = Platform(tool_url=lti_server.url)
    for person in [
        Person("u-prof", "Grace Hopper", "Grace", "Hopper", "grace@uni.edu", [INSTRUCTOR]),
        Person("u-ta", "Alan Turing", "Alan", "Turing", "alan@uni.edu", [TA]),
        Person("u-stu1", "Ada Lovelace", "Ada", "Lovelace", "ada@uni.edu", [LEARNER],
               sis_id="S-001", canvas_id="7001"),
        Person("u-stu2", "Carl Gauss", "Carl", "Gauss", "carl@uni.edu", [LEARNER],
               sis_id="S-002", canvas_id="7002"),
        Person("u-stu3", "Emmy Noether", "Emmy", "Noether", "emmy@uni.edu", [LEARNER],
               status="Inactive"),
    ]:
        p.people[person.sub] = person
    p.start()
    r = admin.post("/api/v1/admin/lti/platforms", json={
        "name": "test-lms", "issuer": p.issuer, "client_id": p.client_id,
        "auth_login_url": p.auth_url, "auth_token_url": p.token_url, "jwks_url": p.jwks_url,
        "deployment_ids": [p.deployment_id]})
    assert r.status_code == 201, r.text
    yield p
    p.stop()


@dataclass
class Login:
    """A login initiation in one browser: its cookies, and what the tool sent the platform."""

    http: httpx.Client
    state: str
    nonce: str
    authorize_url: str


def login(server: Server, platform: Platform, hint: str, **params: str) -> Login:
    http = httpx.Client(base_url=server.url, follow_redirects=False, timeout=60)
    query = {"iss": platform.issuer, "login_hint": hint,
             "target_link_uri": server.url + "/lti/launch", "lti_message_hint": "m-1",
             "client_id": platform.client_id, "lti_deployment_id": platform.deployment_id,
             **params}
    r = http.get("/lti/login", params=query)
    assert r.status_code == 302, r.text
    location = r.headers["location"]
    q = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    return Login(http=http, state=q["state"], nonce=q["nonce"], authorize_url=location)


def authorize(platform: Platform, lg: Login) -> dict[str, str]:
    """What the platform's authorization endpoint posts back (id_token and state)."""
    r = httpx.get(lg.authorize_url, timeout=60)
    assert r.status_code == 200, r.text
    return {k: unescape(v) for k, v in FIELD.findall(r.text)}


def launch(server: Server, platform: Platform, hint: str) -> tuple[Login, httpx.Response]:
    """A whole launch of ``hint`` as their browser does it."""
    lg = login(server, platform, hint)
    form = authorize(platform, lg)
    return lg, lg.http.post("/lti/launch", data=form)
