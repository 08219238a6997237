"""The portal in a real browser: headless Chromium (Debian's package, driven by Playwright)
against ``grader serve`` in a subprocess (real SQLite file, bubblewrap sandbox).

Scenario: an instructor signs in, uploads a bundle, watches a worker validate it, reads the
validation and publishes it; a student drops an Adam without bias correction on the
submission form, watches the status update live and reads the named mistake under a
trajectory plot; the instructor's dashboard
shows the submission. Every page is screenshotted to ``test-output/portal/`` and no page logs
a console error. Then: the result page on a phone, without JavaScript, and by keyboard.

A second scenario, the course tools: a student arriving from an LMS through the LTI launch,
an extension, an override read by the student, a regrade request, the similarity side by side.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import CI, REPO

from .conftest import ARTIFACTS, adam_bundle

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STUDENT_FILE = REPO / "examples" / "fc-optim" / "adam_no_bias_correction" / "nndl" / "optim.py"
# Bob's slow Adam keeps both workers busy for a few seconds, so that alice's submission page
# first shows a pending status that the page's script must replace by the result.
SLOW_ADAM = b"""
import time


def adam(w, dw, config=None):
    time.sleep(1.0)
    return w, config
"""


def occupy_workers(url: str, token: str, n: int = 2) -> None:
    for _ in range(n):
        r = httpx.post(f"{url}/api/v1/courses/demo/assignments/adam-2d/submissions",
                       headers={"Authorization": f"Bearer {token}"},
                       files=[("files", ("nndl/optim.py", SLOW_ADAM))], timeout=60)
        assert r.status_code == 202, r.text


@pytest.fixture(scope="module")
def playwright():
    if not CHROMIUM.exists():
        if CI:
            pytest.fail("chromium is required under CI=true (scripts/setup-browser.sh)")
        pytest.skip("chromium is not installed (run scripts/setup-browser.sh)")
    sync = pytest.importorskip("playwright.sync_api")
    with sync.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def shots():
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


class Session:
    """One browser profile (fresh user-data-dir) whose pages record console errors."""

    def __init__(self, playwright, profile: Path, **context) -> None:
        self.context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=FLAGS,
            **context)
        self.errors: list[str] = []
        self.page = self.context.pages[0] if self.context.pages else self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(
            f"{m.text} ({m.location.get('url')})"))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def sign_in(self, url: str, token: str, shot: Path | None = None) -> None:
        self.page.goto(url + "/login")
        self.page.fill("#token", token)
        if shot is not None:
            self.page.screenshot(path=str(shot))
        self.page.click("button[type=submit]")
        self.page.wait_for_url(url + "/")

    def shot(self, folder: Path, name: str) -> None:
        self.page.screenshot(path=str(folder / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


def test_publish_submit_and_watch(playwright, portal_server, portal_tokens, shots, tmp_path):
    url = portal_server.url
    bundle = tmp_path / "adam-2d.zip"
    bundle.write_bytes(adam_bundle())
    teacher = Session(playwright, tmp_path / "teacher", viewport={"width": 1280, "height": 900})
    student = Session(playwright, tmp_path / "student", viewport={"width": 1280, "height": 900})
    try:
        # --- the instructor uploads the bundle, reads its validation, publishes it
        teacher.sign_in(url, portal_tokens["instructor"], shot=shots / "00-sign-in.png")
        teacher.shot(shots, "01-instructor-home")
        teacher.page.click("text=Demo course")
        teacher.page.wait_for_url(f"{url}/courses/demo")
        teacher.page.set_input_files("#bundle", str(bundle))
        teacher.shot(shots, "02-instructor-course")
        teacher.page.click("text=Upload and validate")
        # a worker validates it; the page shows the progress, then the stored assignment
        teacher.page.wait_for_url(f"{url}/validations/*", timeout=60_000)
        teacher.shot(shots, "02b-instructor-validating")
        teacher.page.wait_for_url(f"{url}/courses/demo/assignments/adam-2d?msg=uploaded",
                                  timeout=180_000)
        validation = teacher.page.inner_text("ul.validation")
        assert "reference scores 10 / 10" in validation
        assert "untouched starter scores 0 on every TODO" in validation
        assert "wrong variant adam_no_bias_correction: adam 0 / 10, named" in validation
        assert "FAIL" not in validation
        assert "draft" in teacher.page.inner_text("p.meta")
        teacher.shot(shots, "03-instructor-validation")
        teacher.page.click("#publish")
        teacher.page.wait_for_selector("text=The assignment is published")
        assert "published" in teacher.page.inner_text("p.meta")
        teacher.shot(shots, "04-instructor-published")

        # --- the student drops an Adam without bias correction on the form
        student.sign_in(url, portal_tokens["alice"])
        student.page.click("text=Demo course")
        student.page.wait_for_url(f"{url}/courses/demo")
        student.shot(shots, "05-student-course")
        student.page.click("text=Adam on a 2-D bowl")
        student.page.wait_for_url(f"{url}/courses/demo/assignments/adam-2d")
        student.page.wait_for_selector("[data-dropzone]")
        student.page.evaluate(
            """([name, text]) => {
                const dt = new DataTransfer();
                dt.items.add(new File([text], name, {type: "text/x-python"}));
                const zone = document.querySelector("[data-dropzone]");
                zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true,
                                                              cancelable: true}));
                zone.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true,
                                                          cancelable: true}));
            }""", ["optim.py", STUDENT_FILE.read_text()])
        assert student.page.inner_text("[data-chosen]") == "Selected: optim.py"
        student.shot(shots, "06-student-dropped")
        occupy_workers(url, portal_tokens["bob"])
        student.page.click("text=Submit for grading")
        student.page.wait_for_url(f"{url}/submissions/*")
        sub_url = student.page.url
        status = student.page.inner_text("#status")
        assert "Waiting in the queue" in status or "Grading" in status
        student.shot(shots, "07a-student-pending")
        # the page's script replaces the pending status by the result (no reload by us)
        student.page.wait_for_selector("table.todos", timeout=120_000)
        student.shot(shots, "07-student-result")
        mistake = student.page.inner_text("table.todos")
        assert "Likely mistake: Adam without bias correction" in mistake
        titles = student.page.eval_on_selector_all(
            "svg.chart title", "els => els.map(e => e.textContent)")
        assert "path on a 2-D quadratic bowl: path of the iterates" in titles
        assert any("wrong elements of next_w" in t for t in titles)
        # hidden checks are listed, never drawn
        assert student.page.locator("text=one step from a random state").count() == 3
        assert not any("random state" in t for t in titles)
        assert student.page.locator("svg.chart path.contour").count() > 3

        # --- the instructor's dashboard shows the submission
        teacher.page.goto(f"{url}/courses/demo/assignments/adam-2d")
        table = teacher.page.inner_text("#submissions")
        assert "alice" in table and "graded" in table
        mistakes = teacher.page.inner_text("ol.mistakes")
        # alice's mistake, among the failures of alice (and bob, once his slow run is graded)
        assert re.search(r"Adam: Adam without bias correction, (100% of failures \(1 of 1\)|"
                         r"50% of failures \(1 of 2\))", mistakes), mistakes
        assert teacher.page.locator("svg.chart title", has_text="Pass rate per TODO").count() == 1
        assert teacher.page.locator("svg.chart title", has_text="Score histogram").count() == 1
        teacher.shot(shots, "08-instructor-dashboard")
        teacher.page.goto(sub_url)
        assert "alice, attempt 1" in teacher.page.inner_text("h1")
        teacher.shot(shots, "09-instructor-sees-result")

        # --- a dry-run regrade (live progress, then the diff and "apply"), a roster upload
        teacher.page.goto(f"{url}/courses/demo/assignments/adam-2d")
        teacher.page.click("button:text-is('Dry run')")
        teacher.page.wait_for_selector("text=Apply the new scores", timeout=120_000)
        teacher.shot(shots, "12-instructor-dry-run")
        teacher.page.click("button:text-is('Apply the new scores')")
        teacher.page.wait_for_selector("text=The dry run's new scores are applied.")
        roster = tmp_path / "roster.csv"
        roster.write_text("name,role\ndora\nalice\n")
        teacher.page.goto(f"{url}/courses/demo")
        teacher.page.set_input_files("#roster", str(roster))
        teacher.page.click("button:text-is('Enrol')")
        teacher.page.wait_for_selector("code.token")
        assert teacher.page.locator("code.token").count() == 1  # dora is new
        teacher.shot(shots, "13-instructor-roster-tokens")

        # --- the result page on a phone: nothing wider than the screen
        student.page.set_viewport_size({"width": 375, "height": 800})
        student.page.goto(sub_url)
        overflow = student.page.evaluate(
            "document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        student.shot(shots, "10-student-result-phone")

        # --- by keyboard: the first Tab reaches the skip link, which moves to the content
        student.page.keyboard.press("Tab")
        assert student.page.evaluate("document.activeElement.textContent") == \
            "Skip to content"
        student.page.keyboard.press("Enter")
        assert student.page.evaluate("document.activeElement.id") == "main"
        assert teacher.errors == [] and student.errors == []
    finally:
        teacher.close()
        student.close()

    # --- without JavaScript the result is all there (server-rendered table and plots)
    nojs = Session(playwright, tmp_path / "nojs", java_script_enabled=False,
                   viewport={"width": 1024, "height": 800})
    try:
        nojs.sign_in(url, portal_tokens["alice"])
        nojs.page.goto(sub_url)
        assert "Likely mistake: Adam without bias correction" in \
            nojs.page.inner_text("table.todos")
        assert nojs.page.locator("svg.chart").count() >= 3
        nojs.shot(shots, "11-student-result-without-js")
        assert nojs.errors == []
    finally:
        nojs.close()
    for name in ("01-instructor-home", "03-instructor-validation", "07-student-result",
                 "08-instructor-dashboard", "10-student-result-phone"):
        assert (shots / f"{name}.png").stat().st_size > 10_000


def test_course_tools_in_the_browser(playwright, portal_server, portal_tokens, shots,
                                     tmp_path):
    """The course tools in a real browser: a student arrives from an LMS (the platform's
    auto-submitting form posts the id_token to our launch), an instructor grants an
    extension and overrides a TODO with a comment, the student reads it and asks for a
    regrade, and the instructor compares two students side by side."""
    from tests.lti.conftest import cli
    from tests.lti.platform import INSTRUCTOR, LEARNER, Person, Platform
    from tests.service.conftest import BUNDLES as SERVICE_BUNDLES
    from tests.service.conftest import Api, bundle_zip

    url = portal_server.url
    tiny = SERVICE_BUNDLES / "tiny-sgd"
    wrong = (tiny / "reference" / "variants" / "momentum_ignored.py").read_bytes()
    made = cli(portal_server, "users", "add", "browser-admin", "--role", "admin")
    assert made.returncode == 0, made.stderr
    admin = Api(url, made.stdout.strip())
    lms = Platform(tool_url=url, context={"id": "ctx-b", "label": "BR101",
                                          "title": "Browser 101"})
    lms.people["p"] = Person("p", "Grace Hopper", "Grace", "Hopper", "grace@b.edu",
                             [INSTRUCTOR])
    lms.people["s"] = Person("s", "Ada Lovelace", "Ada", "Lovelace", "ada@b.edu", [LEARNER])
    lms.start()
    teacher = student = None
    try:
        r = admin.post("/api/v1/admin/lti/platforms", json={
            "name": "browser-lms", "issuer": lms.issuer, "client_id": lms.client_id,
            "auth_login_url": lms.auth_url, "auth_token_url": lms.token_url,
            "jwks_url": lms.jwks_url, "deployment_ids": [lms.deployment_id]})
        assert r.status_code == 201, r.text
        teacher = Session(playwright, tmp_path / "t2", viewport={"width": 1280, "height": 900})
        student = Session(playwright, tmp_path / "s2", viewport={"width": 1280, "height": 900})

        def from_lms(who: Session, hint: str) -> None:
            who.page.goto(f"{url}/lti/login?iss={lms.issuer}&login_hint={hint}"
                          f"&target_link_uri={url}/lti/launch&client_id={lms.client_id}")
            who.page.wait_for_url(f"{url}/courses/br101**")

        # the instructor's launch creates the course; the assignment is added and a
        # classmate (by the API) hands in the same code as the student will
        from_lms(teacher, "p")
        assert "grace@b.edu" in teacher.page.inner_text("header")
        v = admin.upload_bundle("br101", bundle_zip(tiny), publish="true")
        assert v["status"] == "passed", v
        assert admin.patch("/api/v1/courses/br101/assignments/tiny-sgd",
                           json={"due_at": "2031-01-01T00:00:00Z"}).status_code == 200
        r = admin.post("/api/v1/courses/br101/roster",
                       files={"file": ("r.csv", b"name\nbr-classmate\n")})
        mate = Api(url, r.json()["enrolled"][0]["token"])
        mate.wait(mate.submit("br101", "tiny-sgd", [("tiny/optim.py", wrong)]).json()["id"])

        # the student arrives from the LMS on the assignment, signed in, and submits
        lms.link["custom"] = {"assignment": "tiny-sgd"}
        from_lms(student, "s")
        assert student.page.url == f"{url}/courses/br101/assignments/tiny-sgd"
        assert "ada@b.edu" in student.page.inner_text("header")
        student.shot(shots, "20-student-from-lms")
        source = tmp_path / "optim.py"
        source.write_bytes(wrong.replace(b'"""Known mistake', b'"""My mistake'))
        student.page.set_input_files("#files", str(source))
        student.page.click("text=Submit for grading")
        student.page.wait_for_url(f"{url}/submissions/*")
        sub_url = student.page.url
        student.page.wait_for_selector("table.todos", timeout=120_000)

        # the instructor: an extension, then an override with a comment
        teacher.page.goto(f"{url}/courses/br101/assignments/tiny-sgd")
        teacher.page.click("#extensions-link")
        teacher.page.select_option("#student", "ada@b.edu")
        teacher.page.fill("#extra_submissions", "2")
        teacher.page.fill("#reason", "accommodation")
        teacher.page.click("button:text-is('Grant')")
        teacher.page.wait_for_selector("text=Extension granted.")
        assert "accommodation" in teacher.page.inner_text("#extensions")
        teacher.shot(shots, "21-instructor-extensions")
        teacher.page.goto(sub_url)
        teacher.page.fill("#override-score", "6")
        teacher.page.fill("#override-comment", "Right idea; the velocity sign is off.")
        teacher.page.click("button:text-is('Save override')")
        teacher.page.wait_for_selector("text=Override saved")
        teacher.shot(shots, "22-instructor-override")

        # the student reads both scores and the comment, and asks for a regrade
        student.page.goto(f"{url}/courses/br101/assignments/tiny-sgd")
        assert "2 extra submission(s)" in student.page.inner_text("#my-extension")
        student.page.goto(sub_url)
        review = student.page.inner_text("#review")
        assert "Right idea; the velocity sign is off." in review
        assert "the grader gave 0" in review
        assert "grader: 0" in student.page.inner_text("table.todos")
        student.page.fill("#request-message", "I followed the slides' convention.")
        student.page.click("button:text-is('Send the request')")
        student.page.wait_for_selector("text=Regrade request sent")
        student.shot(shots, "23-student-review")

        # similarity: the two students' code side by side, shared regions marked
        teacher.page.goto(f"{url}/courses/br101/assignments/tiny-sgd/similarity")
        assert "ada@b.edu · br-classmate" in teacher.page.inner_text("#pairs")
        teacher.page.click("text=Side by side")
        teacher.page.wait_for_selector("mark.shared")
        assert teacher.page.locator("figure figcaption").count() == 2
        teacher.shot(shots, "24-instructor-side-by-side")
        assert teacher.errors == [] and student.errors == []
    finally:
        for who in (teacher, student):
            if who is not None:
                who.close()
        lms.stop()


SLOW_FC_ADAM = b"""
import time


