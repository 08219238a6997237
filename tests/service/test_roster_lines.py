"""Rosters line by line (ours and Canvas's export: bad lines reported one by one, the others
enrolled), the TA role's powers, removing a student, resetting a student's token."""

from __future__ import annotations

import pytest

from .conftest import BUNDLES, Api, bundle_zip

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

NAME_RULE = ("use 1 to 64 characters: letters, digits and _ . @ + -, starting with a letter "
             "or digit")


def members(server, course: str) -> set[tuple[str, str]]:
    with server.db() as db:
        return set(db.execute(
            "SELECT u.name, e.role FROM enrollments e JOIN users u ON u.id = e.user_id JOIN "
            "courses c ON c.id = e.course_id WHERE c.slug = ?", (course,)).fetchall())


def test_bad_lines_are_reported_one_by_one(server, instructor):
    assert instructor.post("/api/v1/courses", json={"slug": "lines"}).status_code == 201
    users = server.count("users")
    data = (b"name,role\nok1\nbad name\nok2,wizard\nok3\nok3\n,student\nok4,ta\n")
    r = instructor.post("/api/v1/courses/lines/roster", files={"file": ("r.csv", data)})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["problems"] == [
        f"roster line 3: invalid user name 'bad name': {NAME_RULE}",
        "roster line 4: unknown role 'wizard'; use student, ta or instructor",
        "roster line 6: 'ok3' is listed twice (first on line 5); enrolled once",
        "roster line 7: the name is empty",
    ]
    assert [(x["name"], x["role"], x["enrolled"]) for x in body["enrolled"]] == [
        ("ok1", "student", True), ("ok3", "student", True), ("ok4", "ta", True)]
    # nothing else changed: exactly the three good lines, no account for the bad ones
    assert members(server, "lines") == {("instructor", "instructor"), ("ok1", "student"),
                                        ("ok3", "student"), ("ok4", "ta")}
    assert server.count("users") == users + 3


def test_canvas_export(server, instructor):
    assert instructor.post("/api/v1/courses", json={"slug": "canvas"}).status_code == 201
    data = (b"Student,ID,SIS User ID,SIS Login ID,Email,Section,Role\n"
            b"    Points Possible,,,,,,\n"
            b"\"Lovelace, Ada\",7001,S-001,ada,ada@uni.edu,A,StudentEnrollment\n"
            b"\"Turing, Alan\",7002,S-002,alan,alan@uni.edu,A,TaEnrollment\n"
            b"\"Noether, Emmy\",7003,,,,A,StudentEnrollment\n"
            b"\"Gauss, Carl\",7004,S-004,carl,carl@uni.edu,A,ObserverEnrollment\n"
            b"\"Hopper, Grace\",7005,S-005,grace,bad address@uni.edu,A,StudentEnrollment\n"
            b"\"Curie, Marie\",7006,S-006,marie,,A,StudentEnrollment\n")
    r = instructor.post("/api/v1/courses/canvas/roster", files={"file": ("c.csv", data)})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["problems"] == [
        "roster line 2: skipped: the LMS's 'Points Possible' line is not a person",
        "roster line 5: no email nor SIS id ('Noether, Emmy'); add one and upload the line "
        "again",
        "roster line 6: unknown role 'observerenrollment'; use student, ta or instructor",
        f"roster line 7: invalid user name 'bad address@uni.edu': {NAME_RULE} "
        "('Hopper, Grace')",
    ]
    assert [(x["name"], x["role"]) for x in body["enrolled"]] == [
        ("ada@uni.edu", "student"), ("alan@uni.edu", "ta"), ("S-006", "student")]
    assert members(server, "canvas") == {("instructor", "instructor"),
                                         ("ada@uni.edu", "student"), ("alan@uni.edu", "ta"),
                                         ("S-006", "student")}


