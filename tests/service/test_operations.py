"""What operators read: ``/metrics`` in Prometheus text format with the queue's figures, the
request id of every answer, and JSON logs that follow one submission from its HTTP request
to its recorded result (the embedded server; ``tests/deploy/`` checks the same across
containers)."""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest

from .conftest import BUNDLES, Api, Server, bundle_zip

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

TINY_REF = (BUNDLES / "tiny-sgd" / "reference" / "tiny" / "optim.py").read_bytes()


def sample(text: str, name: str, labels: str = "") -> float | None:
    """The value of sample ``name{labels}`` (labels as written, sorted) or None."""
    pattern = re.escape(name + (f"{{{labels}}}" if labels else "")) + r" (\S+)$"
    found = re.search(pattern, text, re.M)
    return float(found.group(1)) if found else None


def test_metrics_show_the_queue_and_gradings(server, tiny_course, alice):
    before = httpx.get(server.url + "/metrics")
    assert before.status_code == 200
    assert before.headers["content-type"].startswith("text/plain; version=")  # Prometheus text
    graded_before = sample(before.text, "grader_gradings_total",
                           'kind="grade",outcome="graded"') or 0
    sid = alice.submit(tiny_course, "tiny-sgd", [("tiny/optim.py", TINY_REF)]).json()["id"]
    assert alice.wait(sid)["score"] == 10
    text = httpx.get(server.url + "/metrics").text
    assert sample(text, "grader_gradings_total",
                  'kind="grade",outcome="graded"') == graded_before + 1
    assert sample(text, "grader_grading_seconds_count", 'lane="interactive"') >= 1
    assert sample(text, "grader_queue_wait_seconds_count", 'lane="interactive"') >= 1
    for lane in ("interactive", "bulk", "validation"):
        assert sample(text, "grader_queue_depth", f'lane="{lane}"') is not None, lane
    assert sample(text, "grader_validations_total", 'outcome="passed"') >= 1
    assert "# TYPE grader_grading_seconds histogram" in text
    assert re.search(r'grader_http_requests_total\{method="POST",route="/api/v1/courses/'
                     r'\{course\}/assignments/\{assignment\}/submissions",status="202"\} ',
                     text)


def test_every_answer_carries_a_request_id(server):
    r = httpx.get(server.url + "/api/v1/health", headers={"X-Request-ID": "abc-123.x"})
    assert r.headers["x-request-id"] == "abc-123.x"
    r = httpx.get(server.url + "/api/v1/health", headers={"X-Request-ID": "no spaces <here>"})
    assert re.fullmatch(r"[0-9a-f]{16}", r.headers["x-request-id"])  # replaced, not echoed
    assert re.fullmatch(r"[0-9a-f]{16}", httpx.get(server.url + "/nope").headers[
        "x-request-id"])


def test_json_logs_follow_a_submission_and_metrics_need_the_token(tmp_path, require_bwrap):
    srv = Server(tmp_path / "ops", env={"GRADER_LOG_FORMAT": "json",
                                        "GRADER_METRICS_TOKEN": "s3cret"}).start()
    try:
        r = httpx.get(srv.url + "/metrics")
        assert r.status_code == 401
        assert r.json() == {"detail": "/metrics needs 'Authorization: Bearer <the "
                                      "GRADER_METRICS_TOKEN>'"}
        assert httpx.get(srv.url + "/metrics", headers={
            "Authorization": "Bearer wrong"}).status_code == 401
        assert httpx.get(srv.url + "/metrics", headers={
            "Authorization": "Bearer s3cret"}).status_code == 200

        teacher = Api(srv.url, srv.tokens()["instructor"])
        assert teacher.post("/api/v1/courses", json={"slug": "ops"}).status_code == 201
        r = teacher.post("/api/v1/courses/ops/roster",
                         files={"file": ("r.csv", b"name\nalice\n")})
        assert r.status_code == 200
        v = teacher.upload_bundle("ops", bundle_zip(BUNDLES / "tiny-sgd"), publish="true")
        assert v["status"] == "passed", v
        alice = Api(srv.url, srv.tokens()["alice"])
        r = alice.http.post("/api/v1/courses/ops/assignments/tiny-sgd/submissions",
                            files=[("files", ("tiny/optim.py", TINY_REF))],
                            headers={"X-Request-ID": "trace-me-42"})
        assert r.status_code == 202 and r.headers["x-request-id"] == "trace-me-42"
        sid = r.json()["id"]
        assert alice.wait(sid)["score"] == 10
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the log line is written just after the commit
            lines = [json.loads(x) for x in srv.log.read_text().splitlines()
                     if x.startswith("{")]
            trace = [x for x in lines if x.get("request_id") == "trace-me-42"]
            if any(x["message"].startswith("grading recorded") for x in trace):
                break
            time.sleep(0.2)
        messages = [x["message"] for x in trace]
        assert "submission accepted" in messages
        assert "grading started" in messages
        recorded = next(x for x in trace if x["message"].startswith("grading recorded"))
        assert (recorded["submission_id"], recorded["outcome"], recorded["score"]) == (
            sid, "graded", 10.0)
        assert isinstance(recorded["job_id"], int) and recorded["level"] == "info"
        post = next(x for x in trace if x["logger"] == "grader.http")
        assert (post["method"], post["status"]) == ("POST", 202)
        validation = [x for x in lines if x.get("validation_id") == v["id"]]
        assert any(x["message"] == "bundle validation ended: passed" for x in validation)
    finally:
        srv.stop()
