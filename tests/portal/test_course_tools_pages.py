"""The course tools' pages over real HTTP (signed-in sessions, CSRF): extensions, the review
of a submission (override, regrade request, answer), similarity, the audit trail and the
downloads; students refused where only staff may go, with the reason, and nothing changed."""

from __future__ import annotations

import io
import re
import time
import zipfile
from html import unescape

import pytest

from tests.service.conftest import BUNDLES as SERVICE_BUNDLES
from tests.service.conftest import Api, bundle_zip

from .conftest import Browser

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

TINY = SERVICE_BUNDLES / "tiny-sgd"
REF = (TINY / "reference" / "tiny" / "optim.py").read_bytes()
WRONG = (TINY / "reference" / "variants" / "momentum_ignored.py").read_bytes()
BASE = "/courses/tools/assignments/tiny-sgd"
ALERT = re.compile(r'<p class="error" role="alert">(.*?)</p>', re.S)


def alert(html: str) -> str:
    found = ALERT.search(html)
    assert found, html[:1500]
    return unescape(found.group(1))


@pytest.fixture(scope="module")
def people(portal_server, portal_tokens) -> dict[str, Browser]:
    api = Api(portal_server.url, portal_tokens["instructor"])
    assert api.post("/api/v1/courses", json={"slug": "tools"}).status_code == 201
    r = api.post("/api/v1/courses/tools/roster", files={"file": (
        "r.csv", b"name,role\ntools-sam,student\ntools-kim,student\ntools-tia,ta\n")})
    assert r.status_code == 200, r.text
    tokens = {e["name"]: e["token"] for e in r.json()["enrolled"]}
    v = api.upload_bundle("tools", bundle_zip(TINY), publish="true")
    assert v["status"] == "passed", v
    r = api.patch("/api/v1/courses/tools/assignments/tiny-sgd",
                  json={"due_at": "2031-01-01T00:00:00Z"})
    assert r.status_code == 200, r.text
    out = {n: Browser(portal_server.url, t) for n, t in tokens.items()}
    out["teacher"] = Browser(portal_server.url, portal_tokens["instructor"])
    return out


def submit(who: Browser, code: bytes) -> int:
    r = who.post(BASE + "/submit", data={"csrf_token": who.csrf(BASE)},
                 files=[("files", ("tiny/optim.py", code))])
    assert r.status_code == 303, r.text
    sid = int(r.headers["location"].rsplit("/", 1)[1])
    deadline = time.monotonic() + 120
    while who.get(f"/submissions/{sid}/status").json()["status"] not in ("graded", "failed"):
        assert time.monotonic() < deadline, "not graded"
        time.sleep(0.2)
    return sid


