"""Due dates at the edges of what a date can be, on every route that takes one (issue 12 item
12): the API's PATCH of an assignment, adding a built-in with its settings, and the portal's
settings form. ``0001-01-01T00:00:00+14:00`` is a valid ISO 8601 date whose UTC time is before
year 1: it gave HTTP 500; now 422 with a message, and nothing changes."""

from __future__ import annotations

import html

import pytest

from tests.portal.conftest import Browser

from .conftest import Api, example_files

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

BAD = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]


def message(value: str) -> str:
    return (f"Value error, {value} is outside the years 1 to 9999 once converted to UTC; give "
            "a due date such as 2026-05-01T23:59:00Z")


@pytest.fixture(scope="module")
def dated(instructor) -> str:
    """A course of its own with fc-optim published and alice enrolled."""
    assert instructor.post("/api/v1/courses", json={"slug": "dates"}).status_code == 201
    r = instructor.post("/api/v1/courses/dates/roster",
                        files={"file": ("r.csv", b"name\nalice\n")})
    assert r.status_code == 200, r.text
    r = instructor.post("/api/v1/courses/dates/assignments",
                        json={"builtin": "fc-optim", "published": True})
    assert r.status_code == 201, r.text
    return "dates"


@pytest.mark.parametrize("value", BAD)
def test_patch_refuses_dates_outside_utc(dated, instructor, value):
    url = "/api/v1/courses/dates/assignments/fc-optim"
    before = instructor.get(url).json()
    r = instructor.patch(url, json={"due_at": value, "late_percent_per_day": 5})
    assert r.status_code == 422, r.text
    (error,) = r.json()["detail"]
    assert error["loc"] == ["body", "due_at"] and error["msg"] == message(value)
    assert instructor.get(url).json() == before  # nothing changed, the other field neither


@pytest.mark.parametrize("value", BAD)
def test_adding_a_builtin_refuses_dates_outside_utc(dated, instructor, value):
    listing = instructor.get("/api/v1/courses/dates/assignments").json()
    r = instructor.post("/api/v1/courses/dates/assignments",
                        json={"builtin": "rosenbrock", "due_at": value})
    assert r.status_code == 422, r.text
    (error,) = r.json()["detail"]
    assert error["loc"] == ["body", "due_at"] and error["msg"] == message(value)
    assert instructor.get("/api/v1/courses/dates/assignments").json() == listing


@pytest.mark.parametrize("value", BAD)
def test_portal_settings_form_refuses_dates_outside_utc(dated, server, tokens, instructor,
                                                        value):
    url = "/api/v1/courses/dates/assignments/fc-optim"
    before = instructor.get(url).json()
    page = "/courses/dates/assignments/fc-optim"
    browser = Browser(server.url, tokens["instructor"])
    r = browser.post(page + "/settings", data={"csrf_token": browser.csrf(page),
                                               "due_at": value, "late_percent_per_day": "5"})
    assert r.status_code == 422, r.text[:500]
    assert html.escape(f"due_at: {message(value)}", quote=False) in r.text
    assert instructor.get(url).json() == before


def test_extreme_dates_that_exist_in_utc_work_everywhere(dated, server, tokens, instructor):
    url = "/api/v1/courses/dates/assignments/fc-optim"
    alice = Api(server.url, tokens["alice"])
    browser = Browser(server.url, tokens["instructor"])
    for value, late in (("0001-01-01T00:00:00Z", True), ("9999-12-31T23:59:59Z", False)):
        r = instructor.patch(url, json={"due_at": value, "late_percent_per_day": 10})
        assert r.status_code == 200, r.text
        assert r.json()["due_at"] == value
        r = alice.submit("dates", "fc-optim", example_files())
        assert r.status_code == 202, r.text
        assert (r.json()["late_days"] > 700_000) is late
        body = alice.wait(r.json()["id"])
        assert body["status"] == "graded"
        assert (body["final_score"] == 0) is late  # the late cap (100%) applies
        assert instructor.get(url + "/grades.csv").status_code == 200
        assert browser.get("/courses/dates/assignments/fc-optim").status_code == 200
        assert Browser(server.url, tokens["alice"]).get(
            "/courses/dates/assignments/fc-optim").status_code == 200
