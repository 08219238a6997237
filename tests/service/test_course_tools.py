"""Extensions, manual review (overrides, regrade requests), the audit trail and the
whole-assignment downloads, through the real server over HTTP."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from .conftest import BUNDLES, Api, bundle_zip

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

TINY = BUNDLES / "tiny-sgd"
REF = (TINY / "reference" / "tiny" / "optim.py").read_bytes()
WRONG = (TINY / "reference" / "variants" / "momentum_ignored.py").read_bytes()


@dataclass
class Klass:
    """A fresh course with tiny-sgd published, three new students and a TA of its own."""

    slug: str
    ann: Api
    ben: Api
    cat: Api
    dan: Api
    ta: Api


@pytest.fixture
def klass(server, instructor, request) -> Klass:
    slug = "t-" + request.node.originalname.replace("_", "-")[5:30].strip("-")
    assert instructor.post("/api/v1/courses", json={"slug": slug}).status_code == 201
    names = {k: f"{slug}-{k}" for k in ("ann", "ben", "cat", "dan", "ta")}
    roster = "name,role\n" + "".join(f"{v},{'ta' if k == 'ta' else 'student'}\n"
                                      for k, v in names.items())
    r = instructor.post(f"/api/v1/courses/{slug}/roster",
                        files={"file": ("r.csv", roster.encode())})
    assert r.status_code == 200, r.text
    tokens = {e["name"]: e["token"] for e in r.json()["enrolled"]}
    v = instructor.upload_bundle(slug, bundle_zip(TINY), publish="true")
    assert v["status"] == "passed", v
    return Klass(slug, **{k: Api(server.url, tokens[v]) for k, v in names.items()})


def base(course: str) -> str:
    return f"/api/v1/courses/{course}/assignments/tiny-sgd"


def patch(api, course: str, **changes) -> dict:
    r = api.patch(base(course), json=changes)
    assert r.status_code == 200, r.text
    return r.json()


# --- extensions ------------------------------------------------------------------------------


def test_extensions_change_what_is_accepted_and_charged(klass, instructor):
    course, ben, cat, ta = klass.slug, klass.ben, klass.cat, klass.ta
    B, C = f"{course}-ben", f"{course}-cat"
    due = datetime.now(UTC) - timedelta(days=2, hours=3)  # now: 3 started days late
    patch(instructor, course, due_at=due.isoformat(), late_percent_per_day=10,
          late_days_accepted=1, max_submissions=1)
    ext = base(course) + "/extensions"

    # students and TAs cannot grant extensions, to themselves or anyone: nothing stored
    for who in (ben, ta):
        r = who.post(ext, json={"student": B, "extra_late_days": 5})
        assert r.status_code == 403
        assert r.json() == {"detail": f"only instructors of course {course} can do this"}
        assert who.get(ext).status_code == 403
    assert instructor.get(ext).json() == []
    assert instructor.get(f"/api/v1/courses/{course}/audit").json() == []

    r = ben.submit(course, "tiny-sgd", [("tiny/optim.py", REF)])
    assert r.status_code == 403
    assert r.json()["detail"] == (f"the assignment was due {due.isoformat()} and late "
                                  "submissions are accepted for 1 day(s); this one would be "
                                  "3 day(s) late")

    # two excused late days: ben is accepted (3 <= 1 + 2) and charged for one day
    r = instructor.post(ext, json={"student": B, "extra_late_days": 2, "reason": "medical"})
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["student"], got["extra_late_days"], got["late_days_accepted"],
            got["max_submissions"], got["granted_by"]) == (B, 2, 3, 1, "instructor")
    r = ben.submit(course, "tiny-sgd", [("tiny/optim.py", REF)])
    assert r.status_code == 202, r.text
    first = ben.wait(r.json()["id"])
    assert (first["late_days"], first["penalty_percent"], first["final_score"]) == (3, 10, 9)
    assert first["extension"]["extra_late_days"] == 2
    r = ben.submit(course, "tiny-sgd", [("tiny/optim.py", REF)])
    assert r.status_code == 403 and "all 1 submissions" in r.json()["detail"]

    # a CSV: every bad line refused with its reason, and then nothing changed
    for text, message in [
        (f"student,due_at\n{B},\n{C},2020-01-01T00:00:00\n",
         "extensions line 2: an extension must give a later due date, extra late days or "
         "extra submissions; to take one back, revoke it"),
        (f"student,due_at,extra_late_days\n{B},,1\n{C},2020-01-01T00:00:00,\n",
         "extensions line 3: the extended due date 2020-01-01T00:00:00+00:00 is not later "
         f"than the assignment's due date {due.isoformat()}"),
        (f"name,extra_late_days\n{B},two\n",
         "extensions line 2: extra_late_days must be a whole number; got 'two'"),
        (f"name,due_at\n{B},next friday\n",
         "extensions line 2: due_at must be an ISO 8601 date and time such as "
         "2030-01-31T23:59:00+00:00; got 'next friday'"),
        (f"who,due_at\n{B},\n", "the extensions file's first line must be a header with a "
                                 "'student' column; got 'who, due_at'"),
        (f"student,extra_late_days\n{B},1\n{B},2\n",
         f"extensions line 3: {B!r} is listed twice"),
        ("student,extra_late_days\nnobody-here,1\n",
         "extensions line 2: no user called 'nobody-here'"),
        (f"student,extra_late_days\n{course}-ta,1\n",
         f"extensions line 2: {course}-ta is not a student of course {course}"),
        (f"student,extra_late_days\n{B},-1\n",
         "extensions line 2: extra_late_days must be between 0 and 3650; got -1"),
    ]:
        r = instructor.post(ext + "/csv", files={"file": ("e.csv", text.encode())})
        assert (r.status_code, r.json()) == (422, {"detail": message}), text
    assert [(e["student"], e["extra_submissions"]) for e in instructor.get(ext).json()] == [
        (B, 0)]

    # a good CSV replaces ben's extension and gives cat a later due date
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    good = ("student,due_at,extra_late_days,extra_submissions,reason\n"
            f"{B},,2,1,second try\n{C},{later.isoformat()},,,travel\n")
    r = instructor.post(ext + "/csv", files={"file": ("e.csv", good.encode())})
    assert r.status_code == 200, r.text
    assert [(e["student"], e["max_submissions"]) for e in r.json()] == [(B, 2), (C, 1)]
    second = ben.wait(ben.submit(course, "tiny-sgd", [("tiny/optim.py", REF)]).json()["id"])
    assert (second["attempt"], second["final_score"]) == (2, 9)

    # cat is on time for her: no lateness, no penalty (the 202 answer says so too)
    r = cat.submit(course, "tiny-sgd", [("tiny/optim.py", REF)])
    assert r.status_code == 202 and r.json()["late_days"] == 0
    c = cat.wait(r.json()["id"])
    assert (c["late_days"], c["penalty_percent"], c["final_score"]) == (0, 0, 10)
    assert c["extension"]["effective_due_at"] == later.isoformat().replace("+00:00", "Z")

    # the gradebook follows the extensions
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(
        instructor.get(base(course) + "/grades.csv").text))}
    assert (rows[C]["late_days"], rows[C]["final_score"], rows[C]["extension"]) == (
        "0", "10", f"due {later.isoformat()}")
    assert (rows[B]["final_score"], rows[B]["extension"]) == (
        "9", "2 extra late day(s); 1 extra submission(s)")

    # the CSV download is what the upload reads
    lines = instructor.get(ext + "/csv").text.splitlines()
    assert lines[0] == "student,due_at,extra_late_days,extra_submissions,reason"
    assert f"{C},{later.isoformat()},0,0,travel" in lines

    # revoking cat's: her submission is 3 days late again (30%); students cannot revoke
    r = cat.http.delete(ext + f"/{C}")
    assert (r.status_code, r.json()) == (403, {"detail": f"only instructors of course "
                                                         f"{course} can do this"})
    assert instructor.http.delete(ext + f"/{C}").status_code == 204
    c = cat.get(f"/api/v1/submissions/{c['id']}").json()
    assert (c["late_days"], c["penalty_percent"], c["final_score"], c["extension"]) == (
        3, 30, 7, None)
    r = instructor.http.delete(ext + f"/{C}")
    assert (r.status_code, r.json()) == (404, {"detail": f"{C} has no extension on "
                                                         "tiny-sgd"})

    # the audit trail: who granted what, before and after, newest first
    events = instructor.get(f"/api/v1/courses/{course}/audit",
                            params={"assignment": "tiny-sgd"}).json()
    assert [(e["action"], e["student"], e["actor"]) for e in events] == [
        ("extension.revoke", C, "instructor"), ("extension.grant", C, "instructor"),
        ("extension.grant", B, "instructor"), ("extension.grant", B, "instructor")]
    assert events[2]["detail"]["before"]["extra_submissions"] == 0
    assert events[2]["detail"]["after"]["extra_submissions"] == 1
    assert events[3]["detail"]["before"] is None
    assert events[3]["detail"]["after"]["reason"] == "medical"
    assert ben.get(f"/api/v1/courses/{course}/audit").status_code == 403


# --- manual review ------------------------------------------------------------------------------


def test_overrides_survive_regrades_until_released(klass, instructor):
    course, ann, ben, ta = klass.slug, klass.ann, klass.ben, klass.ta
    A = f"{course}-ann"
    sub = ann.wait(ann.submit(course, "tiny-sgd", [("tiny/optim.py", WRONG)]).json()["id"])
    sid, auto = sub["id"], sub["score"]
    assert sub["status"] == "graded" and auto < 10 and sub["auto_score"] == auto
    path = f"/api/v1/submissions/{sid}/overrides/sgd_momentum"
    body = {"score": 7, "comment": "Momentum is right up to a sign; see my note."}

    # a student (even the owner) cannot override; bad scores and TODOs are refused
    for who in (ann, ben):
        r = who.http.put(path, json=body)
        assert r.status_code == 403
    assert ann.http.put(path, json=body).json() == {
        "detail": f"only instructors and TAs of course {course} can do this"}
    assert ben.http.put(path, json=body).json() == {
        "detail": f"submission {sid} belongs to another student"}
    r = ta.http.put(path, json={"score": 11, "comment": "x"})
    assert (r.status_code, r.json()) == (422, {"detail": "the score of sgd_momentum must be "
                                                         "between 0 and 10; got 11"})
    r = ta.http.put(f"/api/v1/submissions/{sid}/overrides/adam", json=body)
    assert (r.status_code, r.json()) == (404, {"detail": f"submission {sid} has no TODO "
                                                         "'adam' (its TODOs: sgd_momentum)"})
    r = ta.http.put(path, json={"score": 5, "comment": "   "})
    assert (r.status_code, r.json()) == (422, {"detail": "the comment is empty: say why"})
    assert ann.get(f"/api/v1/submissions/{sid}").json()["score"] == auto
    assert ann.get(f"/api/v1/submissions/{sid}/review").json()["overrides"] == []

    # the TA overrides: the student sees the comment and both scores
    r = ta.http.put(path, json=body)
    assert r.status_code == 200, r.text
    seen = ann.get(f"/api/v1/submissions/{sid}").json()
    assert (seen["score"], seen["auto_score"], seen["final_score"]) == (7, auto, 7)
    [o] = seen["review"]["overrides"]
    assert (o["todo"], o["score"], o["grader_score"], o["max_score"], o["comment"],
            o["by"]) == ("sgd_momentum", 7, auto, 10, body["comment"], f"{course}-ta")
    assert seen["review"]["released"] == []

    # a regrade keeps the override (a new grading, the same TA score)
    r = instructor.post(f"/api/v1/submissions/{sid}/regrade", json={})
    assert r.status_code == 202
    instructor.wait_regrade(r.json()["id"])
    again = instructor.get(f"/api/v1/submissions/{sid}").json()
    assert len(again["history"]) == 2
    assert (again["score"], again["auto_score"]) == (7, auto)
    rows = {r["student"]: r for r in csv.DictReader(io.StringIO(
        instructor.get(base(course) + "/grades.csv").text))}
    assert (rows[A]["score"], rows[A]["overrides"]) == ("7", "sgd_momentum")

    # released: the grader's score counts again; the history keeps the override
    r = ta.http.delete(path)
    assert r.status_code == 204
    back = ta.get(f"/api/v1/submissions/{sid}").json()
    assert back["score"] == auto and back["review"]["overrides"] == []
    assert [x["score"] for x in back["review"]["released"]] == [7]
    r = ta.http.delete(path)
    assert (r.status_code, r.json()) == (404, {"detail": "TODO 'sgd_momentum' of submission "
                                                         f"{sid} has no override to release"})

    events = instructor.get(f"/api/v1/courses/{course}/audit").json()
    assert [(e["action"], e["actor"], e["student"]) for e in events] == [
        ("override.release", f"{course}-ta", A), ("override.set", f"{course}-ta", A)]
    assert events[1]["detail"]["grader_score"] == auto
    assert events[1]["detail"]["score"] == 7
    assert events[1]["detail"]["comment"] == body["comment"]


def test_regrade_requests_and_answers(klass, instructor):
    course, ann, ben, ta = klass.slug, klass.ann, klass.ben, klass.ta
    queued = ann.submit(course, "tiny-sgd", [("tiny/optim.py", WRONG)]).json()["id"]
    sub = ann.wait(queued)
    sid, auto = sub["id"], sub["score"]
    path = f"/api/v1/submissions/{sid}/regrade-requests"
    ask = {"todo": "sgd_momentum", "message": "My momentum matches the lecture's slide 12."}

    r = ben.post(path, json=ask)
    assert (r.status_code, r.json()) == (403, {"detail": f"submission {sid} belongs to "
                                                         "another student"})
    r = ta.post(path, json=ask)
    assert (r.status_code, r.json()) == (403, {"detail": "only the student who submitted "
                                                         "can ask for a regrade of it"})
    r = ann.post(path, json={"todo": "adam", "message": "?"})
    assert (r.status_code, r.json()["detail"]) == (404, f"submission {sid} has no TODO "
                                                        "'adam' (its TODOs: sgd_momentum)")
    r = ann.post(path, json=ask)
    assert r.status_code == 201, r.text
    req = r.json()
    assert (req["status"], req["student"], req["todo"], req["answer"]) == (
        "open", f"{course}-ann", "sgd_momentum", None)
    r = ann.post(path, json=ask)
    assert (r.status_code, r.json()) == (409, {"detail": "you already have an open regrade "
                                                         f"request on sgd_momentum (request "
                                                         f"{req['id']}); wait for its answer"})

    # staff list the open requests; students cannot
    listed = ta.get(f"/api/v1/courses/{course}/regrade-requests", params={"status": "open"})
    assert [x["id"] for x in listed.json()] == [req["id"]]
    assert listed.json()[0]["assignment"] == "tiny-sgd"
    r = ann.get(f"/api/v1/courses/{course}/regrade-requests")
    assert (r.status_code, r.json()) == (403, {"detail": f"only instructors and TAs of course "
                                                         f"{course} can do this"})

    # answering: a student cannot; a TA answers with a new score (an override)
    answer = f"/api/v1/regrade-requests/{req['id']}/answer"
    r = ann.post(answer, json={"answer": "granted", "score": 10})
    assert r.status_code == 403
    r = ta.post(answer, json={"answer": "Agreed: full marks.", "score": 12})
    assert (r.status_code, r.json()) == (422, {"detail": "the score of sgd_momentum must be "
                                                         "between 0 and 10; got 12"})
    assert ta.get(f"/api/v1/submissions/{sid}/review").json()["requests"][0]["status"] == \
        "open"
    r = ta.post(answer, json={"answer": "Agreed: full marks.", "score": 10})
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["answered_by"]) == ("answered", f"{course}-ta")
    r = ta.post(answer, json={"answer": "again"})
    assert (r.status_code, r.json()) == (409, {"detail": f"regrade request {req['id']} was "
                                                         "already answered"})
    mine = ann.get(f"/api/v1/submissions/{sid}").json()
    assert (mine["score"], mine["auto_score"]) == (10, auto)
    assert mine["review"]["requests"][0]["answer"] == "Agreed: full marks."
    assert mine["review"]["overrides"][0]["comment"] == "Agreed: full marks."
    assert ta.get(f"/api/v1/courses/{course}/regrade-requests",
                  params={"status": "open"}).json() == []
    assert instructor.post("/api/v1/regrade-requests/999999/answer",
                           json={"answer": "x"}).json() == {"detail": "no regrade request "
                                                                      "999999"}
    actions = [e["action"] for e in instructor.get(f"/api/v1/courses/{course}/audit").json()]
    assert actions == ["regrade_request.answer", "override.set", "regrade_request.open"]


# --- downloads ----------------------------------------------------------------------------------


def test_submissions_zip_and_canvas_gradebook(klass, instructor):
    course, ann, ben = klass.slug, klass.ann, klass.ben
    A, B, C = (f"{course}-{k}" for k in ("ann", "ben", "cat"))
    ann.wait(ann.submit(course, "tiny-sgd", [("tiny/optim.py", WRONG)]).json()["id"])
    last = ann.wait(ann.submit(course, "tiny-sgd", [("tiny/optim.py", REF),
                                                    ("tiny/notes.py", b"# mine\n")]
                               ).json()["id"])
    b = ben.wait(ben.submit(course, "tiny-sgd", [("tiny/optim.py", WRONG)]).json()["id"])

    for who in (ann, klass.ta):
        r = who.get(base(course) + "/submissions.zip")
        assert (r.status_code, r.json()) == (403, {"detail": f"only instructors of course "
                                                             f"{course} can do this"})
        assert who.get(base(course) + "/grades-canvas.csv").status_code == 403

    r = instructor.get(base(course) + "/submissions.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(r.content))
    assert sorted(zf.namelist()) == sorted([f"{A}/tiny/optim.py", f"{A}/tiny/notes.py",
                                            f"{B}/tiny/optim.py", "index.csv"])
    assert zf.read(f"{A}/tiny/optim.py") == REF  # the counted (latest) one, as accepted
    assert zf.read(f"{B}/tiny/optim.py") == WRONG
    index = list(csv.DictReader(io.StringIO(zf.read("index.csv").decode())))
    assert [(x["student"], x["submission_id"], x["attempt"]) for x in index] == [
        (A, str(last["id"]), "2"), (B, str(b["id"]), "1")]

    r = instructor.get(base(course) + "/grades-canvas.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       "Tiny: SGD with momentum"]
    assert rows[1] == ["    Points Possible", "", "", "", "", "10"]
    D = f"{course}-dan"
    assert rows[2:] == [[A, "", "", A, "", "10"], [B, "", "", B, "", f"{b['score']:g}"],
                        [C, "", "", C, "", ""], [D, "", "", D, "", ""]]


# --- similarity ---------------------------------------------------------------------------------

STARTER = (TINY / "starter" / "tiny" / "optim.py").read_bytes()
# ann's code with other names, other comments and another docstring: the same once normalized
RENAMED = REF.replace(b"next_w", b"new_weights").replace(b"v = ", b"vel = ") \
    .replace(b"* v", b"* vel").replace(b"w + v", b"w + vel").replace(b'= v\n', b'= vel\n') \
    .replace(b"(see the starter's docstring)", b"(my own words)") \
    .replace(b"    return", b"    # done\n    return")
INDEPENDENT = STARTER.replace(
    b"    next_w = None\n    # TODO: update v and compute next_w\n",
    b"    step = dw * config['learning_rate']\n"
    b"    for _ in range(1):\n"
    b"        v = v * config['momentum']\n"
    b"        v -= step\n"
    b"    next_w = np.add(w, v)\n")


def test_similarity_ranks_copied_code_first(klass, instructor):
    course, ann, ben, cat, dan = klass.slug, klass.ann, klass.ben, klass.cat, klass.dan
    A, B, C, D = (f"{course}-{k}" for k in ("ann", "ben", "cat", "dan"))
    assert b"vel = config" in RENAMED and b"new_weights = w + vel" in RENAMED
    for who, code in ((ann, REF), (ben, RENAMED), (cat, INDEPENDENT), (dan, STARTER)):
        got = who.wait(who.submit(course, "tiny-sgd", [("tiny/optim.py", code)]).json()["id"])
        assert got["status"] == "graded"
        if who is not dan:
            assert got["score"] == 10, (who, got["result"]["todos"])
    url = base(course) + "/similarity"
    for who in (ann, klass.ta):
        r = who.get(url)
        assert (r.status_code, r.json()) == (403, {"detail": f"only instructors of course "
                                                             f"{course} can do this"})

    r = instructor.get(url)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["students"] == 3
    assert body["excluded"] == [f"{D}: no TODO code written (the starter's, or none)"]
    top = body["pairs"][0]
    assert (top["a"], top["b"]) == (A, B)
    assert top["similarity"] == 1.0 and top["todos"] == {"sgd_momentum": 1.0}
    others = [p for p in body["pairs"][1:]]
    assert all(p["similarity"] < 0.5 for p in others), others
    assert ann.get(top["url"]).status_code == 403

    # side by side: the shared regions of each, as ranges into each one's own code
    r = instructor.get(top["url"])
    assert r.status_code == 200, r.text
    d = r.json()
    assert (d["a"], d["b"], d["similarity"]) == (A, B, 1.0)
    [todo] = d["todos"]
    assert todo["todo"] == "sgd_momentum" and '"""' not in todo["code_a"]
    shared_a = "".join(todo["code_a"][s:e] for s, e in todo["spans_a"])
    shared_b = "".join(todo["code_b"][s:e] for s, e in todo["spans_b"])
    assert "next_w = w + v" in shared_a and "new_weights = w + vel" in shared_b
    r = instructor.get(f"{url}/{top['submission_a']}/999999")
    assert (r.status_code, r.json()) == (404, {"detail": "no submission 999999"})
