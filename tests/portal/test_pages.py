"""The portal's pages over real HTTP (``grader serve`` subprocess, SQLite file, bubblewrap):
sign-in and its cookie, CSRF, who may open what, and every form's bad-input path (exact
message, nothing changed)."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from tests.service.conftest import BUNDLES as SERVICE_BUNDLES
from tests.service.conftest import bundle_zip, example_files

from .conftest import BUNDLES, Browser, adam_bundle, csrf_of, follow_validation

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

FC = "/courses/demo/assignments/fc-optim"


@pytest.fixture(scope="module")
def alice(portal_server, portal_tokens) -> Browser:
    return Browser(portal_server.url, portal_tokens["alice"])


@pytest.fixture(scope="module")
def bob(portal_server, portal_tokens) -> Browser:
    return Browser(portal_server.url, portal_tokens["bob"])


@pytest.fixture(scope="module")
def teacher(portal_server, portal_tokens) -> Browser:
    return Browser(portal_server.url, portal_tokens["instructor"])


def wait_graded(who: Browser, sid: int, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = who.get(f"/submissions/{sid}/status").json()
        if body["status"] in ("graded", "failed"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"submission {sid} not graded")


@pytest.fixture(scope="module")
def alice_submission(alice) -> int:
    r = alice.post(f"{FC}/submit", data={"csrf_token": alice.csrf(FC)},
                   files=[("files", (name.split("/")[-1], data))
                          for name, data in example_files()])
    assert r.status_code == 303, r.text
    sid = int(r.headers["location"].rsplit("/", 1)[1])
    wait_graded(alice, sid)
    return sid


# --- signing in -------------------------------------------------------------------------


def test_pages_need_a_session(portal_server):
    http = httpx.Client(base_url=portal_server.url)
    for path in ("/", "/courses/demo", FC, "/submissions/1"):
        r = http.get(path)
        assert r.status_code == 303
        assert r.headers["location"].startswith("/login")
    assert http.get(FC).headers["location"] == "/login?next=/courses/demo/assignments/fc-optim"
    assert http.get("/submissions/1/status").status_code == 401
    assert http.get("/submissions/1/status").json() == {
        "detail": "sign in first (your session ended)"}


def test_sign_in_sets_an_httponly_samesite_cookie(portal_server, portal_tokens):
    b = Browser(portal_server.url, None)
    r = b.sign_in(portal_tokens["alice"])
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = next(c for c in r.headers.get_list("set-cookie")
                  if c.startswith("grader_session="))
    flags = [f.strip().lower() for f in cookie.split(";")]
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    assert "max-age=43200" in flags  # GRADER_SESSION_HOURS=12
    assert "secure" not in flags  # GRADER_COOKIE_SECURE is off for plain HTTP
    value = cookie.split(";")[0].split("=", 1)[1]
    assert portal_tokens["alice"] not in cookie and len(value) >= 40
    page = b.get("/")
    assert page.status_code == 200 and "Signed in as <strong>alice</strong>" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"


def test_sign_in_refusals(portal_server, portal_tokens):
    b = Browser(portal_server.url, None)
    form = b.get("/login")
    r = b.post("/login", data={"token": "gr_not-a-token", "csrf_token": csrf_of(form.text)})
    assert r.status_code == 401
    assert "That token is not valid: check for a typo, or ask your instructor for a new " \
           "one." in r.text
    assert "grader_session" not in r.headers.get("set-cookie", "")
    # the sign-in form's own CSRF token is required (login CSRF)
    fresh = httpx.Client(base_url=portal_server.url)
    r = fresh.post("/login", data={"token": portal_tokens["alice"], "csrf_token": "forged"})
    assert r.status_code == 403
    assert "The sign-in form had expired or did not come from this site." in r.text
    assert "grader_session" not in r.headers.get("set-cookie", "")


def test_no_open_redirect_after_sign_in(portal_server, portal_tokens):
    b = Browser(portal_server.url, None)
    form = b.get("/login?next=//evil.example/x")
    assert 'name="next" value="/"' in form.text
    r = b.post("/login", data={"token": portal_tokens["bob"], "csrf_token": csrf_of(form.text),
                               "next": "https://evil.example/"})
    assert r.headers["location"] == "/"
    form = b.get("/login?next=/courses/demo")
    r = b.post("/login", data={"token": portal_tokens["bob"], "csrf_token": csrf_of(form.text),
                               "next": "/courses/demo"})
    assert r.headers["location"] == "/courses/demo"


def test_sign_out_ends_the_session_server_side(portal_server, portal_tokens):
    b = Browser(portal_server.url, portal_tokens["bob"])
    cookie = b.http.cookies.get("grader_session")
    r = b.post("/logout", data={"csrf_token": b.csrf("/")})
    assert r.status_code == 303 and r.headers["location"] == "/login?msg=signed_out"
    replay = httpx.Client(base_url=portal_server.url, cookies={"grader_session": cookie})
    assert replay.get("/").status_code == 303  # the old cookie opens nothing any more


def test_the_api_ignores_the_session_cookie(portal_server, alice):
    """The JSON API authenticates by bearer token only, so it needs no CSRF protection."""
    cookie = alice.http.cookies.get("grader_session")
    api = httpx.Client(base_url=portal_server.url, cookies={"grader_session": cookie})
    r = api.get("/api/v1/me")
    assert r.status_code == 401 and r.json()["detail"].startswith("missing API token")


# --- CSRF -------------------------------------------------------------------------------


def test_posts_without_the_csrf_token_are_refused(portal_server, alice, teacher):
    before = portal_server.count("submissions")
    files = [("files", ("optim.py", example_files()[-1][1]))]
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": teacher.csrf("/")}):
        r = alice.post(f"{FC}/submit", data=data, files=files)
        assert r.status_code == 403
        assert "carries no valid CSRF token" in r.text
    assert portal_server.count("submissions") == before
    # an instructor's settings change, publish and sign-out: refused likewise, nothing changed
    with portal_server.db() as db:
        published = db.execute("SELECT published FROM assignments WHERE slug='fc-optim'"
                               ).fetchone()
    for path, data in ((f"{FC}/publish", {"published": "false"}),
                       (f"{FC}/settings", {"max_submissions": "1"}), ("/logout", {})):
        r = teacher.post(path, data=data)
        assert r.status_code == 403, path
    with portal_server.db() as db:
        assert db.execute("SELECT published, max_submissions FROM assignments WHERE "
                          "slug='fc-optim'").fetchone() == (published[0], None)
    assert teacher.get("/").status_code == 200  # still signed in


def test_csrf_header_for_scripts(portal_server, teacher):
    r = teacher.post(f"{FC}/settings", headers={"X-CSRF-Token": teacher.csrf("/")},
                     data={"late_percent_per_day": "0"})
    assert r.status_code == 303 and r.headers["location"].endswith("?msg=saved")


# --- who may open what ------------------------------------------------------------------


def test_students_cannot_open_instructor_pages(portal_server, alice, bob, teacher,
                                               alice_submission):
    page = alice.get(FC)
    assert page.status_code == 200 and "Submit for grading" in page.text
    assert "Export grades" not in page.text and "Validation" not in page.text
    assert "bob" not in page.text  # no other student's line
    course = alice.get("/courses/demo").text
    assert "Roster" not in course and "Upload an assignment bundle" not in course
    r = alice.get(f"{FC}/grades.csv")
    assert r.status_code == 403 and "only instructors and TAs of course demo can do this" in \
        r.text
    csrf = alice.csrf(FC)
    for path, data in ((f"{FC}/publish", {"published": "false"}),
                       (f"{FC}/settings", {"max_submissions": "1"}),
                       (f"{FC}/regrade", {"dry_run": "true"}),
                       (f"/submissions/{alice_submission}/regrade", {})):
        r = alice.post(path, data={"csrf_token": csrf, **data})
        assert r.status_code == 403, path
        assert "only instructors of course demo can do this" in r.text
    r = alice.post("/courses/demo/roster", data={"csrf_token": csrf},
                   files={"file": ("r.csv", b"name\nmallory\n")})
    assert r.status_code == 403
    r = alice.post("/courses/demo/assignments/bundle", data={"csrf_token": csrf},
                   files={"bundle": ("b.zip", adam_bundle())})
    assert r.status_code == 403
    with portal_server.db() as db:
        assert db.execute("SELECT count(*) FROM users WHERE name='mallory'").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM regrades").fetchone()[0] == 0
    # a regrade batch of the instructor's is not for students either
    r = teacher.post(f"{FC}/regrade", data={"csrf_token": teacher.csrf("/"),
                                            "dry_run": "true"})
    batch = r.headers["location"]
    assert alice.get(batch).status_code == 403
    assert teacher.get(batch).status_code == 200


def test_a_student_cannot_open_another_students_result(portal_server, alice, bob,
                                                       alice_submission):
    mine = alice.get(f"/submissions/{alice_submission}")
    assert mine.status_code == 200 and "Likely mistake: Adam without bias correction" in \
        mine.text
    r = bob.get(f"/submissions/{alice_submission}")
    assert r.status_code == 403
    assert f"submission {alice_submission} belongs to another student" in r.text
    assert "Adam without bias correction" not in r.text
    r = bob.get(f"/submissions/{alice_submission}/status")
    assert r.status_code == 403 and r.json() == {
        "detail": f"submission {alice_submission} belongs to another student"}
    assert bob.get("/submissions/999999").status_code == 404


def test_unpublished_assignments_are_hidden_from_students(portal_server, teacher, alice):
    csrf = teacher.csrf("/")
    r = teacher.post("/courses/demo/assignments/bundle", data={"csrf_token": csrf},
                     files={"bundle": ("tiny.zip", bundle_zip(SERVICE_BUNDLES / "tiny-sgd"))})
    assert r.status_code == 303, r.text
    assert re.fullmatch(r"/validations/\d+", r.headers["location"])
    pending = teacher.get(r.headers["location"])
    assert pending.status_code in (200, 303)
    if pending.status_code == 200:  # still being validated: its progress, polled
        assert "data-poll=\"/validations/" in pending.text
    r = follow_validation(teacher, r.headers["location"])
    assert r.status_code == 303
    assert r.headers["location"] == "/courses/demo/assignments/tiny-sgd?msg=uploaded"
    assert alice.get(r.request.url.path).status_code == 403  # not the students' to see
    r = alice.get("/courses/demo/assignments/tiny-sgd")
    assert r.status_code == 404 and "course demo has no assignment &#39;tiny-sgd&#39;" in r.text
    assert "tiny-sgd" not in alice.get("/courses/demo").text


# --- forms and their bad input ----------------------------------------------------------


def test_student_result_page_hides_hidden_inputs(alice, alice_submission):
    page = alice.get(f"/submissions/{alice_submission}").text
    titles = re.findall(r'<title id="[^"]+">([^<]+)</title>', page)
    assert any(t.endswith("path of the iterates") for t in titles)
    assert any(t.endswith("Training loss") for t in titles)
    assert not any("random" in t or "chained" in t or "config=None" in t for t in titles)
    items = re.findall(r'<li class="[a-z_]+">(.*?)</li>\s*(?=<li class=|</ul>)', page, re.S)
    hidden = [i for i in items if '<span class="badge">hidden</span>' in i]
    visible = [i for i in items if '<span class="badge">hidden</span>' not in i]
    assert hidden and visible
    assert not any('class="detail"' in i for i in hidden)  # no values of hidden cases
    assert any('class="detail"' in i for i in visible)


def test_bad_submissions_are_refused_with_the_reason(portal_server, alice):
    before = portal_server.count("submissions")
    csrf = alice.csrf(FC)
    r = alice.post(f"{FC}/submit", data={"csrf_token": csrf},
                   files=[("files", ("notes.txt", b"hello"))])
    assert r.status_code == 422
    assert "&#39;notes.txt&#39;: submit .py files, a folder as a .zip, or an .ipynb " \
           "notebook" in r.text
    r = alice.post(f"{FC}/submit", data={"csrf_token": csrf},
                   files=[("files", ("optim.py", b"\xff\xfe not utf-8"))])
    assert r.status_code == 422 and "UTF-8" in r.text
    r = alice.post(f"{FC}/submit", data={"csrf_token": csrf},
                   files=[("files", ("big.py", b"#" * (65 << 10)))])
    assert r.status_code == 413 and "the limit is 64 KB per file" in r.text
    assert portal_server.count("submissions") == before


def test_settings_form(portal_server, teacher):
    csrf = teacher.csrf("/")
    r = teacher.post(f"{FC}/settings", data={"csrf_token": csrf, "late_percent_per_day": "150"})
    assert r.status_code == 422
    assert "late_percent_per_day: Input should be less than or equal to 100" in r.text
    r = teacher.post(f"{FC}/settings", data={"csrf_token": csrf, "max_submissions": "0"})
    assert r.status_code == 422 and "max_submissions: Input should be greater than or " \
        "equal to 1" in r.text
    with portal_server.db() as db:
        assert db.execute("SELECT late_percent_per_day, max_submissions FROM assignments "
                          "WHERE slug='fc-optim'").fetchone() == (0.0, None)
    r = teacher.post(f"{FC}/settings", data={
        "csrf_token": csrf, "due_at": "2030-01-15T23:59", "late_percent_per_day": "10",
        "late_cap_percent": "50", "late_days_accepted": "3", "max_submissions": "20",
        "resubmission_penalty_percent": "1", "title": "Optimizers"})
    assert r.status_code == 303
    page = teacher.get(FC).text
    assert 'due <time datetime="2030-01-15T23:59:00Z" data-local>2030-01-15 23:59 UTC</time>' \
        in page and "<h1>Optimizers</h1>" in page
    with portal_server.db() as db:
        assert db.execute("SELECT late_percent_per_day, late_cap_percent, late_days_accepted, "
                          "max_submissions, hidden_released FROM assignments WHERE "
                          "slug='fc-optim'").fetchone() == (10.0, 50.0, 3, 20, 0)
    r = teacher.post(f"{FC}/settings", data={"csrf_token": csrf, "due_at": "",
                                             "title": "Optimization for fully connected "
                                                      "networks"})
    assert r.status_code == 303
    assert "due —" in teacher.get(FC).text


def test_roster_upload_hands_out_tokens(portal_server, teacher):
    """Post-redirect-get: the upload redirects to a page that shows the new tokens once;
    reloading it re-posts nothing and shows no token again."""
    csrf = teacher.csrf("/")
    users = portal_server.count("users")
    r = teacher.post("/courses/demo/roster", data={"csrf_token": csrf},
                     files={"file": ("r.csv", b"name,role\ncarol\nalice\n")})
    assert r.status_code == 303
    shown = r.headers["location"]
    assert shown.startswith("/courses/demo/roster/enrolled?flash=")
    r = teacher.get(shown)
    assert r.status_code == 200
    tokens = re.findall(r'<code class="token">(gr_[^<]+)</code>', r.text)
    assert len(tokens) == 1  # carol is new to the course; alice is already in it
    assert "already in this course" in r.text and "data:text/csv;base64," in r.text
    assert portal_server.count("users") == users + 1
    again = teacher.get(shown)  # a reload: nothing posted, no token shown again
    assert again.status_code == 200 and "gr_" not in again.text
    assert "These tokens were shown once and are not kept" in again.text
    assert portal_server.count("users") == users + 1
    with portal_server.db() as db:
        assert db.execute("SELECT count(*) FROM web_flashes").fetchone()[0] == 0
    carol = Browser(portal_server.url, tokens[0])
    assert "Demo course" in carol.get("/").text
    # another session cannot read a flash
    r = teacher.post("/courses/demo/roster", data={"csrf_token": csrf},
                     files={"file": ("r.csv", b"name\ndave\n")})
    other = Browser(portal_server.url, portal_server.tokens()["instructor"])
    assert "gr_" not in other.get(r.headers["location"]).text
    assert re.search(r'<code class="token">gr_', teacher.get(r.headers["location"]).text)


def test_roster_bad_lines_are_listed_and_the_others_enrolled(portal_server, teacher):
    users = portal_server.count("users")
    r = teacher.post("/courses/demo/roster", data={"csrf_token": teacher.csrf("/")},
                     files={"file": ("r.csv", b"name\nerin2\nerin2\nbad name\n")})
    assert r.status_code == 303
    page = teacher.get(r.headers["location"]).text
    problems = re.findall(r"<li>(roster line [^<]+)</li>", page)
    assert problems == [
        "roster line 3: &#39;erin2&#39; is listed twice (first on line 2); enrolled once",
        "roster line 4: invalid user name &#39;bad name&#39;: use 1 to 64 characters: "
        "letters, digits and _ . @ + -, starting with a letter or digit"]
    assert len(re.findall(r'<code class="token">gr_', page)) == 1
    assert portal_server.count("users") == users + 1
    # a file that cannot be read is refused whole, on the course page
    r = teacher.post("/courses/demo/roster", data={"csrf_token": teacher.csrf("/")},
                     files={"file": ("r.csv", b"id\n1\n")})
    assert r.status_code == 422
    assert "the roster&#39;s first line must be a header with a &#39;name&#39; column" in r.text
    assert portal_server.count("users") == users + 1


def test_a_bundle_failing_validation_is_shown_and_not_stored(portal_server, teacher):
    reference = (BUNDLES / "adam-2d" / "reference" / "nndl" / "optim.py").read_bytes()
    data = bundle_zip(BUNDLES / "adam-2d", edit={"starter/nndl/optim.py": reference},
                      top="adam-2d")
    before = portal_server.count("assignments")
    r = teacher.post("/courses/demo/assignments/bundle", data={"csrf_token": teacher.csrf("/")},
                     files={"bundle": ("adam-2d.zip", data)})
    assert r.status_code == 303
    r = follow_validation(teacher, r.headers["location"])
    assert r.status_code == 200
    assert "the assignment failed validation and was not stored" in r.text
    assert "FAIL</span> starter earns points on: adam (10)" in r.text
    assert "PASS</span> reference scores 10 / 10" in r.text
    assert portal_server.count("assignments") == before
    r = teacher.post("/courses/demo/assignments/bundle", data={"csrf_token": teacher.csrf("/")},
                     files={"bundle": ("junk.zip", b"not a zip")})
    assert r.status_code == 422 and "the bundle was not stored" in r.text


def test_dry_run_regrade_then_commit(portal_server, teacher, alice_submission):
    r = teacher.post(f"{FC}/regrade", data={"csrf_token": teacher.csrf("/"),
                                            "dry_run": "true"})
    assert r.status_code == 303
    batch = r.headers["location"]
    deadline = time.monotonic() + 180
    while teacher.get(batch + "/status").json()["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.3)
    page = teacher.get(batch).text
    assert "Dry run" in page and "Apply the new scores" in page and "alice" in page
    r = teacher.post(batch + "/commit", data={"csrf_token": teacher.csrf(batch)})
    assert r.status_code == 303 and r.headers["location"].endswith("?msg=committed")
    assert "Applied." in teacher.get(batch).text


def test_dashboard_course_page_and_csv(portal_server, teacher, alice_submission):
    page = teacher.get(FC).text
    assert "Most common named mistakes" in page
    assert "Adam: Adam without bias correction, 100% of failures (1 of 1)" in page
    assert f'<a href="/submissions/{alice_submission}">' in page
    course = teacher.get("/courses/demo").text
    row = re.search(r'href="/courses/demo/assignments/fc-optim">.*?</tr>', course, re.S)
    cells = re.findall(r'<td[^>]*>(.*?)</td>', row.group(0), re.S)
    assert "published" in cells[1]
    assert int(cells[2]) >= 1 and int(cells[3]) >= 1  # submissions, students
    assert re.fullmatch(r"[\d.]+ / 100", cells[4].strip())  # mean score
    csv = teacher.get(f"{FC}/grades.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("student,")
    assert any(line.startswith("alice,") for line in csv.text.splitlines())


def test_create_course_form(portal_server, teacher, alice):
    r = alice.post("/courses", data={"csrf_token": alice.csrf("/"), "slug": "mine"})
    assert r.status_code == 403 and "only instructors and admins can create courses" in r.text
    csrf = teacher.csrf("/")
    r = teacher.post("/courses", data={"csrf_token": csrf, "slug": "spring", "title": "Spring"})
    assert r.status_code == 303 and r.headers["location"] == "/courses/spring?msg=course"
    page = teacher.get("/courses/spring?msg=course").text
    assert "<h1>Spring</h1>" in page and "Course created." in page
    r = teacher.post("/courses", data={"csrf_token": csrf, "slug": "spring"})
    assert r.status_code == 409 and "a course &#39;spring&#39; already exists" in r.text
    r = teacher.post("/courses", data={"csrf_token": csrf, "slug": "Bad Slug"})
    assert r.status_code == 422
    with portal_server.db() as db:
        assert db.execute("SELECT count(*) FROM courses WHERE slug IN ('mine', 'Bad Slug')"
                          ).fetchone()[0] == 0
    assert alice.get("/courses/spring").status_code == 403


# --- issue 16: error pages, starter, which submission counts, queue position ----------------


def test_portal_errors_are_pages_and_api_errors_json(portal_server, alice):
    r = alice.get("/courses/demo/no-such-page")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "<h1>Not found</h1>" in r.text
    assert "There is no page at /courses/demo/no-such-page." in r.text
    r = alice.get("/courses/demo/roster")  # a form's target, opened as a page
    assert r.status_code == 405 and "<h1>Not this way</h1>" in r.text
    assert "/courses/demo/roster cannot be opened this way (GET)" in r.text
    r = alice.get("/api/v1/no-such-thing")
    assert (r.status_code, r.json()) == (404, {"detail": "Not Found"})
    r = alice.http.put("/api/v1/courses")
    assert (r.status_code, r.json()) == (405, {"detail": "Method Not Allowed"})


def test_starter_download(alice):
    import io
    import zipfile

    r = alice.get(f"{FC}/starter.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        assert "fc-optim/nndl/optim.py" in zf.namelist()
        assert b"YOUR CODE HERE" in zf.read("fc-optim/nndl/optim.py")


def test_choosing_needs_the_chosen_policy(portal_server, alice, teacher, alice_submission):
    before = portal_server.count("submission_choices")
    r = alice.post(f"{FC}/choose", data={"csrf_token": alice.csrf(FC),
                                         "submission_id": str(alice_submission)})
    assert r.status_code == 409
    assert ("on fc-optim your latest submission counts; choosing a submission is only "
            "possible when the instructor sets the policy to &#39;chosen&#39;") in r.text
    assert portal_server.count("submission_choices") == before
    assert "Your latest submission counts." in alice.get(FC).text
    r = teacher.post(f"{FC}/settings", data={"csrf_token": teacher.csrf(FC),
                                             "submission_policy": "first"})
    assert r.status_code == 422
    assert "submission_policy: Input should be &#39;latest&#39;, &#39;best&#39; or " \
           "&#39;chosen&#39;" in r.text
    with portal_server.db() as db:
        assert db.execute("SELECT submission_policy FROM assignments WHERE "
                          "slug='fc-optim'").fetchone() == ("latest",)


def test_token_reset_in_the_portal(portal_server, teacher):
    """The instructor resets a student's token: the new one is shown once (post-redirect-
    get), the old one stops working; an instructor's token is not reset here."""
    r = teacher.post("/courses/demo/roster", data={"csrf_token": teacher.csrf("/")},
                     files={"file": ("r.csv", b"name\nresetme\n")})
    old = re.search(r'<code class="token">(gr_[^<]+)</code>',
                    teacher.get(r.headers["location"]).text).group(1)
    student = Browser(portal_server.url, old)
    assert "Demo course" in student.get("/").text
    r = teacher.post("/courses/demo/members/resetme/token",
                     data={"csrf_token": teacher.csrf("/")})
    assert r.status_code == 303
    page = teacher.get(r.headers["location"]).text
    assert "<h1>New token for resetme</h1>" in page
    [new] = re.findall(r'<code class="token">(gr_[^<]+)</code>', page)
    assert new != old
    assert student.get("/").status_code == 303  # the old token's session ended
    assert Browser(portal_server.url, None).sign_in(old).status_code == 401
    assert "Demo course" in Browser(portal_server.url, new).get("/").text
    assert "gr_" not in teacher.get(r.headers["location"]).text  # shown once
    tokens = portal_server.count("tokens")
    r = teacher.post("/courses/demo/members/instructor/token",
                     data={"csrf_token": teacher.csrf("/")})
    assert r.status_code == 409
    assert ("&#39;instructor&#39; is an instructor of demo; an admin makes instructors&#39; "
            "tokens") in r.text
    assert portal_server.count("tokens") == tokens
