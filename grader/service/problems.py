"""The API's error responses in its OpenAPI document: every operation lists the statuses it
can answer with (401, 403, 404, 409, 413, 422, 429), each with the ``{"detail": ...}`` body
and an example of the real message.

Most of them follow from the operation in the OpenAPI document (a bearer token: 401; a
course, assignment or submission in its path: 403 and 404; a request body: 413 and 422):
``document_errors`` adds those to every operation of the app's document. What only some
operations answer (a 409 conflict, a 429 rate limit, a staff-only 403) is given where the
route is declared, with ``problems``::

    @router.post("/courses", status_code=201,
                 responses=problems((409, "exists", "a course 'cs231n' already exists")))
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

from .schemas import Problem

DESCRIPTIONS = {
    401: "No token, or a token this service did not issue (header `WWW-Authenticate: "
         "Bearer`).",
    403: "The token is valid, but its user may not do this.",
    404: "What the path names does not exist (or is not visible to the caller).",
    409: "The request clashes with the current state; the message says what to wait for or "
         "change.",
    413: "Over a size or count limit; the message names the limit and its setting.",
    422: "The request's content cannot be used: `detail` says why in a sentence, or (a "
         "malformed field) is FastAPI's list of field errors.",
    429: "Over a rate limit or the number of submissions waiting; `Retry-After` says when "
         "to try again.",
}


class FieldError(BaseModel):
    """One malformed field of a request (FastAPI's validation)."""

    loc: list[str | int]
    msg: str
    type: str


class InvalidProblem(BaseModel):
    """A request whose content cannot be used."""

    detail: str | list[FieldError] = Field(description="Why, in a sentence; or the list of "
                                                        "malformed fields.")


Example = tuple[int, str, str]  # status, example name, the message


def problems(*examples: Example) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each ``(status, name, message)`` is an example of an error
    it answers with (several for one status make a list of examples)."""
    out: dict[int | str, dict[str, Any]] = {}
    for status, name, message in examples:
        entry = out.setdefault(status, {
            "model": InvalidProblem if status == 422 else Problem,
            "description": DESCRIPTIONS[status],
            "content": {"application/json": {"examples": {}}}})
        entry["content"]["application/json"]["examples"][name] = {
            "summary": name, "value": {"detail": message}}
    return out


TOKEN = [(401, "invalid token", "invalid API token: it is not one this service issued (check "
                                "for a typo, or ask for a new one)"),
         (401, "missing token", "missing API token: send the header 'Authorization: Bearer "
                                "<token>' (`grader users add` prints a token)")]
ADMIN = [(403, "not an admin", "only admins can do this")]
BY_PARAM: dict[str, list[Example]] = {
    "course": [(403, "not enrolled", "you are not enrolled in course demo"),
               (404, "unknown course", "no course 'demo'")],
    "assignment": [(404, "unknown assignment", "course demo has no assignment 'fc-optim'")],
    "submission_id": [(403, "another student's", "submission 12 belongs to another student"),
                      (404, "unknown submission", "no submission 12")],
    "submission_a": [(404, "unknown submission", "no submission 12")],
    "regrade_id": [(404, "unknown regrade", "no regrade 3")],
    "validation_id": [(404, "unknown validation", "no bundle validation 4")],
    "request_id": [(404, "unknown request", "no regrade request 5")],
    "student": [(404, "no extension", "alice has no extension on fc-optim")],
    "todo": [(404, "unknown TODO", "submission 12 has no TODO 'adamm' (its TODOs: "
                                   "affine_forward, ..., adam)")],
    "name": [(404, "unknown platform", "no LTI platform called 'canvas' (see `grader lti "
                                       "platforms list`)")],
}
BODY = [(413, "request too large", "the request body is larger than the limit of 20480 KB "
                                   "(GRADER_MAX_REQUEST_KB)")]
FIELDS: Example = (422, "malformed field", "")  # its body: the list of field errors


def inferred(path: str, op: dict[str, Any]) -> list[Example]:
    """The errors that follow from an operation of the OpenAPI document: a bearer token
    (401), an admin path (403), the path's parameters (403 and 404), a request body (413),
    any parameter or body (422); in status order."""
    out: list[Example] = []
    if op.get("security"):
        out += TOKEN
        if path.startswith("/api/v1/admin/"):
            out += ADMIN
    params = op.get("parameters", [])
    for p in params:
        if p.get("in") == "path":
            out += BY_PARAM.get(p["name"], [])
    if "requestBody" in op:
        out += BODY
    if params or "requestBody" in op:
        out.append(FIELDS)
    return sorted(out, key=lambda e: e[0])


FIELD_ERRORS = {"summary": "malformed field", "value": {"detail": [
    {"loc": ["body", "slug"], "msg": "String should match pattern '^[a-z0-9][a-z0-9-]{0,63}$'",
     "type": "string_pattern_mismatch"}]}}


def _response(status: int, examples: dict[str, Any]) -> dict[str, Any]:
    model = "InvalidProblem" if status == 422 else "Problem"
    return {"description": DESCRIPTIONS[status], "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{model}"}, "examples": examples}}}


def add_errors(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` (an OpenAPI document) with the inferred error responses added to its
    operations, next to those the routes' declarations give."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for model in (Problem, InvalidProblem):
        found = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(found.pop("$defs", {}))
        schemas[model.__name__] = found
    for path, ops in spec.get("paths", {}).items():
        for op in ops.values():
            responses = op.setdefault("responses", {})
            for status, name, message in inferred(path, op):
                value = FIELD_ERRORS if (status, name) == FIELDS[:2] else {
                    "summary": name, "value": {"detail": message}}
                entry = responses.get(str(status))
                if entry is None or "examples" not in entry.get("content", {}).get(
                        "application/json", {}):  # FastAPI's own 422 is replaced
                    entry = responses[str(status)] = _response(status, {})
                entry["content"]["application/json"]["examples"].setdefault(name, value)
            op["responses"] = dict(sorted(responses.items()))
    return spec


def document_errors(app: FastAPI) -> None:
    """Make ``app``'s OpenAPI document list every operation's error responses."""
    build = app.openapi
    done: list[int] = []

    def openapi() -> dict[str, Any]:
        spec = build()  # FastAPI's, cached until the routes change
        if id(spec) not in done:
            add_errors(spec)
            done[:] = [id(spec)]
        return spec

    app.openapi = openapi  # type: ignore[method-assign]
