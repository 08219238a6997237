"""The grading service's REST API as a student's client uses it: who am I, submit, poll,
list my submissions. Every failure is a ``ClientError`` whose message says what to do and
whose ``exit_code`` is the CLI's (``grader.cli_help``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from .. import __version__
from ..exit_codes import EXIT_PENDING, EXIT_REFUSED, EXIT_UNREACHABLE

DONE = ("graded", "failed")


class ClientError(Exception):
    """A request that did not succeed; ``str()`` is the message for the user."""

    def __init__(self, message: str, exit_code: int = EXIT_REFUSED,
                 status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.status = status


def _detail(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list):  # FastAPI's field errors
        return "; ".join(f"{'.'.join(str(x) for x in e.get('loc', []))}: {e.get('msg')}"
                         for e in detail if isinstance(e, dict))
    return detail if isinstance(detail, str) else None


class ServiceClient:
    """One user's connection to a grading service (``url``, API ``token``)."""

    def __init__(self, url: str, token: str, timeout_seconds: float = 60.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.url = url.rstrip("/")
        self.http = httpx.Client(
            base_url=self.url, timeout=timeout_seconds, transport=transport,
            headers={"Authorization": f"Bearer {token}",
                     "User-Agent": f"grader-client/{__version__}"})

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def request(self, method: str, path: str, **kw: Any) -> Any:
        """The JSON body of a successful request.

        Raises:
            ClientError: the service cannot be reached, or answered with an error.
        """
        try:
            response = self.http.request(method, path, **kw)
        except httpx.TimeoutException:
            raise ClientError(f"the grading service at {self.url} did not answer in time; "
                              "try again in a minute, or ask your instructor whether it is "
                              "up", EXIT_UNREACHABLE) from None
        except httpx.TransportError as exc:
            raise ClientError(f"cannot reach the grading service at {self.url} ({exc}): "
                              "check the URL (`grader login --url URL`) and your network, "
                              "or ask your instructor whether the service is running",
                              EXIT_UNREACHABLE) from None
        if response.status_code < 400:
            try:
                return response.json()
            except ValueError:
                raise ClientError(f"{self.url} answered {path} with something that is not "
                                  "JSON: is it the grading service's URL (the one the "
                                  "portal is at)?", EXIT_UNREACHABLE) from None
        raise self.error(response)

    def error(self, response: httpx.Response) -> ClientError:
        """The ``ClientError`` for an error answer (its message is the service's)."""
        status = response.status_code
        detail = _detail(response)
        if detail is None:
            kind = response.headers.get("content-type", "no content type").split(";")[0]
            if status >= 500:
                return ClientError(f"the grading service at {self.url} failed (HTTP {status})"
                                   "; try again later, or tell your instructor",
                                   EXIT_UNREACHABLE, status)
            return ClientError(f"{self.url} answered HTTP {status} ({kind}), not like the "
                               "grading service: check the URL (`grader login --url URL`)",
                               EXIT_UNREACHABLE, status)
        if status == 401:
            return ClientError(f"the grading service at {self.url} refused your token: "
                               f"{detail}. Run `grader login` with a valid token",
                               EXIT_UNREACHABLE, status)
        if status == 429:
            wait = response.headers.get("retry-after")
            more = f" (retry after {wait} s)" if wait else ""
            return ClientError(f"{detail}{more}", EXIT_REFUSED, status)
        return ClientError(detail, EXIT_REFUSED, status)

    # --- the operations -------------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        """The caller: name, role and courses."""
        return self.request("GET", "/api/v1/me")

    def assignments(self, course: str) -> list[dict[str, Any]]:
        """The course's assignments the caller can see."""
        return self.request("GET", f"/api/v1/courses/{course}/assignments")

    def course_of(self, assignment: str, course: str | None = None) -> str:
        """The course to submit ``assignment`` in: ``course`` if given, else the only one
        of the caller's courses that has it.

        Raises:
            ClientError: none of the caller's courses has it, or several do.
        """
        if course:
            return course
        courses = [c["slug"] for c in self.me()["courses"]]
        having = [c for c in courses
                  if any(a["slug"] == assignment for a in self.assignments(c))]
        if len(having) == 1:
            return having[0]
        if not having:
            listed = ", ".join(courses) or "none"
            raise ClientError(f"none of your courses ({listed}) has an assignment "
                              f"{assignment!r}: check its name on the course page",
                              EXIT_REFUSED, 404)
        raise ClientError(f"several of your courses have an assignment {assignment!r} "
                          f"({', '.join(having)}): say which with --course", EXIT_REFUSED)

    def submit(self, course: str, assignment: str, files: list[tuple[str, bytes]]
               ) -> dict[str, Any]:
        """Upload files; the service's answer (``id``, ``status`` queued, ``attempt``)."""
        return self.request("POST", f"/api/v1/courses/{course}/assignments/{assignment}"
                                    "/submissions",
                            files=[("files", (name, data)) for name, data in files])

    def submission(self, submission_id: int) -> dict[str, Any]:
        """A submission: status, scores and, once graded, the result."""
        return self.request("GET", f"/api/v1/submissions/{submission_id}")

    def submissions(self, course: str, assignment: str) -> list[dict[str, Any]]:
        """The caller's submissions to an assignment (an instructor's: everyone's)."""
        return self.request("GET", f"/api/v1/courses/{course}/assignments/{assignment}"
                                   "/submissions")

    def wait(self, submission_id: int, timeout_seconds: float = 600.0,
             on_status: Callable[[str], None] | None = None) -> dict[str, Any]:
        """Poll a submission until it is graded or failed (the interval grows from 0.2 s
        to 2 s); ``on_status`` hears each new status.

        Raises:
            ClientError: not done within ``timeout_seconds`` (``EXIT_PENDING``).
        """
        deadline = time.monotonic() + timeout_seconds
        interval, seen = 0.2, None
        while True:
            body = self.submission(submission_id)
            if body["status"] != seen:
                seen = body["status"]
                if on_status is not None:
                    on_status(seen)
            if body["status"] in DONE:
                return body
            if time.monotonic() + interval > deadline:
                raise ClientError(f"submission {submission_id} is still {body['status']} "
                                  f"after {timeout_seconds:g} s; it will be graded: see it "
                                  f"later with `grader status {submission_id}`",
                                  EXIT_PENDING)
            time.sleep(interval)
            interval = min(interval * 1.5, 2.0)
