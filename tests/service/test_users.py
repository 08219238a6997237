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


def test_roster_upload_returns_tokens_for_new_accounts(server, instructor, alice):
    assert instructor.post("/api/v1/courses", json={"slug": "roster"}).status_code == 201
    csv = b"name,email,role\r\nfrank,f@x.org,student\r\nalice,a@x.org,\r\ngrace,,instructor\r\n"
    r = instructor.post("/api/v1/courses/roster/roster", files={"file": ("r.csv", csv)})
    assert r.status_code == 200, r.text
    lines = {x["name"]: x for x in r.json()["enrolled"]}
    assert lines["frank"]["created"] and lines["frank"]["token"].startswith("gr_")
    # an existing account is enrolled but gets no token (no take-over of other accounts)
    assert lines["alice"] == {"name": "alice", "role": "student", "created": False,
                              "token": None}
    assert lines["grace"]["role"] == "instructor"
    frank = Api(server.url, lines["frank"]["token"])
    assert [c["slug"] for c in frank.get("/api/v1/me").json()["courses"]] == ["roster"]
    assert "roster" in [c["slug"] for c in alice.get("/api/v1/courses").json()]
    members = instructor.get("/api/v1/courses/roster/roster").json()
    assert {m["name"] for m in members} >= {"frank", "alice", "grace", "instructor"}


@pytest.mark.parametrize("data, status, detail", [
    (b"name\nok1\nbad name\n", 422,
     "roster line 3: invalid user name 'bad name': use 1 to 64 characters: letters, digits "
     "and _ . @ + -, starting with a letter or digit"),
    (b"email\nx@y\n", 422, "the roster's first line must be a header with a 'name' column "
                           "(and optionally 'role'); got 'email'"),
    (b"name\n\xff\xfe\n", 422, "the roster is not UTF-8 text (byte offset 5); export the CSV "
                               "as UTF-8 and upload it again"),
    (b"name,role\nok2,wizard\n", 422,
     "roster line 2: unknown role 'wizard'; use student or instructor"),
    (b"name\nok3\nok3\n", 422, "roster line 3: 'ok3' is listed twice"),
    (b"name\n" + b"".join(b"u%d\n" % i for i in range(51)), 413,
     "the roster has 51 lines; the limit is 50"),
])
def test_bad_roster_changes_nothing(server, instructor, data, status, detail):
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
