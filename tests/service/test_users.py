"""Users and tokens: ``grader users add``, admin-created users, roster uploads."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

from .conftest import Api, Server

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]


def grader(*args, data_dir) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader.cli", *args, "--data-dir",
                           str(data_dir)], capture_output=True, text=True, cwd=REPO,
                          timeout=120, env={**os.environ, **Server.database_env(data_dir)})


def test_users_add_prints_a_working_token(server):
    res = grader("users", "add", "dana", "--role", "instructor", "--course", "cli-course",
                 data_dir=server.data_dir)
    assert res.returncode == 0, res.stderr
    token = res.stdout.strip()
    assert token.startswith("gr_") and len(token) > 40
    assert "created instructor dana in course cli-course" in res.stderr
    me = Api(server.url, token).get("/api/v1/me").json()
    assert me == {"name": "dana", "role": "instructor",
                  "courses": [{"slug": "cli-course", "title": "cli-course",
                               "role": "instructor"}]}
    # only the hash is stored
    with server.db() as conn:
        stored = [d for (d,) in conn.execute("SELECT digest FROM tokens")]
    assert token not in stored and len(stored[0]) == 64

    again = grader("users", "add", "dana", data_dir=server.data_dir)
    assert again.returncode == 2
    assert again.stderr.strip() == "error: a user called 'dana' already exists"
    bad = grader("users", "add", "x y", "--role", "wizard", data_dir=server.data_dir)
    assert bad.returncode == 2
    assert "invalid user name 'x y'" in bad.stderr


def test_admin_creates_users_over_the_api(server, instructor):
    res = grader("users", "add", "root", "--role", "admin", data_dir=server.data_dir)
    admin = Api(server.url, res.stdout.strip())
    r = admin.post("/api/v1/users", json={"name": "erin", "role": "student",
                                          "course": "demo"})
    assert r.status_code == 201, r.text
    erin = Api(server.url, r.json()["token"])
    assert [c["slug"] for c in erin.get("/api/v1/me").json()["courses"]] == ["demo"]
    r = instructor.post("/api/v1/users", json={"name": "mallory", "role": "admin"})
    assert r.status_code == 403 and r.json() == {"detail": "only admins can do this"}


def test_roster_upload_hands_out_course_tokens(server, instructor, alice):
    assert instructor.post("/api/v1/courses", json={"slug": "roster"}).status_code == 201
    csv = b"name,email,role\r\nfrank,f@x.org,student\r\nalice,a@x.org,\r\ngrace,,instructor\r\n"
    r = instructor.post("/api/v1/courses/roster/roster", files={"file": ("r.csv", csv)})
    assert r.status_code == 200, r.text
    lines = {x["name"]: x for x in r.json()["enrolled"]}
    assert set(lines["frank"]) == {"name", "role", "enrolled", "token"}
    assert lines["frank"]["enrolled"] and lines["frank"]["token"].startswith("gr_")
    assert lines["alice"]["enrolled"] and lines["alice"]["token"].startswith("gr_")
    assert lines["grace"]["role"] == "instructor"
    frank = Api(server.url, lines["frank"]["token"])
    assert [c["slug"] for c in frank.get("/api/v1/me").json()["courses"]] == ["roster"]
    assert "roster" in [c["slug"] for c in alice.get("/api/v1/courses").json()]
    members = instructor.get("/api/v1/courses/roster/roster").json()
    assert {m["name"] for m in members} >= {"frank", "alice", "grace", "instructor"}
    # uploading again: everyone is already in the course, nobody gets a token
    r = instructor.post("/api/v1/courses/roster/roster", files={"file": ("r.csv", csv)})
    assert [(x["enrolled"], x["token"]) for x in r.json()["enrolled"]] == [(False, None)] * 3


def test_roster_answer_does_not_reveal_accounts_of_other_courses(server, instructor, alice):
    """alice has an account (in course demo); ivan has none. An instructor of another course
    who lists both learns nothing about that: the same answer, tokens that behave alike."""
    r = alice.submit("demo", "fc-optim", [("nndl/optim.py", b"x = 1\n")])
    assert r.status_code == 202, r.text
    alices_submission = r.json()["id"]
    assert instructor.post("/api/v1/courses", json={"slug": "probe"}).status_code == 201
    r = instructor.post("/api/v1/courses/probe/roster",
                        files={"file": ("r.csv", b"name\nalice\nivan\n")})
    assert r.status_code == 200, r.text
    lines = {x["name"]: x for x in r.json()["enrolled"]}
    shape = {k: v for k, v in lines["alice"].items() if k not in ("name", "token")}
    assert shape == {k: v for k, v in lines["ivan"].items() if k not in ("name", "token")}
    assert shape == {"role": "student", "enrolled": True}
    as_alice, as_ivan = (Api(server.url, lines[n]["token"]) for n in ("alice", "ivan"))
    for api, name in ((as_alice, "alice"), (as_ivan, "ivan")):
        assert api.get("/api/v1/me").json() == {
            "name": name, "role": "student",
            "courses": [{"slug": "probe", "title": "probe", "role": "student"}]}
        assert api.get("/api/v1/courses").json() == [
            {"slug": "probe", "title": "probe", "role": "student"}]
        r = api.get("/api/v1/courses/demo/assignments")
        assert (r.status_code, r.json()) == (403, {"detail": "you are not enrolled in course "
                                                             "demo"})
        r = api.get(f"/api/v1/submissions/{alices_submission}")  # alice's own, elsewhere
        assert (r.status_code, r.json()) == (403, {"detail": f"submission {alices_submission} "
                                                             "belongs to another student"})
        r = api.post("/api/v1/courses", json={"slug": f"by-{name}"})
        assert (r.status_code, r.json()) == (403, {"detail": "only instructors and admins "
                                                             "can do this"})
        assert api.get("/api/v1/courses/probe/assignments").status_code == 200
    # the portal alike: signed in with the course token, only that course is there
    from tests.portal.conftest import Browser

    page = Browser(server.url, lines["alice"]["token"])
    home = page.get("/").text
    assert "probe" in home and "Demo course" not in home and "(student)" in home
    assert page.get(f"/submissions/{alices_submission}").status_code == 403
    assert page.get("/courses/demo").status_code == 403
    # alice's own token still opens her account: both courses, her submission
    assert {c["slug"] for c in alice.get("/api/v1/me").json()["courses"]} >= {"demo", "probe"}
    assert alice.get(f"/api/v1/submissions/{alices_submission}").status_code == 200


def test_a_course_token_acts_with_the_role_in_its_course_only(server, instructor):
    """vera, listed as an instructor of course ct-a, is an instructor account; listed as a
    student of ct-b, her ct-b token is a student's token of ct-b and nothing more."""
    for slug, line in (("ct-a", b"name,role\nvera,instructor\n"),
                       ("ct-b", b"name,role\nvera,student\n")):
        assert instructor.post("/api/v1/courses", json={"slug": slug}).status_code == 201
        r = instructor.post(f"/api/v1/courses/{slug}/roster", files={"file": ("r.csv", line)})
        assert r.status_code == 200, r.text
        token = r.json()["enrolled"][0]["token"]
        if slug == "ct-a":
            as_a = Api(server.url, token)
        else:
            as_b = Api(server.url, token)
    assert as_a.get("/api/v1/me").json()["role"] == "instructor"
    assert as_a.get("/api/v1/builtins").status_code == 200
    assert as_a.get("/api/v1/courses/ct-a/roster").status_code == 200
    r = as_a.post("/api/v1/courses", json={"slug": "by-vera"})
    assert (r.status_code, r.json()) == (403, {"detail": (
        "this token opens one course only; creating a course needs an account token (an "
        "admin prints one with `grader users token NAME`)")})
    assert as_b.get("/api/v1/me").json()["role"] == "student"
    r = as_b.get("/api/v1/builtins")
    assert (r.status_code, r.json()) == (403, {"detail": "only instructors and admins can do "
                                                         "this"})
    r = as_b.get("/api/v1/courses/ct-a/roster")
    assert (r.status_code, r.json()) == (403, {"detail": "you are not enrolled in course ct-a"})
    r = as_b.post("/api/v1/users", json={"name": "x1", "role": "student"})
    assert (r.status_code, r.json()) == (403, {"detail": "only admins can do this"})


