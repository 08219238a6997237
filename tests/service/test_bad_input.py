"""Bad input gets a clear error and changes nothing (status, exact message, no row stored)."""

from __future__ import annotations

import json

import httpx
import pytest

from .conftest import Api, example_files, make_zip

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

OPTIM = example_files()[-1]


@pytest.fixture
def unchanged(server):
    """Asserts that the test stored no submission and queued no job."""
    before = (server.count("submissions"), server.count("jobs"))
    yield
    assert (server.count("submissions"), server.count("jobs")) == before


def expect(r: httpx.Response, status: int, detail: str) -> None:
    assert r.status_code == status, r.text
    assert r.json() == {"detail": detail}


def test_unknown_course_and_assignment(alice, unchanged):
    expect(alice.submit("nope", "fc-optim", [OPTIM]), 404, "no course 'nope'")
    expect(alice.submit("demo", "nope", [OPTIM]), 404,
           "course demo has no assignment 'nope'")
    expect(alice.get("/api/v1/submissions/999999"), 404, "no submission 999999")


def test_student_not_in_course(server, instructor, alice, unchanged):
    r = instructor.post("/api/v1/courses", json={"slug": "closed", "title": "Closed"})
    assert r.status_code == 201
    r = instructor.post("/api/v1/courses/closed/assignments", json={"builtin": "fc-optim",
                                                                   "published": True})
    assert r.status_code == 201, r.text
    expect(alice.submit("closed", "fc-optim", [OPTIM]), 403,
           "you are not enrolled in course closed")
    expect(alice.get("/api/v1/courses/closed/assignments"), 403,
           "you are not enrolled in course closed")


def test_wrong_or_missing_token(server, unchanged):
    for api in (Api(server.url, "gr_not-a-real-token"), Api(server.url, None)):
        r = api.submit("demo", "fc-optim", [OPTIM])
        assert r.status_code == 401
        assert r.headers["www-authenticate"] == "Bearer"
    expect(Api(server.url, "gr_not-a-real-token").get("/api/v1/me"), 401,
           "invalid API token: it is not one this service issued (check for a typo, or ask "
           "for a new one)")
    expect(Api(server.url, None).get("/api/v1/me"), 401,
           "missing API token: send the header 'Authorization: Bearer <token>' (`grader "
           "users add` prints a token)")


def test_too_many_files(alice, unchanged):
    files = [(f"extra{i}.py", b"x = 1\n") for i in range(7)]
    expect(alice.submit("demo", "fc-optim", files), 413,
           "7 files were uploaded; the limit is 6 files")


def test_file_too_large(alice, unchanged):
    big = ("nndl/optim.py", b"#" * (65 * 1024))
    expect(alice.submit("demo", "fc-optim", [big]), 413,
           f"nndl/optim.py is {65 * 1024} bytes; the limit is 64 KB per file")


def test_request_body_too_large(alice, unchanged):
    body = [(f"f{i}.py", b"#" * (60 * 1024)) for i in range(9)]  # 540 KB > 512 KB
    expect(alice.submit("demo", "fc-optim", body), 413,
           "the request body is larger than the limit of 512 KB (GRADER_MAX_REQUEST_KB)")


def test_request_body_too_large_chunked(server, tokens, unchanged):
    def chunks():
        yield (b'--xyz\r\nContent-Disposition: form-data; name="files"; filename="a.py"\r\n'
               b"Content-Type: text/x-python\r\n\r\n")
        for _ in range(600):
            yield b"x" * 1024
        yield b"\r\n--xyz--\r\n"

    r = httpx.post(server.url + "/api/v1/courses/demo/assignments/fc-optim/submissions",
                   headers={"Authorization": f"Bearer {tokens['alice']}",
                            "Content-Type": "multipart/form-data; boundary=xyz"},
                   content=chunks())
    expect(r, 413, "the request body is larger than the limit of 512 KB "
                   "(GRADER_MAX_REQUEST_KB)")


def test_zip_entry_escaping_the_folder(alice, unchanged):
    data = make_zip({"../nndl/optim.py": OPTIM[1]})
    expect(alice.submit("demo", "fc-optim", [("sub.zip", data)]), 422,
           "archive entry '../nndl/optim.py' points outside the submission folder; re-create "
           "the zip from inside your project folder")


