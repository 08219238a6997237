"""LTI 1.3 against a real (test) platform over HTTP: registration and JWKS, the full flow
(login initiation, id_token validation, launch mapped to course and role, score passback
after penalties and again on regrade and override, roster sync, Canvas export with LMS ids),
a failing passback, and every bad id_token or state refused with its own reason, changing
nothing."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import UTC, datetime, timedelta
from html import unescape

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.service.conftest import BUNDLES, Api, bundle_zip

from .conftest import authorize, cli, launch, login

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

TINY = BUNDLES / "tiny-sgd"
REF = (TINY / "reference" / "tiny" / "optim.py").read_bytes()
WRONG = (TINY / "reference" / "variants" / "momentum_ignored.py").read_bytes()
ALERT = re.compile(r'<p class="error" role="alert">(.*?)</p>', re.S)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def alert(html: str) -> str:
    found = ALERT.search(html)
    assert found, html[:2000]
    return unescape(found.group(1))


def wait_for(condition, what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_registration_and_jwks(lti_server, admin, platform):
    tokens = lti_server.tokens()
    teacher = Api(lti_server.url, tokens["instructor"])
    body = {"name": "other", "issuer": "https://lms.example", "client_id": "c",
            "auth_login_url": "https://lms.example/auth", "auth_token_url": "nope",
            "jwks_url": "https://lms.example/jwks", "deployment_ids": ["d"]}
    r = teacher.post("/api/v1/admin/lti/platforms", json=body)
    assert (r.status_code, r.json()) == (403, {"detail": "only admins can do this"})
    r = admin.post("/api/v1/admin/lti/platforms", json=body)
    assert (r.status_code, r.json()) == (422, {"detail": "auth_token_url must be an http(s) "
                                                         "URL; got 'nope'"})
    r = admin.post("/api/v1/admin/lti/platforms", json={
        **body, "name": "again", "issuer": platform.issuer, "client_id": platform.client_id,
        "auth_token_url": "https://lms.example/token"})
    assert (r.status_code, r.json()) == (409, {"detail": f"issuer {platform.issuer} with "
                                                         f"client id {platform.client_id} is "
                                                         "registered already"})
    config = admin.get("/api/v1/admin/lti").json()
    assert config["login_url"] == lti_server.url + "/lti/login"
    assert config["launch_url"] == lti_server.url + "/lti/launch"
    assert [p["name"] for p in config["platforms"]] == ["test-lms"]
    listed = cli(lti_server, "lti", "platforms", "list")
    assert listed.returncode == 0 and '"name": "test-lms"' in listed.stdout

    keys = teacher.get("/lti/jwks.json").json()["keys"]
    assert [(k["kty"], k["alg"], k["use"]) for k in keys] == [("RSA", "RS256", "sig")]
    assert "d" not in keys[0]  # the public half only
    # rotation: a new key signs, the old one stays published until retired
    new = cli(lti_server, "lti", "keys", "generate")
    assert new.returncode == 0
    kids = [k["kid"] for k in teacher.get("/lti/jwks.json").json()["keys"]]
    assert kids == [new.stdout.strip(), keys[0]["kid"]]
    assert cli(lti_server, "lti", "keys", "retire", keys[0]["kid"]).returncode == 0
    last = cli(lti_server, "lti", "keys", "retire", new.stdout.strip())
    assert last.returncode == 2
    assert "it is the only active tool key" in last.stderr


def test_full_flow(lti_server, admin, platform):
    # --- the instructor's first launch creates the course, signed in as its instructor
    prof, r = launch(lti_server, platform, "u-prof")
    assert (r.status_code, r.headers["location"]) == (303, "/courses/dl101")
    assert "grader_session" in r.cookies
    page = prof.http.get("/courses/dl101")
    assert page.status_code == 200 and "grace@uni.edu" in page.text
    assert "Deep Learning 101" in page.text
    roster = {m["name"]: m["role"] for m in admin.get("/api/v1/courses/dl101/roster").json()}
    assert roster == {"grace@uni.edu": "instructor"}

    # the instructor adds the assignment, late: 3 started days, 10% a day
    v = admin.upload_bundle("dl101", bundle_zip(TINY), publish="true")
    assert v["status"] == "passed", v
    due = datetime.now(UTC) - timedelta(days=2, hours=3)
    assert admin.patch("/api/v1/courses/dl101/assignments/tiny-sgd",
                       json={"due_at": due.isoformat(),
                             "late_percent_per_day": 10}).status_code == 200
    platform.link["custom"] = {"assignment": "tiny-sgd", "canvas_assignment_id": "555"}

    # --- a student arrives from the LMS on the assignment, submits through the portal
    ada, r = launch(lti_server, platform, "u-stu1")
    assert (r.status_code, r.headers["location"]) == (303, "/courses/dl101/assignments/"
                                                           "tiny-sgd")
    page = ada.http.get("/courses/dl101/assignments/tiny-sgd")
    assert page.status_code == 200 and "ada@uni.edu" in page.text
    r = ada.http.post("/courses/dl101/assignments/tiny-sgd/submit",
                      data={"csrf_token": CSRF.search(page.text).group(1)},
                      files=[("files", ("tiny/optim.py", REF))])
    assert r.status_code == 303, r.text
    sid = int(r.headers["location"].rsplit("/", 1)[1])
    wait_for(lambda: ada.http.get(f"/submissions/{sid}/status").json()["status"] == "graded",
             "the grading")

    # --- the score after penalties reaches the LMS line item
    mine = wait_for(lambda: [x for x in platform.scores if x["userId"] == "u-stu1"],
                    "the score passback")
    assert len(mine) == 1
    assert (mine[0]["lineitem"], mine[0]["scoreGiven"], mine[0]["scoreMaximum"],
            mine[0]["activityProgress"], mine[0]["gradingProgress"]) == (
        "link-1", 7.0, 10.0, "Completed", "FullyGraded")
    assert mine[0]["timestamp"].endswith("Z")
    claims = platform.assertions[-1]  # our client assertion, verified with our JWKS
    assert (claims["iss"], claims["sub"], claims["aud"]) == (
        platform.client_id, platform.client_id, platform.token_url)

    # a regrade posts again; an override posts the new score
    r = admin.post(f"/api/v1/submissions/{sid}/regrade", json={})
    assert r.status_code == 202
    wait_for(lambda: len([x for x in platform.scores if x["userId"] == "u-stu1"]) == 2,
             "the score posted again after the regrade")
    r = admin.http.put(f"/api/v1/submissions/{sid}/overrides/sgd_momentum",
                       json={"score": 5, "comment": "half: copied the update"})
    assert r.status_code == 200, r.text
    latest = wait_for(lambda: [x for x in platform.scores if x["userId"] == "u-stu1"
                               and x["scoreGiven"] == 3.5], "the overridden score")
    assert latest[0]["scoreMaximum"] == 10.0
    posts = admin.get("/api/v1/courses/dl101/assignments/tiny-sgd/lti/passback").json()
    assert [(p["student"], p["status"], p["score_given"]) for p in posts] == [
        ("ada@uni.edu", "sent", 3.5), ("ada@uni.edu", "sent", 7.0),
        ("ada@uni.edu", "sent", 7.0)]

    # --- roster sync (NRPS, two pages): the TA and the second student are enrolled
    r = admin.post("/api/v1/courses/dl101/lti/roster-sync")
    assert r.status_code == 200, r.text
    assert r.json() == {"course": "dl101", "members": 5, "enrolled": 2, "created": 2,
                        "updated_roles": 0, "inactive": ["Emmy Noether"]}
    roster = {m["name"]: m["role"] for m in admin.get("/api/v1/courses/dl101/roster").json()}
    assert roster == {"grace@uni.edu": "instructor", "alan@uni.edu": "ta",
                      "ada@uni.edu": "student", "carl@uni.edu": "student"}
    again = admin.post("/api/v1/courses/dl101/lti/roster-sync").json()
    assert (again["enrolled"], again["created"]) == (0, 0)

    # --- the Canvas export uses the LMS's names and ids
    rows = list(csv.reader(io.StringIO(
        admin.get("/api/v1/courses/dl101/assignments/tiny-sgd/grades-canvas.csv").text)))
    assert rows[0][5] == "Tiny: SGD with momentum (555)"
    assert rows[2:] == [["Gauss, Carl", "", "S-002", "carl@uni.edu", "", ""],
                        ["Lovelace, Ada", "7001", "S-001", "ada@uni.edu", "", "3.5"]]

    # --- a passback the LMS refuses is marked failed, with its answer, in the audit trail
    platform.fail_scores_for.add("u-stu2")
    carl, r = launch(lti_server, platform, "u-stu2")
    assert r.status_code == 303
    page = carl.http.get("/courses/dl101/assignments/tiny-sgd")
    r = carl.http.post("/courses/dl101/assignments/tiny-sgd/submit",
                       data={"csrf_token": CSRF.search(page.text).group(1)},
                       files=[("files", ("tiny/optim.py", REF))])
    assert r.status_code == 303

    def failed():
        rows = admin.get("/api/v1/courses/dl101/assignments/tiny-sgd/lti/passback").json()
        return [p for p in rows if p["student"] == "carl@uni.edu" and p["status"] == "failed"]

    [post] = wait_for(failed, "the refused passback")
    assert "answered HTTP 500" in post["last_error"] and "gradebook locked" in \
        post["last_error"]
    events = admin.get("/api/v1/courses/dl101/audit").json()
    assert any(e["action"] == "lti.score_failed" and e["student"] == "carl@uni.edu"
               for e in events)
    assert not [x for x in platform.scores if x["userId"] == "u-stu2"]

    # --- which submission counts reaches the LMS: a worse second attempt is posted under
    # "latest"; switching the policy to "best" posts the first attempt's score again
    page = ada.http.get("/courses/dl101/assignments/tiny-sgd")
    r = ada.http.post("/courses/dl101/assignments/tiny-sgd/submit",
                      data={"csrf_token": CSRF.search(page.text).group(1)},
                      files=[("files", ("tiny/optim.py", WRONG))])
    assert r.status_code == 303, r.text
    worse = int(r.headers["location"].rsplit("/", 1)[1])
    wait_for(lambda: admin.get(f"/api/v1/submissions/{worse}").json()["status"] == "graded",
             "the second attempt's grading")
    second = admin.get(f"/api/v1/submissions/{worse}").json()["final_score"]
    assert second < 3.5
    wait_for(lambda: [x for x in platform.scores if x["userId"] == "u-stu1"
                      and x["scoreGiven"] == second], "the latest attempt's score")
    before = len([x for x in platform.scores if x["userId"] == "u-stu1"])
    assert admin.patch("/api/v1/courses/dl101/assignments/tiny-sgd",
                       json={"submission_policy": "best"}).status_code == 200
    wait_for(lambda: [x for x in platform.scores[before:] if x["userId"] == "u-stu1"
                      and x["scoreGiven"] == 3.5], "the best attempt's score, posted again")


def _refused(lti_server, lg, form: dict, status: int = 401) -> str:
    users, sessions = lti_server.count("users"), lti_server.count("web_sessions")
    r = lg.http.post("/lti/launch", data=form)
    assert r.status_code == status, r.text[:500]
    assert "grader_session" not in r.cookies
    assert (lti_server.count("users"), lti_server.count("web_sessions")) == (users, sessions)
    return alert(r.text)


def test_bad_id_tokens_are_refused_with_their_reason(lti_server, platform):
    stu = platform.people["u-stu1"]
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    prefix = "LTI launch refused: "
    cases = [
        ("forged", lambda n: platform.sign(platform.claims(stu, n), key=other_key),
         f"the id_token's signature does not verify with the platform's key "
         f"'platform-key-1': it was not signed by {platform.issuer} (forged or altered)"),
        ("unknown key", lambda n: platform.sign(platform.claims(stu, n), key=other_key,
                                                kid="evil-key"),
         f"the id_token's key id 'evil-key' is not among the keys the platform publishes at "
         f"{platform.jwks_url} (a forged token, or a key the platform does not use)"),
        ("nonce", lambda n: platform.sign(platform.claims(stu, "another-nonce")),
         "the id_token's nonce is not the one of this login (a replayed or swapped token); "
         "launch the tool from the LMS again"),
        ("audience", lambda n: platform.sign(platform.claims(stu, n, aud="someone-else")),
         "the id_token is meant for 'someone-else', not this tool's client id "
         "'grader-client-1'"),
        ("issuer", lambda n: platform.sign(platform.claims(stu, n, iss="https://evil.test")),
         "the id_token's issuer 'https://evil.test' is not the platform this login was "
         f"started for ({platform.issuer})"),
        ("not a JWT", lambda n: "not-a-token", "the id_token is not a JWT (Not enough "
                                               "segments)"),
        ("no nonce", lambda n: platform.sign({k: v for k, v in platform.claims(stu, n).items()
                                              if k != "nonce"}),
         "the id_token has no 'nonce' claim"),
        ("deployment", lambda n: platform.sign(platform.claims(stu, n, **{
            "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "deploy-x"})),
         "deployment 'deploy-x' is not registered for platform test-lms; add it to the "
         "platform's registration"),
        ("message type", lambda n: platform.sign(platform.claims(stu, n, **{
            "https://purl.imsglobal.org/spec/lti/claim/message_type":
                "LtiDeepLinkingRequest"})),
         "this tool takes resource link launches only; got message type "
         "'LtiDeepLinkingRequest'"),
    ]
    for name, make, reason in cases:
        lg = login(lti_server, platform, "u-stu1")
        got = _refused(lti_server, lg, {"id_token": make(lg.nonce), "state": lg.state})
        assert got == prefix + reason, name

    # expired (exp an hour ago, past the leeway): its own message, with the time
    lg = login(lti_server, platform, "u-stu1")
    token = platform.sign(platform.claims(stu, lg.nonce, iat=now - 4000, exp=now - 3600))
    got = _refused(lti_server, lg, {"id_token": token, "state": lg.state})
    expired = datetime.fromtimestamp(now - 3600, UTC).isoformat(timespec="seconds")
    assert got.startswith(prefix + f"the id_token expired at {expired} (now ")
    assert got.endswith("); launch the tool from the LMS again (or check the clocks)")

    # state: missing, not this browser's, unknown, and a login used twice (the instructor's,
    # whose launch also works when this test runs alone)
    lg = login(lti_server, platform, "u-prof")
    form = authorize(platform, lg)
    assert _refused(lti_server, lg, {"id_token": form["id_token"]}) == prefix + (
        "the launch has no state parameter; launch the tool from the LMS again")
    mismatch = prefix + ("the state is not the one of the login started in this browser "
                         "(the launch was started elsewhere, or this browser blocks the "
                         "tool's cookies: open the tool in a new window)")
    assert _refused(lti_server, lg, {**form, "state": "someone-elses"}) == mismatch
    elsewhere = login(lti_server, platform, "u-prof")  # another browser posts our form
    elsewhere.http.cookies.clear()
    assert _refused(lti_server, elsewhere, form) == mismatch
    lg.http.cookies.set("grader_lti_state", "made-up", domain="127.0.0.1")
    assert _refused(lti_server, lg, {**form, "state": "made-up"}) == prefix + (
        "the state is unknown: this login was not started by this tool (or long ago); "
        "launch the tool from the LMS again")
    lg.http.cookies.clear()
    lg.http.cookies.set("grader_lti_state", form["state"], domain="127.0.0.1")
    r = lg.http.post("/lti/launch", data=form)
    assert r.status_code == 303  # the real one, once
    lg.http.cookies.set("grader_lti_state", form["state"], domain="127.0.0.1")
    assert _refused(lti_server, lg, form) == prefix + (
        "this login was already used for a launch; launch the tool from the LMS again")

    # login initiation: an unknown issuer, a target that is not this tool
    http = httpx.Client(base_url=lti_server.url, timeout=60)
    r = http.get("/lti/login", params={"iss": "https://unknown.test", "login_hint": "x",
                                       "target_link_uri": lti_server.url + "/lti/launch"})
    assert r.status_code == 400
    assert alert(r.text) == ("issuer https://unknown.test is not registered with this tool; "
                             "an administrator must add it (`grader lti platforms add`, see "
                             "the README)")
    r = http.get("/lti/login", params={"iss": platform.issuer, "login_hint": "x",
                                       "target_link_uri": "https://evil.test/phish"})
    assert (r.status_code, alert(r.text)) == (400, "target_link_uri https://evil.test/phish "
                                                   f"is not a page of this tool "
                                                   f"({lti_server.url}); fix the tool's URL "
                                                   "in the LMS")
    r = http.get("/lti/login", params={"iss": platform.issuer})
    assert (r.status_code, alert(r.text)) == (400, "the LMS's login request has no "
                                                   "login_hint parameter; launch the tool "
                                                   "from the LMS again (or check its LTI "
                                                   "registration)")
