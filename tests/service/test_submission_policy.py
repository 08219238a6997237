"""Which submission counts (an assignment's ``submission_policy``): latest, best, chosen by
the student; applied to the gradebook, the exports and the API's results; the student's
choice and its refusals."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from .conftest import BUNDLES, bundle_zip

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

TINY = BUNDLES / "tiny-sgd"
REF = (TINY / "reference" / "tiny" / "optim.py").read_bytes()
WRONG = (TINY / "reference" / "variants" / "momentum_ignored.py").read_bytes()
BASE = "/api/v1/courses/{c}/assignments/tiny-sgd"


@pytest.fixture(scope="module")
def graded(instructor, alice, bob):
    """Course ``pol`` with alice's 10 then a worse attempt, and bob's one attempt."""
    assert instructor.post("/api/v1/courses", json={"slug": "pol"}).status_code == 201
    r = instructor.post("/api/v1/courses/pol/roster",
                        files={"file": ("r.csv", b"name\nalice\nbob\n")})
    assert r.status_code == 200, r.text
    assert instructor.upload_bundle("pol", bundle_zip(TINY), publish="true")["status"] == \
        "passed"
    first = alice.wait(alice.submit("pol", "tiny-sgd", [("tiny/optim.py", REF)]).json()["id"])
    second = alice.wait(alice.submit("pol", "tiny-sgd",
                                     [("tiny/optim.py", WRONG)]).json()["id"])
    theirs = bob.wait(bob.submit("pol", "tiny-sgd", [("tiny/optim.py", REF)]).json()["id"])
    assert first["score"] == 10 and second["score"] < 10, (first, second)
    return first, second, theirs


def policy(api, value: str) -> dict:
    r = api.patch(BASE.format(c="pol"), json={"submission_policy": value})
    assert r.status_code == 200, r.text
    return r.json()


def counted(api) -> dict[str, float]:
    """The gradebook's final score per student."""
    text = api.get(BASE.format(c="pol") + "/grades.csv").text
    return {r["student"]: float(r["final_score"]) for r in csv.DictReader(io.StringIO(text))}


def test_latest_then_best_everywhere(graded, instructor, alice):
    first, second, _ = graded
    assert policy(instructor, "latest")["submission_policy"] == "latest"
    assert counted(instructor) == {"alice": second["final_score"], "bob": 10}
    assert alice.get(f"/api/v1/submissions/{second['id']}").json()["counted"] is True
    assert alice.get(f"/api/v1/submissions/{first['id']}").json()["counted"] is False

    assert policy(instructor, "best")["submission_policy"] == "best"
    assert counted(instructor) == {"alice": 10, "bob": 10}
    lines = alice.get(BASE.format(c="pol") + "/submissions").json()
    assert [(x["attempt"], x["counted"]) for x in lines] == [(1, True), (2, False)]
    assert alice.get(BASE.format(c="pol")).json()["submission_policy"] == "best"
    # the exports: the Canvas gradebook and the zip of counted submissions
    canvas = list(csv.reader(io.StringIO(
        instructor.get(BASE.format(c="pol") + "/grades-canvas.csv").text)))
    assert {row[0]: row[-1] for row in canvas[2:]} == {"alice": "10", "bob": "10"}
    data = instructor.get(BASE.format(c="pol") + "/submissions.zip").content
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        index = list(csv.DictReader(io.StringIO(zf.read("index.csv").decode())))
        assert zf.read("alice/tiny/optim.py") == REF
    assert {r["student"]: r["attempt"] for r in index} == {"alice": "1", "bob": "1"}
    policy(instructor, "latest")


def test_student_chooses_the_active_submission(graded, instructor, alice, bob):
    first, second, theirs = graded
    url = BASE.format(c="pol") + "/active-submission"
    policy(instructor, "latest")
    r = alice.http.put(url, json={"submission_id": first["id"]})
    assert (r.status_code, r.json()) == (409, {"detail": (
        "on tiny-sgd your latest submission counts; choosing a submission is only possible "
        "when the instructor sets the policy to 'chosen'")})
    assert counted(instructor)["alice"] == second["final_score"]

    policy(instructor, "chosen")
    assert counted(instructor)["alice"] == second["final_score"]  # latest until chosen
    r = alice.http.put(url, json={"submission_id": theirs["id"]})
    assert (r.status_code, r.json()) == (403, {"detail": f"submission {theirs['id']} "
                                                         "belongs to another student"})
    r = alice.http.put(url, json={"submission_id": 0})
    assert r.status_code == 422
    assert counted(instructor)["alice"] == second["final_score"]

    r = alice.http.put(url, json={"submission_id": first["id"]})
    assert r.status_code == 200, r.text
    assert [(x["attempt"], x["counted"]) for x in r.json()] == [(1, True), (2, False)]
    assert counted(instructor) == {"alice": 10, "bob": 10}
    events = instructor.get("/api/v1/courses/pol/audit").json()
    assert [(e["action"], e["student"], e["submission_id"]) for e in events
            if e["action"] == "submission.choose"] == [("submission.choose", "alice",
                                                        first["id"])]

    # a new submission becomes the active one again
    third = alice.wait(alice.submit("pol", "tiny-sgd", [("tiny/optim.py", WRONG)]).json()["id"])
    assert counted(instructor)["alice"] == third["final_score"]
    policy(instructor, "latest")


def test_bad_policy_is_refused_and_changes_nothing(graded, instructor, alice):
    before = instructor.get(BASE.format(c="pol")).json()
    r = instructor.patch(BASE.format(c="pol"), json={"submission_policy": "first"})
    assert r.status_code == 422
    assert "'latest', 'best' or 'chosen'" in r.text
    r = alice.patch(BASE.format(c="pol"), json={"submission_policy": "best"})
    assert (r.status_code, r.json()) == (403, {"detail": "only instructors of course pol "
                                                         "can do this"})
    assert instructor.get(BASE.format(c="pol")).json() == before