def test_upload_name_escaping_the_folder(alice, unchanged):
    expect(alice.submit("demo", "fc-optim", [("../../etc/optim.py", OPTIM[1])]), 422,
           "archive entry '../../etc/optim.py' points outside the submission folder; "
           "re-create the zip from inside your project folder")


def test_zip_symlink(alice, unchanged):
    data = make_zip({"nndl/layers.py": b"x = 1\n"}, symlink="nndl/optim.py")
    expect(alice.submit("demo", "fc-optim", [("sub.zip", data)]), 422,
           "the zip entry 'nndl/optim.py' is a symbolic link; submit regular files only")


def test_zip_bomb(alice, unchanged):
    data = make_zip({"nndl/optim.py": b"\0" * (60 * 1024)})
    r = alice.submit("demo", "fc-optim", [("sub.zip", data)])
    assert r.status_code == 422
    assert r.json()["detail"].startswith("the zip entry nndl/optim.py expands ")
    assert r.json()["detail"].endswith("-fold; this looks like a zip bomb and was refused")


def test_not_a_zip(alice, unchanged):
    r = alice.submit("demo", "fc-optim", [("sub.zip", b"PK\x03\x04 not really")])
    assert r.status_code == 422
    assert r.json()["detail"].startswith("the file is not a valid zip archive")


def test_non_utf8_file(alice, unchanged):
    expect(alice.submit("demo", "fc-optim", [("nndl/optim.py", b"x = '\xe9t\xe9'\n")]), 422,
           "nndl/optim.py is not UTF-8 text (byte 0xe9 at offset 5); save it with UTF-8 "
           "encoding and submit again")


def test_wrong_kind_of_file(alice, unchanged):
    expect(alice.submit("demo", "fc-optim", [("notes.txt", b"hello")]), 422,
           "'notes.txt': submit .py files, a folder as a .zip, or an .ipynb notebook")


def test_no_graded_file(alice, unchanged):
    expect(alice.submit("demo", "fc-optim", [("other.py", b"x = 1\n")]), 422,
           "none of the files this assignment grades was found (expected nndl/layers.py, "
           "nndl/layer_utils.py, nndl/fc_net.py, nndl/optim.py); got the Python file other.py")


def test_malformed_notebook(tiny_course, alice, unchanged):
    expect(alice.submit(tiny_course, "tiny-sgd", [("hw.ipynb", b"{not json")]), 422,
           "hw.ipynb is not a valid notebook: its JSON does not parse (Expecting property "
           "name enclosed in double quotes: line 1 column 2 (char 1))")
    expect(alice.submit(tiny_course, "tiny-sgd",
                        [("hw.ipynb", json.dumps({"cells": "x"}).encode())]), 422,
           "hw.ipynb is not a valid notebook: it has no list of cells (nbformat 4 expected)")


def test_notebook_for_an_assignment_without_notebooks(alice, unchanged):
    expect(alice.submit("demo", "fc-optim", [("hw.ipynb", b"{}")]), 422,
           "fc-optim is graded from your nndl/layers.py, nndl/layer_utils.py, "
           "nndl/fc_net.py, nndl/optim.py; submit those files (a folder or a zip), not a "
           "notebook")


def test_no_files_field(alice, unchanged):
    r = alice.post("/api/v1/courses/demo/assignments/fc-optim/submissions")
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "files"]


def test_unpublished_assignment_is_hidden_from_students(server, instructor, alice, unchanged):
    r = instructor.post("/api/v1/courses", json={"slug": "drafts", "title": "Drafts"})
    assert r.status_code == 201
    instructor.post("/api/v1/courses/drafts/roster", files={"file": ("r.csv", b"name\nalice\n")})
    r = instructor.post("/api/v1/courses/drafts/assignments", json={"builtin": "fc-optim"})
    assert r.status_code == 201 and r.json()["published"] is False
    expect(alice.submit("drafts", "fc-optim", [OPTIM]), 404,
           "course drafts has no assignment 'fc-optim'")
    assert alice.get("/api/v1/courses/drafts/assignments").json() == []
