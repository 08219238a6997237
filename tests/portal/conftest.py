"""The portal over real HTTP: ``grader serve`` in a subprocess with a real SQLite file and
the bubblewrap sandbox (``GRADER_SANDBOX=process``), as the service tests run it."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO
from tests.service.conftest import Server, bundle_zip, require_bwrap  # noqa: F401

BUNDLES = Path(__file__).resolve().parent / "bundles"
ARTIFACTS = REPO / "test-output" / "portal"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def adam_bundle() -> bytes:
    """The adam-2d bundle as a zip (one TODO, a visible 2-D trajectory check)."""
    return bundle_zip(BUNDLES / "adam-2d", top="adam-2d")


def follow_validation(browser: Browser, location: str, timeout: float = 180
                      ) -> httpx.Response:
    """Poll a bundle validation's page until a worker is done with it: the redirect to the
    stored assignment (passed) or the page saying why it was not stored (failed)."""
    assert location.startswith("/validations/"), location
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = browser.get(location)
        if r.status_code == 303 or (r.status_code == 200 and "data-poll" not in r.text):
            return r
        assert r.status_code == 200, r.text
        time.sleep(0.3)
    raise AssertionError(f"validation {location} not done in {timeout} s")


def csrf_of(html: str) -> str:
    """The first CSRF token of a page's forms."""
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


class Browser:
    """An HTTP client signed in to the portal as one user (cookies kept, no redirects)."""

    def __init__(self, url: str, token: str | None) -> None:
        self.http = httpx.Client(base_url=url, follow_redirects=False, timeout=120)
        if token is not None:
            r = self.sign_in(token)
            assert r.status_code == 303, r.text

    def sign_in(self, token: str) -> httpx.Response:
        form = self.http.get("/login")
        return self.http.post("/login", data={"token": token, "csrf_token": csrf_of(form.text),
                                              "next": "/"})

    def get(self, path: str, **kw) -> httpx.Response:
        return self.http.get(path, **kw)

    def post(self, path: str, **kw) -> httpx.Response:
        return self.http.post(path, **kw)

    def csrf(self, page: str = "/") -> str:
        return csrf_of(self.get(page).text)


@pytest.fixture(scope="module")
def portal_server(tmp_path_factory, require_bwrap):  # noqa: F811
    srv = Server(tmp_path_factory.mktemp("portal")).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def portal_tokens(portal_server) -> dict[str, str]:
    return portal_server.tokens()
