"""The OpenAPI document lists every operation's error responses with the ``{"detail": ...}``
body and an example of the real message; the examples are the messages the server sends."""

from __future__ import annotations

import httpx
import pytest

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

SUBMIT = "/api/v1/courses/{course}/assignments/{assignment}/submissions"


@pytest.fixture(scope="module")
def spec(docs_server) -> dict:
    r = httpx.get(docs_server.url + "/openapi.json")
    assert r.status_code == 200
    return r.json()


def examples(op: dict, status: int) -> dict[str, dict]:
    content = op["responses"][str(status)]["content"]["application/json"]
    return {name: e["value"] for name, e in content["examples"].items()}


def operations(spec: dict):
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def test_every_operation_documents_its_errors_with_an_example(spec):
    ops = list(operations(spec))
    assert len(ops) > 40
    for path, method, op in ops:
        errors = {int(s) for s in op["responses"] if s.startswith("4")}
        if op.get("security"):
            assert 401 in errors, (method, path)
        if "{course}" in path or "{submission_id}" in path:
            assert {403, 404} <= errors, (method, path)
        if "requestBody" in op:
            assert {413, 422} <= errors, (method, path)
        for status in errors:
            content = op["responses"][str(status)]["content"]["application/json"]
            assert content["schema"]["$ref"] in ("#/components/schemas/Problem",
                                                 "#/components/schemas/InvalidProblem")
            assert content["examples"], (method, path, status)
            for e in content["examples"].values():
                assert set(e["value"]) == {"detail"}, (method, path, status)
        # every operation that can fail has at least one example of how
        assert errors or path in ("/api/v1/health", "/lti/jwks.json"), (method, path)
    problem = spec["components"]["schemas"]["Problem"]
    assert problem["required"] == ["detail"]
    assert problem["properties"]["detail"]["type"] == "string"


def test_submit_documents_each_refusal(spec):
    op = spec["paths"][SUBMIT]["post"]
    assert {"202", "401", "403", "404", "409", "413", "422", "429"} <= set(op["responses"])
    assert examples(op, 401)["invalid token"] == {
        "detail": "invalid API token: it is not one this service issued (check for a typo, "
                  "or ask for a new one)"}
    assert examples(op, 404)["unknown assignment"] == {
        "detail": "course demo has no assignment 'fc-optim'"}
    assert examples(op, 413)["file too large"] == {
        "detail": "nndl/optim.py is 66560 bytes; the limit is 64 KB per file"}
    assert "got the Python file other.py" in examples(op, 422)["nothing to grade"]["detail"]
    assert isinstance(examples(op, 422)["malformed field"]["detail"], list)
    gradescope = spec["paths"]["/api/v1/submissions/{submission_id}/gradescope"]["get"]
    assert examples(gradescope, 409)["not graded yet"]["detail"].startswith(
        "submission 12 is queued; poll")
    assert "409" in spec["paths"]["/api/v1/courses"]["post"]["responses"]


def test_examples_are_the_messages_the_server_sends(docs_server, spec):
    """The documented 401 examples are what the server answers, word for word."""
    url = docs_server.url
    op = spec["paths"][SUBMIT]["post"]
    bad = httpx.get(url + "/api/v1/me", headers={"Authorization": "Bearer gr_wrong"})
    assert bad.status_code == 401 and bad.json() == examples(op, 401)["invalid token"]
    missing = httpx.get(url + "/api/v1/me")
    assert missing.status_code == 401 and missing.json() == examples(op, 401)["missing token"]
