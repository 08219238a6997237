"""/docs (Swagger UI) and /redoc (ReDoc) render in headless Chromium with the network off:
every request the pages make goes to the server on 127.0.0.1 (any other is refused by the
browser's host resolver and recorded), and both show the API's operations. Screenshots go to
``test-output/apidocs/``."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import CI

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
# no network but the loopback: every other host name fails to resolve; no proxy, no
# background traffic of the browser's own
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-proxy-server", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
LOCAL = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not CHROMIUM.exists():
        if CI:
            pytest.fail("chromium is required under CI=true (scripts/setup-browser.sh)")
        pytest.skip("chromium is not installed (run scripts/setup-browser.sh)")
    sync = pytest.importorskip("playwright.sync_api")
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    with sync.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("profile")), executable_path=str(CHROMIUM),
            headless=True, args=FLAGS, viewport={"width": 1280, "height": 900})
        yield context
        context.close()


class Recorder:
    """A page whose requests are recorded; any request to another host than the loopback
    is aborted (and kept in ``outside``)."""

    def __init__(self, context) -> None:
        self.page = context.new_page()
        self.requests: list[str] = []
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.route("**/*", self._route)

    def _route(self, route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("http", "https", "ws", "wss") \
                and urlsplit(url).hostname not in LOCAL:
            self.outside.append(url)
            route.abort()
        else:
            route.continue_()


def api_operations(url: str) -> list[tuple[str, str]]:
    spec = httpx.get(url + "/openapi.json").json()
    return [(m, p) for p, ops in spec["paths"].items() for m in ops]


def test_swagger_ui_renders_offline(browser, docs_server):
    rec = Recorder(browser)
    rec.page.goto(docs_server.url + "/docs")
    rec.page.wait_for_selector(".opblock", timeout=30000)
    ops = api_operations(docs_server.url)
    # an operation with two tags is shown under both
    shown = set(rec.page.eval_on_selector_all(
        ".opblock", "els => els.map(e => e.querySelector('.opblock-summary-path')"
        ".getAttribute('data-path') + ' ' + e.querySelector('.opblock-summary-method')"
        ".textContent.toLowerCase())"))
    assert shown == {f"{p} {m}" for m, p in ops} and len(ops) > 40
    submit = rec.page.locator(
        "#operations-submissions-submit_api_v1_courses__course__assignments__assignment__"
        "submissions_post")
    submit.locator(".opblock-summary").click()
    responses = submit.locator(".responses-table .response-col_status")
    responses.first.wait_for(timeout=10000)
    codes = [c.strip() for c in responses.all_inner_texts()]
    assert {"202", "401", "403", "404", "413", "422"} <= set(codes), codes
    body = submit.inner_text()
    assert "invalid API token: it is not one this service issued" in body
    rec.page.screenshot(path=str(ARTIFACTS / "swagger-ui.png"), full_page=False)
    submit.screenshot(path=str(ARTIFACTS / "swagger-ui-submit.png"))
    assert rec.outside == []
    assert {urlsplit(u).hostname for u in rec.requests} <= LOCAL
    assert any(u.endswith("/static-offline-docs/swagger-ui-bundle.js") for u in rec.requests)
    assert rec.errors == []
    rec.page.close()


def test_redoc_renders_offline(browser, docs_server):
    rec = Recorder(browser)
    rec.page.goto(docs_server.url + "/redoc")
    rec.page.wait_for_selector("[data-section-id^='operation/']", timeout=30000)
    ops = api_operations(docs_server.url)
    ids = set(rec.page.eval_on_selector_all("[id^='operation/']", "els => els.map(e => e.id)"))
    assert len(ids) == len(ops)  # an operation with two tags is shown under both
    submit = rec.page.locator(
        "[id='operation/submit_api_v1_courses__course__assignments__assignment__submissions_post']")
    text = submit.inner_text()
    assert "Submit files for grading" in text
    for code in ("202", "401", "403", "404", "413", "422"):
        assert code in text, code
    submit.scroll_into_view_if_needed()
    rec.page.screenshot(path=str(ARTIFACTS / "redoc.png"), full_page=False)
    submit.screenshot(path=str(ARTIFACTS / "redoc-submit.png"))
    assert rec.outside == []
    assert {urlsplit(u).hostname for u in rec.requests} <= LOCAL
    assert any(u.endswith("/static-offline-docs/redoc.standalone.js") for u in rec.requests)
    assert rec.errors == []
    rec.page.close()
