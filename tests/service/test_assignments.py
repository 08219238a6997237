"""Adding assignments: built-ins by slug; bundles checked at once for what needs no sandbox,
then validated by a worker in its sandbox (a queued validation the instructor polls) and
stored only if they pass."""

from __future__ import annotations

import pytest

from .conftest import BUNDLES, bundle_zip

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

TINY = BUNDLES / "tiny-sgd"


@pytest.fixture
def course(instructor, request) -> str:
    slug = "c-" + request.node.originalname.replace("_", "-")[5:40].strip("-")
    r = instructor.post("/api/v1/courses", json={"slug": slug, "title": request.node.name})
    assert r.status_code == 201, r.text
    return slug


def upload(api, course: str, data: bytes, **form):
    return api.post(f"/api/v1/courses/{course}/assignments/bundle",
                    files={"bundle": ("bundle.zip", data)}, data=form)


def test_bundle_upload_builds_validates_and_publishes(course, instructor, server):
    r = upload(instructor, course, bundle_zip(TINY))
    assert r.status_code == 202, r.text
    queued = r.json()
    assert (queued["status"], queued["slug"], queued["course"], queued["replace"]) == (
        "queued", "tiny-sgd", course, False)
    assert queued["url"] == f"/api/v1/validations/{queued['id']}"
    assert queued["assignment"] is None and queued["check_report"] is None
    # nothing is stored before a worker validated it
    assert instructor.get(f"/api/v1/courses/{course}/assignments/tiny-sgd").status_code in (
        200, 404)
    body = instructor.wait_validation(queued["id"])
    assert body["status"] == "passed", body
    assert "assignment OK: 4 of 4 validations passed" in body["check_report"]
    assert any(line.startswith("fixtures written") for line in body["build_log"])
    assert body["stage"] == "stored" and body["attempts"] == 1 and body["detail"] is None
    assert body["started_at"] and body["finished_at"]
    a = body["assignment"]
    assert (a["slug"], a["source"], a["max_score"], a["published"]) == (
        "tiny-sgd", "bundle", 10, False)
    assert a["accepts_notebooks"] and [t["id"] for t in a["todos"]] == ["sgd_momentum"]
    listed = instructor.get(f"/api/v1/courses/{course}/validations").json()
    assert [(v["id"], v["status"]) for v in listed] == [(queued["id"], "passed")]
    r = instructor.patch(f"/api/v1/courses/{course}/assignments/tiny-sgd",
                         json={"published": True})
    assert r.status_code == 200 and r.json()["published"] is True
    # the instructor can try it at once, graded from the stored bundle
    ref = (TINY / "reference" / "tiny" / "optim.py").read_bytes()
    sid = instructor.submit(course, "tiny-sgd", [("tiny/optim.py", ref)]).json()["id"]
    assert instructor.wait(sid)["score"] == 10


def test_bundle_at_the_top_of_the_zip(course, instructor):
    v = instructor.upload_bundle(course, bundle_zip(TINY, top=None), publish="true")
    assert v["status"] == "passed", v
    assert v["assignment"]["published"] is True


def test_second_upload_while_one_is_pending_is_409(course, instructor, server):
    before = server.count("validations")
    r = upload(instructor, course, bundle_zip(TINY))
    assert r.status_code == 202, r.text
    first = r.json()["id"]
    again = upload(instructor, course, bundle_zip(TINY))
    pending = {f"a bundle of 'tiny-sgd' is already being validated (validation {first}, "
               f"{state}); wait for its outcome at /api/v1/validations/{first}, then upload "
               "again if needed" for state in ("queued", "running")}
    stored = (f"course {course} already has an assignment 'tiny-sgd' (send replace=true to "
              "put this version in its place)")
    assert again.status_code == 409, again.text
    if instructor.get(f"/api/v1/validations/{first}").json()["status"] in ("queued",
                                                                           "running"):
        assert again.json()["detail"] in pending  # still pending now: so it was then
    else:
        assert again.json()["detail"] in pending | {stored}
    assert server.count("validations") == 1 + before
    assert instructor.wait_validation(first)["status"] == "passed"
    # once stored, the same slug again is a conflict unless it replaces
    r = upload(instructor, course, bundle_zip(TINY))
    assert r.status_code == 409
    assert r.json() == {"detail": f"course {course} already has an assignment 'tiny-sgd' "
                                  "(send replace=true to put this version in its place)"}


