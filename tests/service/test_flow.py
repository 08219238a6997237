"""Submit, poll, result, Gradescope JSON; who sees what."""

from __future__ import annotations

import pytest

from .conftest import BUNDLES, example_files, make_zip

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

SUBMIT = "/api/v1/courses/demo/assignments/fc-optim/submissions"


def test_health_and_docs(server):
    import httpx

    health = httpx.get(server.url + "/api/v1/health").json()
    assert health["status"] == "ok"
    assert health["queue"]["sandbox"] == "process"
    assert health["queue"]["backend"] == "embedded"
    schema = httpx.get(server.url + "/openapi.json").json()
    assert SUBMIT.replace("demo", "{course}").replace("fc-optim", "{assignment}") \
        in schema["paths"]
    assert httpx.get(server.url + "/docs").status_code == 200


def test_demo_people_and_course(alice, instructor):
    me = alice.get("/api/v1/me").json()
    assert me["name"] == "alice" and me["role"] == "student"
    assert {"slug": "demo", "title": "Demo course", "role": "student"} in me["courses"]
    listed = alice.get("/api/v1/courses/demo/assignments").json()
    assert "fc-optim" in [a["slug"] for a in listed]
    assert all(a["published"] for a in listed)
    detail = alice.get("/api/v1/courses/demo/assignments/fc-optim").json()
    assert detail["submission_files"][-1] == "nndl/optim.py"
    assert detail["check_report"] is None  # instructors only
    assert instructor.get("/api/v1/courses/demo/assignments/fc-optim").json()["check_report"]


def test_submit_poll_result_and_gradescope(alice, server):
    before = server.count("submissions")
    r = alice.submit("demo", "fc-optim", example_files())
    assert r.status_code == 202, r.text
    accepted = r.json()
    assert accepted["status"] == "queued" and accepted["url"] == f"/api/v1/submissions/" \
        f"{accepted['id']}"
    assert server.count("submissions") == before + 1  # stored before the answer
    body = alice.wait(accepted["id"])
    assert body["status"] == "graded"
    result = body["result"]
    assert result["audience"] == "student"
    assert result["sandbox"] == "process"
    assert 0 < body["score"] < body["max_score"] == 100
    assert body["final_score"] == body["score"] and body["penalty_percent"] == 0
    adam = next(t for t in result["todos"] if t["id"] == "adam")
    assert adam["status"] != "passed"
    assert any(m["id"] == "adam_no_bias_correction" for m in adam["mistakes"])
    hidden = [c for t in result["todos"] for c in t["checks"] if c["visibility"] != "visible"]
    assert hidden and all(o["detail"] is None for c in hidden for o in c["outputs"])
    assert all(c["internal"] is None for t in result["todos"] for c in t["checks"])
    assert body["history"] is None

    gs = alice.get(f"/api/v1/submissions/{accepted['id']}/gradescope")
    assert gs.status_code == 200
    gs = gs.json()
    assert gs["score"] == body["score"]
    assert len(gs["tests"]) == len(result["todos"])
    assert {"name", "number", "score", "max_score", "status", "output", "visibility",
            "tags"} <= set(gs["tests"][0])


def test_zip_submission_and_instructor_view(alice, instructor):
    data = make_zip({f"project/{n}": d for n, d in example_files()})
    r = alice.submit("demo", "fc-optim", [("project.zip", data)])
    assert r.status_code == 202, r.text
    sid = r.json()["id"]
    student = alice.wait(sid)
    teacher = instructor.get(f"/api/v1/submissions/{sid}").json()
    assert teacher["score"] == student["score"]
    assert teacher["result"]["audience"] == "instructor"
    assert [h["grader_version"] for h in teacher["history"]] == [
        teacher["result"]["grader_version"]]
    hidden = [o for t in teacher["result"]["todos"] for c in t["checks"]
              if c["visibility"] != "visible" and c["status"] == "failed" for o in c["outputs"]]
    assert any(o["detail"] for o in hidden)  # instructors see hidden values


def test_student_cannot_read_anothers_submission(alice, bob, server):
    sid = alice.submit("demo", "fc-optim", example_files()).json()["id"]
    for path in (f"/api/v1/submissions/{sid}", f"/api/v1/submissions/{sid}/gradescope"):
        r = bob.get(path)
        assert r.status_code == 403
        assert r.json() == {"detail": f"submission {sid} belongs to another student"}
    mine = bob.get("/api/v1/courses/demo/assignments/fc-optim/submissions").json()
    assert all(s["student"] == "bob" for s in mine)
    r = bob.post(f"/api/v1/submissions/{sid}/regrade", json={})
    assert r.status_code == 403
    assert bob.get("/api/v1/courses/demo/assignments/fc-optim/grades.csv").status_code == 403
    alice.wait(sid)


def test_gradescope_before_grading_is_409(server, tokens, tmp_path):
    from .conftest import Api, Server

    paused = Server(tmp_path / "paused", env={"GRADER_WORKERS": "0"}).start()
    try:
        alice = Api(paused.url, paused.tokens()["alice"])
        sid = alice.submit("demo", "fc-optim", example_files()).json()["id"]
        r = alice.get(f"/api/v1/submissions/{sid}/gradescope")
        assert r.status_code == 409
        assert r.json()["detail"] == (f"submission {sid} is queued; poll GET "
                                      f"/api/v1/submissions/{sid} until it is graded")
        assert alice.get(f"/api/v1/submissions/{sid}").json()["status"] == "queued"
    finally:
        paused.stop()


def test_hidden_details_after_release(tiny_course, alice, instructor):
    wrong = (BUNDLES / "tiny-sgd" / "reference" / "variants" / "momentum_ignored.py")
    r = alice.submit(tiny_course, "tiny-sgd", [("tiny/optim.py", wrong.read_bytes())])
    assert r.status_code == 202, r.text
    body = alice.wait(r.json()["id"])
    hidden = [c for t in body["result"]["todos"] for c in t["checks"]
              if c["visibility"] == "hidden"]
    assert hidden and all(c["status"] == "failed" for c in hidden)
    assert all(o["detail"] is None for c in hidden for o in c["outputs"])
    r = instructor.patch(f"/api/v1/courses/{tiny_course}/assignments/tiny-sgd",
                         json={"hidden_released": True})
    assert r.status_code == 200 and r.json()["hidden_released"] is True
    try:
        body = alice.get(f"/api/v1/submissions/{body['id']}").json()
        hidden = [c for t in body["result"]["todos"] for c in t["checks"]
                  if c["visibility"] == "hidden"]
        assert all(o["detail"] for c in hidden for o in c["outputs"] if not o["ok"])
        assert all(c["internal"] is None for c in hidden)
    finally:
        instructor.patch(f"/api/v1/courses/{tiny_course}/assignments/tiny-sgd",
                         json={"hidden_released": False})


def test_notebook_submission(tiny_course, alice):
    import json

    ref = (BUNDLES / "tiny-sgd" / "reference" / "tiny" / "optim.py").read_text()
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": "%matplotlib inline\n" + ref},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": "for i in range(10**9):\n    pass\n"}]}
    r = alice.submit(tiny_course, "tiny-sgd", [("hw.ipynb", json.dumps(nb).encode())])
    assert r.status_code == 202, r.text
    body = alice.wait(r.json()["id"])
    assert body["status"] == "graded" and body["score"] == 10