def test_extension_pages(people):
    teacher, sam = people["teacher"], people["tools-sam"]
    page = teacher.get(BASE + "/extensions")
    assert page.status_code == 200 and "No extension yet." in page.text
    csrf = teacher.csrf(BASE + "/extensions")

    # a student can neither see the page nor post the form (with their own valid CSRF)
    r = sam.get(BASE + "/extensions")
    assert (r.status_code, alert(r.text)) == (403, "only instructors of course tools can do "
                                                   "this")
    r = sam.post(BASE + "/extensions", data={"csrf_token": sam.csrf(BASE),
                                             "student": "tools-sam", "extra_submissions": "9"})
    assert (r.status_code, alert(r.text)) == (403, "only instructors of course tools can do "
                                                   "this")
    r = teacher.post(BASE + "/extensions", data={"csrf_token": csrf, "student": "tools-sam",
                                                 "extra_late_days": "two"})
    assert (r.status_code, alert(r.text)) == (422, "extra late days must be a whole number; "
                                                   "got 'two'")
    assert "No extension yet." in teacher.get(BASE + "/extensions").text

    r = teacher.post(BASE + "/extensions", data={
        "csrf_token": csrf, "student": "tools-sam", "due_at": "2031-05-01T12:00",
        "extra_late_days": "1", "extra_submissions": "2", "reason": "exam clash"})
    assert r.status_code == 303 and r.headers["location"].endswith("?msg=extension")
    page = teacher.get(BASE + "/extensions?msg=extension").text
    assert "Extension granted." in page and "exam clash" in page
    assert "2031-05-01 12:00 UTC" in page
    mine = sam.get(BASE).text
    assert "due 2031-05-01 12:00 UTC for you; 1 late day(s) excused; 2 extra submission(s)" \
        in unescape(mine)

    r = teacher.post(BASE + "/extensions/csv", data={"csrf_token": csrf}, files={
        "file": ("e.csv", b"student,extra_submissions\ntools-kim,1\nnobody,1\n")})
    assert (r.status_code, alert(r.text)) == (422, "extensions line 3: no user called "
                                                   "'nobody'")
    assert "<th scope=\"row\">tools-kim</th>" not in teacher.get(BASE + "/extensions").text
    r = teacher.post(BASE + "/extensions/tools-sam/revoke", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert "No extension yet." in teacher.get(BASE + "/extensions").text
    audit = teacher.get("/courses/tools/audit?assignment=tiny-sgd").text
    assert audit.count("extension.grant") == 1 and "extension.revoke" in audit
    assert sam.get("/courses/tools/audit").status_code == 403


def test_review_pages(people):
    teacher, sam, kim, tia = (people[k] for k in ("teacher", "tools-sam", "tools-kim",
                                                  "tools-tia"))
    sid = submit(sam, WRONG)
    page = sam.get(f"/submissions/{sid}").text
    assert 'id="request-form"' in page and 'id="override-form"' not in page
    # another student cannot even open it; the owner cannot override
    assert kim.get(f"/submissions/{sid}").status_code == 403
    r = sam.post(f"/submissions/{sid}/overrides", data={
        "csrf_token": sam.csrf(f"/submissions/{sid}"), "todo": "sgd_momentum", "score": "10",
        "comment": "mine"})
    assert (r.status_code, alert(r.text)) == (403, "only instructors and TAs of course tools "
                                                   "can do this")

    r = sam.post(f"/submissions/{sid}/regrade-requests", data={
        "csrf_token": sam.csrf(f"/submissions/{sid}"), "todo": "sgd_momentum",
        "message": "I used the velocity as the notes say."})
    assert r.status_code == 303
    page = tia.get(f"/submissions/{sid}").text  # the TA: the review forms, the request
    assert 'id="override-form"' in page and "I used the velocity as the notes say." in page
    listed = tia.get("/courses/tools/regrade-requests").text
    assert "I used the velocity as the notes say." in listed and ">open<" in listed
    req = int(re.search(r'action="/regrade-requests/(\d+)/answer"', page).group(1))
    r = tia.post(f"/regrade-requests/{req}/answer", data={
        "csrf_token": tia.csrf(f"/submissions/{sid}"), "answer": "Half credit: the sign "
                                                                  "is right.",
        "score": "five"})
    assert (r.status_code, alert(r.text)) == (422, "the new score must be a number; got "
                                                   "'five'")
    r = tia.post(f"/regrade-requests/{req}/answer", data={
        "csrf_token": tia.csrf(f"/submissions/{sid}"), "answer": "Half credit: the sign "
                                                                  "is right.", "score": "5"})
    assert r.status_code == 303
    page = unescape(sam.get(f"/submissions/{sid}").text)
    assert "Answer from tools-tia:" in page and "Half credit: the sign is right." in page
    assert "<code>sgd_momentum</code>: 5 / 10</strong>, set by tools-tia" in page
    assert "the grader gave 0" in page
    assert 'id="override-note"' in page

    r = teacher.post(f"/submissions/{sid}/overrides/sgd_momentum/release",
                     data={"csrf_token": teacher.csrf(f"/submissions/{sid}")})
    assert r.status_code == 303
    page = sam.get(f"/submissions/{sid}").text
    assert "No TODO&#39;s score was changed" in page or "No TODO's score was changed" in page
    audit = teacher.get("/courses/tools/audit").text
    for action in ("regrade_request.open", "regrade_request.answer", "override.set",
                   "override.release"):
        assert action in audit


def test_similarity_and_download_pages(people):
    teacher, sam, kim = people["teacher"], people["tools-sam"], people["tools-kim"]
    submit(sam, REF)
    submit(kim, REF)
    r = sam.get(BASE + "/similarity")
    assert (r.status_code, alert(r.text)) == (403, "only instructors of course tools can do "
                                                   "this")
    page = teacher.get(BASE + "/similarity")
    assert page.status_code == 200
    assert "tools-kim · tools-sam" in page.text and "100%" in page.text
    pair = re.search(r'href="(/courses/tools/assignments/tiny-sgd/similarity/\d+/\d+)"',
                     page.text).group(1)
    assert sam.get(pair).status_code == 403
    side = teacher.get(pair).text
    assert side.count('<figure><figcaption>') == 2
    assert side.count('<mark class="shared">') >= 2 and "100% similar" in side

    z = teacher.get(BASE + "/submissions.zip")
    assert z.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(z.content)).namelist()
    assert {"tools-sam/tiny/optim.py", "tools-kim/tiny/optim.py", "index.csv"} <= set(names)
    assert sam.get(BASE + "/submissions.zip").status_code == 403
    canvas = teacher.get(BASE + "/grades-canvas.csv")
    assert canvas.status_code == 200
    assert canvas.text.splitlines()[1] == "    Points Possible,,,,,10"
    dashboard = teacher.get(BASE).text
    for link in ("extensions-link", "similarity-link", "grades-canvas.csv",
                 "submissions.zip"):
        assert link in dashboard