def test_bundle_failing_validation_is_not_stored(course, instructor, server):
    # a reference whose momentum is wrong: the wrong variant is no longer caught
    ref = (TINY / "reference" / "variants" / "momentum_ignored.py").read_bytes()
    before = server.count("assignments")
    v = instructor.upload_bundle(course, bundle_zip(TINY, {"reference/tiny/optim.py": ref}))
    assert v["status"] == "failed", v
    assert v["detail"] == ("the assignment failed validation and was not stored (fix it and "
                           "upload again)")
    assert "FAIL  wrong variant momentum_ignored: sgd_momentum 10 / 10, NOT named" in \
        v["check_report"]
    assert "assignment NOT OK" in v["check_report"]
    assert v["assignment"] is None and v["stage"] == "not stored"
    assert server.count("assignments") == before
    assert instructor.get(f"/api/v1/courses/{course}/assignments/tiny-sgd").status_code == 404


def test_bundle_with_failing_case_generator(course, instructor, server):
    before = server.count("assignments")
    v = instructor.upload_bundle(course, bundle_zip(TINY, {"cases.py": b"def visible():\n"
                                                           b"    raise ValueError('broken')\n"}))
    assert v["status"] == "failed", v
    assert v["detail"].startswith("the bundle was not stored: building the fixtures failed: ")
    assert "broken" in v["detail"]
    assert v["check_report"] is None
    assert server.count("assignments") == before


def test_validation_of_another_course_is_403_and_unknown_404(course, instructor, alice):
    r = upload(instructor, course, bundle_zip(TINY))
    vid = r.json()["id"]
    r = alice.get(f"/api/v1/validations/{vid}")
    assert r.status_code == 403
    assert r.json() == {"detail": f"you are not enrolled in course {course}"}
    r = instructor.get("/api/v1/validations/999999")
    assert r.status_code == 404 and r.json() == {"detail": "no bundle validation 999999"}
    instructor.wait_validation(vid)


def test_bundle_without_manifest(course, instructor, server):
    before = server.count("assignments")
    r = upload(instructor, course, bundle_zip(TINY, {"manifest.toml": None}))
    assert r.status_code == 422
    assert r.json() == {"detail": "the bundle was not stored: a bundle holds exactly one "
                                  "manifest.toml, at its top or in one top folder (found: "
                                  "none)"}
    assert server.count("assignments") == before
    assert instructor.get(f"/api/v1/courses/{course}/validations").json() == []


def test_bundle_manifest_path_outside(course, instructor, server):
    manifest = (TINY / "manifest.toml").read_text().replace(
        'notebook_module = "tiny/optim.py"', 'notebook_module = "tiny/optim.py"\n'
        'drivers = "../../../../etc/passwd"')
    r = upload(instructor, course, bundle_zip(TINY, {"manifest.toml": manifest.encode()}))
    assert r.status_code == 422
    assert r.json() == {"detail": "the bundle was not stored: manifest: drivers "
                                  "'../../../../etc/passwd' points outside the bundle"}


def test_bundle_with_symlink_or_escape(course, instructor):
    from .conftest import make_zip

    r = upload(instructor, course, make_zip({"../manifest.toml": b"x"}))
    assert r.status_code == 422
    assert r.json()["detail"] == ("the bundle was not stored: bundle: archive entry "
                                  "'../manifest.toml' points outside the submission folder; "
                                  "re-create the zip from inside your project folder")


def test_bundle_by_a_student_is_refused(course, alice, server):
    before = (server.count("assignments"), server.count("validations"))
    r = upload(alice, course, bundle_zip(TINY))
    assert r.status_code == 403
    assert r.json() == {"detail": f"you are not enrolled in course {course}"}
    assert (server.count("assignments"), server.count("validations")) == before


def test_duplicate_assignment_is_409(course, instructor):
    assert instructor.post(f"/api/v1/courses/{course}/assignments",
                           json={"builtin": "fc-optim"}).status_code == 201
    r = instructor.post(f"/api/v1/courses/{course}/assignments", json={"builtin": "fc-optim"})
    assert r.status_code == 409
    assert r.json() == {"detail": f"course {course} already has an assignment 'fc-optim'"}


def test_unknown_builtin_is_404(course, instructor):
    r = instructor.post(f"/api/v1/courses/{course}/assignments", json={"builtin": "nope"})
    assert r.status_code == 404
    assert r.json()["detail"].startswith("unknown built-in assignment 'nope' (known: ")


def test_builtins_catalogue(instructor, alice):
    slugs = [b["slug"] for b in instructor.get("/api/v1/builtins").json()]
    assert "fc-optim" in slugs
    assert alice.get("/api/v1/builtins").status_code == 403