@pytest.fixture(scope="module")
def ta_course(server, instructor):
    """Course ``tas`` with tiny-sgd, a TA (tess) and a student (stu) who submitted."""
    assert instructor.post("/api/v1/courses", json={"slug": "tas"}).status_code == 201
    r = instructor.post("/api/v1/courses/tas/roster",
                        files={"file": ("r.csv", b"name,role\ntess,ta\nstu,student\n")})
    tokens = {x["name"]: x["token"] for x in r.json()["enrolled"]}
    assert instructor.upload_bundle("tas", bundle_zip(BUNDLES / "tiny-sgd"),
                                    publish="true")["status"] == "passed"
    stu = Api(server.url, tokens["stu"])
    ref = (BUNDLES / "tiny-sgd" / "reference" / "tiny" / "optim.py").read_bytes()
    sub = stu.wait(stu.submit("tas", "tiny-sgd", [("tiny/optim.py", ref)]).json()["id"])
    return Api(server.url, tokens["tess"]), stu, sub


def test_ta_views_and_overrides_but_does_not_manage(server, ta_course):
    ta, _, sub = ta_course
    base = "/api/v1/courses/tas/assignments/tiny-sgd"
    # view: every submission, the grades; grade: an override
    assert [x["student"] for x in ta.get(f"{base}/submissions").json()] == ["stu"]
    assert ta.get(f"/api/v1/submissions/{sub['id']}").status_code == 200
    assert ta.get(f"{base}/grades.csv").status_code == 200
    r = ta.http.put(f"/api/v1/submissions/{sub['id']}/overrides/sgd_momentum",
                    json={"score": 4, "comment": "partly"})
    assert r.status_code == 200, r.text
    # manage: refused, nothing changed
    before = ta.get(base).json()
    for method, path, kw in (
            ("PATCH", base, {"json": {"published": False}}),
            ("PATCH", base, {"json": {"submission_policy": "best"}}),
            ("POST", f"{base}/regrade", {"json": {}}),
            ("POST", "/api/v1/courses/tas/roster",
             {"files": {"file": ("r.csv", b"name\nzed\n")}}),
            ("DELETE", "/api/v1/courses/tas/roster/stu", {}),
            ("POST", "/api/v1/courses/tas/roster/stu/token", {})):
        r = ta.http.request(method, path, **kw)
        assert (r.status_code, r.json()) == (403, {"detail": "only instructors of course tas "
                                                             "can do this"}), (method, path)
    assert ta.get(base).json() == before
    assert members(server, "tas") >= {("stu", "student"), ("tess", "ta")}


def test_token_reset_and_removal(server, instructor, ta_course):
    _, stu, sub = ta_course
    r = instructor.post("/api/v1/courses/tas/roster/stu/token")
    assert r.status_code == 200, r.text
    fresh = Api(server.url, r.json()["token"])
    assert r.json()["token"].startswith("gr_") and r.json()["role"] == "student"
    assert stu.get("/api/v1/me").status_code == 401  # the old token no longer works
    assert fresh.get(f"/api/v1/submissions/{sub['id']}").status_code == 200
    # an instructor's token is not reset here; an unknown name is 404
    r = instructor.post("/api/v1/courses/tas/roster/instructor/token")
    assert (r.status_code, r.json()) == (409, {"detail": (
        "'instructor' is an instructor of tas; an admin makes instructors' tokens "
        "(`grader users token instructor`)")})
    r = instructor.post("/api/v1/courses/tas/roster/nobody/token")
    assert (r.status_code, r.json()) == (404, {"detail": "'nobody' is not a member of "
                                                         "course tas"})

    submissions = server.count("submissions")
    r = instructor.http.delete("/api/v1/courses/tas/roster/stu")
    assert r.status_code == 204, r.text
    assert ("stu", "student") not in members(server, "tas")
    assert fresh.get("/api/v1/me").status_code == 401  # their course token went too
    assert server.count("submissions") == submissions  # their work is kept
    r = instructor.http.delete("/api/v1/courses/tas/roster/stu")
    assert (r.status_code, r.json()) == (404, {"detail": "'stu' is not a member of course "
                                                         "tas"})
    events = instructor.get("/api/v1/courses/tas/audit").json()
    assert [e["action"] for e in events if e["student"] == "stu"][:2] == ["roster.remove",
                                                                          "token.reset"]