@pytest.mark.parametrize("data, status, detail", [
    (b"id\n77\n", 422, "the roster's first line must be a header with a 'name' column (and "
                        "optionally 'role'), or an LMS export's name, email and SIS id "
                        "columns; got 'id'"),
    (b"name\n\xff\xfe\n", 422, "the roster is not UTF-8 text (byte offset 5); export the CSV "
                               "as UTF-8 and upload it again"),
    (b"name\n" + b"".join(b"u%d\n" % i for i in range(51)), 413,
     "the roster has 51 lines; the limit is 50"),
])
def test_unreadable_roster_changes_nothing(server, instructor, data, status, detail):
    instructor.post("/api/v1/courses", json={"slug": "badroster"})
    before = (server.count("users"), server.count("enrollments"))
    r = instructor.post("/api/v1/courses/badroster/roster", files={"file": ("r.csv", data)})
    assert r.status_code == status
    assert r.json() == {"detail": detail}
    assert (server.count("users"), server.count("enrollments")) == before


def test_student_cannot_upload_a_roster(server, alice):
    r = alice.post("/api/v1/courses/demo/roster", files={"file": ("r.csv", b"name\nzed\n")})
    assert r.status_code == 403
    assert r.json() == {"detail": "only instructors of course demo can do this"}
    assert alice.post("/api/v1/courses", json={"slug": "mine"}).status_code == 403
