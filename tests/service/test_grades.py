"""Late policy, submission limits, grades export, regrading (dry run, commit, idempotence)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from .conftest import BUNDLES, bundle_zip

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

TINY = BUNDLES / "tiny-sgd"
REF = (TINY / "reference" / "tiny" / "optim.py").read_bytes()
WRONG = (TINY / "reference" / "variants" / "momentum_ignored.py").read_bytes()


@pytest.fixture
def course(instructor, request) -> str:
    """A fresh course with tiny-sgd published and alice and bob enrolled."""
    slug = "g-" + request.node.originalname.replace("_", "-")[5:40].strip("-")
    assert instructor.post("/api/v1/courses", json={"slug": slug}).status_code == 201
    r = instructor.post(f"/api/v1/courses/{slug}/roster",
                        files={"file": ("r.csv", b"name,role\nalice,student\nbob,student\n"
                                                 b"carol,student\n")})
    assert r.status_code == 200, r.text
    v = instructor.upload_bundle(slug, bundle_zip(TINY), publish="true")
    assert v["status"] == "passed", v
    return slug


def settings(api, course: str, **changes):
    r = api.patch(f"/api/v1/courses/{course}/assignments/tiny-sgd", json=changes)
    assert r.status_code == 200, r.text
    return r.json()


def test_late_penalty_and_export(course, instructor, alice, bob):
    due = datetime.now(UTC) - timedelta(days=2, hours=3)  # 3 started days late
    a = settings(instructor, course, due_at=due.isoformat(), late_percent_per_day=10,
                 late_cap_percent=25, late_days_accepted=5)
    assert a["late_cap_percent"] == 25
    r = alice.submit(course, "tiny-sgd", [("tiny/optim.py", REF)])
    assert r.status_code == 202 and r.json()["late_days"] == 3
    body = alice.wait(r.json()["id"])
    assert (body["score"], body["penalty_percent"], body["final_score"]) == (10, 25, 7.5)

    csv_r = instructor.get(f"/api/v1/courses/{course}/assignments/tiny-sgd/grades.csv")
    assert csv_r.status_code == 200
    assert csv_r.headers["content-type"].startswith("text/csv")
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(csv_r.text))}
    assert set(rows) == {"alice", "bob", "carol"}
    assert (rows["alice"]["score"], rows["alice"]["late_days"], rows["alice"]["penalty_percent"],
            rows["alice"]["final_score"]) == ("10", "3", "25", "7.5")
    assert rows["alice"]["grader_version"]
    assert rows["bob"]["status"] == "missing" and rows["bob"]["final_score"] == ""

    # past the last accepted day: refused, nothing stored
    settings(instructor, course, late_days_accepted=2)
    r = bob.submit(course, "tiny-sgd", [("tiny/optim.py", REF)])
    assert r.status_code == 403
    assert r.json()["detail"] == (f"the assignment was due {due.isoformat()} and late "
                                  "submissions are accepted for 2 day(s); this one would be "
                                  "3 day(s) late")
    assert bob.get(f"/api/v1/courses/{course}/assignments/tiny-sgd/submissions").json() == []


def test_submission_limit_and_resubmission_penalty(course, instructor, alice):
    settings(instructor, course, max_submissions=2, resubmission_penalty_percent=10)
    first = alice.wait(alice.submit(course, "tiny-sgd", [("tiny/optim.py", REF)]).json()["id"])
    second = alice.wait(alice.submit(course, "tiny-sgd",
                                     [("tiny/optim.py", REF)]).json()["id"])
    assert (first["attempt"], first["final_score"]) == (1, 10)
    assert (second["attempt"], second["penalty_percent"], second["final_score"]) == (2, 10, 9)
    r = alice.submit(course, "tiny-sgd", [("tiny/optim.py", REF)])
    assert r.status_code == 403
    assert r.json() == {"detail": "you have used all 2 submissions allowed for this "
                                  "assignment; ask your instructor if you need another"}
    listed = instructor.get(f"/api/v1/courses/{course}/assignments/tiny-sgd/submissions")
    assert [s["attempt"] for s in listed.json()] == [1, 2]


def test_invalid_settings_are_422(course, instructor):
    r = instructor.patch(f"/api/v1/courses/{course}/assignments/tiny-sgd",
                         json={"late_percent_per_day": 150})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "late_percent_per_day"]
    r = instructor.patch(f"/api/v1/courses/{course}/assignments/tiny-sgd",
                         json={"late_cap_percent": None, "published": False})
    assert r.status_code == 422
    assert r.json() == {"detail": "late_cap_percent cannot be null; leave it out to keep its "
                                  "value"}
    a = instructor.get(f"/api/v1/courses/{course}/assignments/tiny-sgd").json()
    assert a["published"] is True and a["late_cap_percent"] == 100  # nothing changed
    a = settings(instructor, course, due_at="2030-01-02T03:04:05")  # no zone: UTC
    assert a["due_at"] == "2030-01-02T03:04:05Z"


def test_regrade_dry_run_then_commit(course, instructor, alice, bob, server):
    s1 = alice.wait(alice.submit(course, "tiny-sgd", [("tiny/optim.py", WRONG)]).json()["id"])
    s2 = bob.wait(bob.submit(course, "tiny-sgd", [("tiny/optim.py", REF)]).json()["id"])
    assert (s1["score"], s2["score"]) == (0, 10)
    base = f"/api/v1/courses/{course}/assignments/tiny-sgd"

    # a dry run with nothing changed lists no change
    r = instructor.post(base + "/regrade", json={"dry_run": True})
    assert r.status_code == 202, r.text
    same = instructor.wait_regrade(r.json()["id"])
    assert same["dry_run"] is True and same["status"] == "done" and same["changes"] == 0

    # the instructor decides to accept the "momentum ignored" convention: a new version
    manifest = (TINY / "manifest.toml").read_text().replace('kind = "wrong"',
                                                            'kind = "accepted"')
    v = instructor.upload_bundle(course, bundle_zip(TINY, {"manifest.toml": manifest.encode()}),
                                 replace="true")
    assert v["status"] == "passed", v
    assert "accepted variant momentum_ignored" in v["check_report"]
    r = instructor.post(base + "/regrade", json={"dry_run": True})
    batch = instructor.wait_regrade(r.json()["id"])
    assert batch["changes"] == 1
    assert sorted((x["student"], x["old_score"], x["new_score"], x["changed"])
                  for x in batch["lines"]) == [("alice", 0, 10, True), ("bob", 10, 10, False)]
    # nothing applied yet
    assert alice.get(f"/api/v1/submissions/{s1['id']}").json()["score"] == 0
    for sid in (s1["id"], s2["id"]):
        assert len(instructor.get(f"/api/v1/submissions/{sid}").json()["history"]) == 1
    c1 = instructor.post(f"/api/v1/regrades/{batch['id']}/commit")
    assert c1.status_code == 200 and c1.json()["status"] == "committed"
    assert alice.get(f"/api/v1/submissions/{s1['id']}").json()["score"] == 10
    c2 = instructor.post(f"/api/v1/regrades/{batch['id']}/commit")  # idempotent
    assert c2.status_code == 200 and c2.json()["status"] == "committed"
    for sid in (s1["id"], s2["id"]):
        history = instructor.get(f"/api/v1/submissions/{sid}").json()["history"]
        assert len(history) == 2
        assert history[0]["grader_version"] == history[1]["grader_version"]
    # the committed batch still lists what changed
    assert instructor.get(f"/api/v1/regrades/{batch['id']}").json()["changes"] == 1


def test_regrade_is_idempotent_while_pending(course, instructor, alice, server, tmp_path):
    sid = alice.wait(alice.submit(course, "tiny-sgd",
                                  [("tiny/optim.py", REF)]).json()["id"])["id"]
    r1 = instructor.post(f"/api/v1/submissions/{sid}/regrade", json={})
    r2 = instructor.post(f"/api/v1/submissions/{sid}/regrade", json={})
    assert r1.status_code == r2.status_code == 202
    # the second request found the first one's job still pending (or the first already
    # done): never two pending regrades of one submission
    assert r1.json()["queued"] == 1
    done = instructor.wait_regrade(r1.json()["id"])
    assert done["lines"][0]["old_score"] == 10 and done["lines"][0]["new_score"] == 10
    if r2.json()["queued"]:
        instructor.wait_regrade(r2.json()["id"])
    with server.db() as conn:
        pending = conn.execute("SELECT count(*) FROM jobs WHERE submission_id=? AND status "
                               "!= 'done'", (sid,)).fetchone()[0]
    assert pending == 0
    body = instructor.get(f"/api/v1/submissions/{sid}").json()
    assert body["status"] == "graded" and body["score"] == 10
    assert len(body["history"]) == 1 + r1.json()["queued"] + r2.json()["queued"]


def test_commit_of_unfinished_or_real_regrade_is_409(course, instructor, alice):
    sid = alice.wait(alice.submit(course, "tiny-sgd",
                                  [("tiny/optim.py", REF)]).json()["id"])["id"]
    r = instructor.post(f"/api/v1/submissions/{sid}/regrade", json={"dry_run": False})
    rid = r.json()["id"]
    instructor.wait_regrade(rid)
    r = instructor.post(f"/api/v1/regrades/{rid}/commit")
    assert r.status_code == 409
    assert r.json() == {"detail": f"regrade {rid} was not a dry run; its results are already "
                                  "applied"}
    assert alice.get(f"/api/v1/regrades/{rid}").status_code == 403