def adam(w, dw, config=None):
    time.sleep(0.4)
    return w, config
"""
FC_MISTAKE = REPO / "examples" / "fc-optim" / "adam_no_bias_correction" / "nndl"
FC_REFERENCE = REPO / "reference" / "fc-optim" / "nndl"
CANVAS = ("Student,ID,SIS User ID,SIS Login ID,Email,Section,Role\n"
          "    Points Possible,,,,,,\n"
          "\"Lovelace, Ada\",1,S-1,ada,ux-ada@uni.edu,A,StudentEnrollment\n"
          "\"Noether, Emmy\",2,,,,A,StudentEnrollment\n"
          "\"Turing, Alan\",3,S-3,alan,ux-alan@uni.edu,A,TaEnrollment\n"
          "\"Gauss, Carl\",4,S-4,carl,ux-carl@uni.edu,A,StudentEnrollment\n")


def _font_px(page) -> float:
    """The smallest text of the drawn charts on screen, in CSS px (font size times the
    chart's scale); charts inside closed sections are not on screen and not counted."""
    return page.evaluate("""() => {
        let least = 1e9;
        for (const svg of document.querySelectorAll("svg.chart")) {
            const box = svg.getBoundingClientRect();
            if (!box.width) continue;
            const scale = box.width / svg.viewBox.baseVal.width;
            for (const t of svg.querySelectorAll("text")) {
                least = Math.min(least, parseFloat(getComputedStyle(t).fontSize) * scale);
            }
        }
        return least;
    }""")


def test_issue16_pages_in_the_browser(playwright, portal_server, portal_tokens, shots,
                                      tmp_path):
    """Issue 16's pages: a Canvas roster enrolled with its bad lines listed and a reload that
    re-posts nothing; the assignment page (description, local due date, starter, which
    submission counts); the queue position; the result page on a phone leading with the
    failing TODO and its named mistake; the code; the student's active submission; a TA's
    view; the regrade confirmation; HTML error pages; the duplicate bundle's message."""
    from tests.service.conftest import Api

    url = portal_server.url
    api = Api(url, portal_tokens["instructor"])
    assert api.post("/api/v1/courses", json={"slug": "ux16", "title": "UX 16"}).status_code \
        == 201
    r = api.post("/api/v1/courses/ux16/assignments", json={
        "builtin": "fc-optim", "published": True, "due_at": "2031-03-01T12:00:00Z"})
    assert r.status_code == 201, r.text
    base = f"{url}/courses/ux16/assignments/fc-optim"
    teacher = Session(playwright, tmp_path / "t16", viewport={"width": 1280, "height": 900})
    student = Session(playwright, tmp_path / "s16", viewport={"width": 390, "height": 844},
                      timezone_id="Asia/Tokyo", locale="en-US", accept_downloads=True)
    ta = Session(playwright, tmp_path / "ta16", viewport={"width": 1280, "height": 900})
    try:
        # --- a Canvas export: the good lines enrolled, each bad one said; a reload re-posts
        # nothing and shows no token again
        teacher.sign_in(url, portal_tokens["instructor"])
        teacher.page.goto(f"{url}/courses/ux16")
        roster = tmp_path / "canvas.csv"
        roster.write_text(CANVAS)
        teacher.page.set_input_files("#roster", str(roster))
        users = portal_server.count("users")
        teacher.page.click("button:text-is('Enrol')")
        teacher.page.wait_for_url(f"{url}/courses/ux16/roster/enrolled?flash=*")
        problems = teacher.page.inner_text("#roster-problems")
        assert "roster line 2: skipped: the LMS's 'Points Possible' line is not a person" \
            in problems
        assert "roster line 4: no email nor SIS id ('Noether, Emmy')" in problems
        tokens = dict(zip(teacher.page.eval_on_selector_all(
            "#tokens tbody th", "els => els.map(e => e.textContent.split(' (')[0])"),
            teacher.page.eval_on_selector_all("#tokens code.token",
                                              "els => els.map(e => e.textContent)"),
            strict=True))
        assert set(tokens) == {"ux-ada@uni.edu", "ux-alan@uni.edu", "ux-carl@uni.edu"}
        assert portal_server.count("users") == users + 3
        teacher.shot(shots, "30-roster-enrolled")
        teacher.page.reload()
        assert teacher.page.locator("code.token").count() == 0
        assert "shown once" in teacher.page.inner_text("#shown-once")
        assert portal_server.count("users") == users + 3  # nothing was posted again
        teacher.shot(shots, "31-roster-reloaded")

        # --- the instructor lets students choose the submission that counts
        teacher.page.goto(base)
        teacher.page.select_option("#submission_policy", "chosen")
        teacher.page.click("button:text-is('Save settings')")
        teacher.page.wait_for_selector("text=Settings saved.")
        assert "the student chooses" in teacher.page.inner_text("#policy").lower()

        # --- the assignment page on a phone, in Tokyo
        student.sign_in(url, tokens["ux-ada@uni.edu"])
        student.page.goto(base)
        assert "update rules SGD+momentum" in student.page.inner_text("#description p")
        due = student.page.locator("#due time")
        assert due.get_attribute("datetime") == "2031-03-01T12:00:00Z"
        assert due.get_attribute("data-zone") == "Asia/Tokyo"
        assert "9:00 PM" in due.inner_text() and "UTC" not in due.inner_text()
        assert "left" in student.page.inner_text("#due .remaining")
        assert "The submission you choose counts" in student.page.inner_text("#policy")
        with student.page.expect_download() as dl:
            student.page.click("#starter")
        with zipfile.ZipFile(dl.value.path()) as zf:
            assert "fc-optim/nndl/optim.py" in zf.namelist()
        student.shot(shots, "32-assignment-phone")

        # --- both workers busy: the waiting page says where the submission stands
        carl = Api(url, tokens["ux-carl@uni.edu"])
        for _ in range(2):
            r = carl.submit("ux16", "fc-optim", [("nndl/optim.py", SLOW_FC_ADAM)])
            assert r.status_code == 202, r.text
        student.page.set_input_files("#files", [str(p) for p in sorted(FC_MISTAKE.glob("*.py"))
                                                if p.name != "__init__.py"])
        student.page.click("text=Submit for grading")
        student.page.wait_for_url(f"{url}/submissions/*")
        first_url = student.page.url
        waiting = student.page.inner_text("#status")
        assert "position" in waiting and "in the queue" in waiting, waiting
        student.shot(shots, "33-waiting-position")

        # --- the result on a phone: the first screen shows the failing TODO and its mistake
        student.page.wait_for_selector("table.todos", timeout=180_000)
        student.page.evaluate("window.scrollTo(0, 0)")
        student.page.screenshot(path=str(shots / "34-result-phone-first-screen.png"))
        first = student.page.locator("table.todos tbody tr").first
        assert "adam" in first.inner_text()
        mistake = first.locator("p.mistake")
        assert "Likely mistake: Adam without bias correction" in mistake.inner_text()
        box = mistake.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 844, box
        # passed TODOs collapsed, expandable; each check says each thing once
        passed = student.page.locator("details.todo")
        assert passed.count() >= 5
        assert student.page.eval_on_selector_all("details.todo", "els => els.every("
                                                 "e => !e.open)")
        failing = student.page.inner_text("#to-fix")
        assert "looks like Adam without bias correction" not in failing
        for item in student.page.eval_on_selector_all(
                "#to-fix ul.checks > li", "els => els.map(e => e.innerText)"):
            sentences = [x.strip() for x in item.replace("\n", " ").split(". ") if x.strip()]
            assert len(sentences) == len(set(sentences)), item
        assert failing.count("next_w is wrong: rel_error 2.07e-01") == 1
        # marks besides colours: status glyphs, crossed wrong cells
        marks = student.page.eval_on_selector_all(
            "#to-fix .status", "els => els.map(e => getComputedStyle(e, '::before').content)")
        assert any("✗" in m or "◐" in m for m in marks), marks
        assert student.page.locator("svg.chart path.cross").count() >= 1
        assert _font_px(student.page) >= 11
        overflow = student.page.evaluate(
            "document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        passed.first.locator("summary").click()
        assert passed.first.evaluate("e => e.open")
        student.shot(shots, "35-result-phone")
        # the code as it was accepted, highlighted on the server
        code = student.page.locator("#code details.code")
        assert code.count() == 4
        code.last.locator("summary").click()
        assert code.last.locator(".highlight .k", has_text="def").count() >= 1
        student.shot(shots, "36-result-code")

        # --- a better second attempt counts (latest), then the student picks the first
        student.page.goto(base)
        student.page.set_input_files("#files", [str(p) for p in sorted(FC_REFERENCE.glob(
            "*.py")) if p.name != "__init__.py"])
        student.page.click("text=Submit for grading")
        student.page.wait_for_url(f"{url}/submissions/*")
        student.page.wait_for_selector("table.todos", timeout=180_000)
        student.page.goto(base)
        rows = student.page.locator("#mine tbody tr")
        assert "counts" in rows.nth(0).inner_text()  # newest first: attempt 2
        student.page.click("button:text-is('Make this one count')")
        student.page.wait_for_selector("text=Your active submission is changed")
        assert "counts" in student.page.locator("#mine tbody tr").nth(1).inner_text()
        assert "counts" not in student.page.locator("#mine tbody tr").nth(0).inner_text()
        student.shot(shots, "37-active-submission")

        # --- a TA sees the dashboard and the result, none of the management
        ta.sign_in(url, tokens["ux-alan@uni.edu"])
        ta.page.goto(base)
        assert "you are a TA" in ta.page.inner_text("p.meta")
        assert ta.page.locator("#settings-h").count() == 0
        assert ta.page.locator("#publish").count() == 0
        assert "ux-ada@uni.edu" in ta.page.inner_text("#submissions")
        ta.shot(shots, "38-ta-dashboard")
        ta.page.goto(first_url)
        assert ta.page.locator("#override-form").count() == 1
        assert ta.page.locator("text=Regrade this submission").count() == 0

        # --- "Regrade now" asks first; error pages are pages
        teacher.page.goto(base)
        confirm = teacher.page.locator("#regrade-now button:text-is('Yes, regrade all now')")
        assert not confirm.is_visible()
        teacher.page.click("#regrade-now summary")
        assert confirm.is_visible()
        teacher.shot(shots, "39-regrade-confirm")
        r = teacher.page.goto(f"{url}/courses/ux16/nothing-here")
        assert r.status == 404 and r.headers["content-type"].startswith("text/html")
        assert teacher.page.inner_text("h1") == "Not found"
        r = teacher.page.goto(f"{url}/courses/ux16/roster")
        assert r.status == 405 and teacher.page.inner_text("h1") == "Not this way"
        teacher.shot(shots, "40-error-405")
        r = teacher.page.goto(f"{url}/api/v1/nothing-here")
        assert r.status == 404 and r.headers["content-type"] == "application/json"

        # --- a duplicate bundle: the form says to tick Replace
        assert api.upload_bundle("ux16", adam_bundle())["status"] == "passed"
        bundle = tmp_path / "adam-2d.zip"
        bundle.write_bytes(adam_bundle())
        teacher.page.goto(f"{url}/courses/ux16")
        teacher.page.set_input_files("#bundle", str(bundle))
        teacher.page.click("text=Upload and validate")
        teacher.page.wait_for_selector("#bundle-error")
        assert "tick “Replace the assignment of the same name”" in \
            teacher.page.inner_text("#bundle-error")
        teacher.shot(shots, "41-duplicate-bundle")
        assert student.errors == [] and ta.errors == []
        # the teacher's only console messages: the error pages opened on purpose
        # (and the favicon Chromium asks for beside a JSON document)
        assert [re.sub(r" \(http[^)]*\)$", "", e) for e in teacher.errors
                if not e.endswith("/favicon.ico)")] == [
            "Failed to load resource: the server responded with a status of "
            f"{code} ({reason})" for code, reason in (
                (404, "Not Found"), (405, "Method Not Allowed"), (404, "Not Found"),
                (409, "Conflict"))], teacher.errors
    finally:
        for who in (teacher, student, ta):
            who.close()
