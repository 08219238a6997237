"""The scale-out deployment end to end: submissions through the HTTP API graded by two worker
processes (Celery on a real Redis, a real PostgreSQL), redelivered messages, interactive jobs
ahead of bulk regrades, the admin view, a broker that was down."""

from __future__ import annotations

import httpx
import pytest

from grader.config import Settings
from grader.queue.celery_app import QUEUES, TASK, make_celery

from .conftest import example_files, wait_for

pytestmark = [pytest.mark.servers, pytest.mark.sandbox, pytest.mark.slow]


def per_submission(dep) -> dict[int, int]:
    return dict(dep.rows("SELECT submission_id, count(*) FROM gradings GROUP BY submission_id"))


def test_two_workers_grade_through_the_api(deployment):
    dep = deployment
    dep.start_api()
    w1, w2 = dep.add_worker("w1"), dep.add_worker("w2")
    health = httpx.get(dep.api.url + "/api/v1/health").json()
    assert health["queue"]["backend"] == "celery"
    assert health["queue"]["queues"] == QUEUES
    assert dep.ping() == 0  # the healthcheck: a worker of this host answers
    alice, bob = dep.api_as("alice"), dep.api_as("bob")
    files = example_files()
    ids = []
    for i in range(8):
        r = (alice if i % 2 else bob).submit("demo", "fc-optim", files)
        assert r.status_code == 202, r.text
        ids.append(r.json()["id"])
    results = [alice.wait(sid, timeout=180) if i % 2 else bob.wait(sid, timeout=180)
               for i, sid in enumerate(ids)]
    assert all(r["status"] == "graded" for r in results)
    assert len({r["score"] for r in results}) == 1 and 0 < results[0]["score"] < 100
    assert results[0]["result"]["sandbox"] == "process"
    assert per_submission(dep) == {sid: 1 for sid in ids}  # each graded exactly once
    graders = dict(dep.rows("SELECT worker, count(*) FROM jobs GROUP BY worker"))
    assert set(graders) == {w1.name, w2.name}, graders  # both workers graded, the API none

    # a redelivered message for a graded submission does nothing
    job_id, attempts = dep.rows("SELECT id, attempts FROM jobs WHERE submission_id = ?",
                                (ids[0],))[0]
    app = make_celery(Settings(broker_url=dep.redis.url()))
    for _ in range(3):
        app.send_task(TASK, args=[job_id], queue=QUEUES["interactive"])
    admin = dep.admin()
    wait_for(lambda: admin.get("/api/v1/admin/queue?inspect=false").json()["broker"]
             ["queues"]["interactive"] == 0, 30, "the duplicates to be consumed")
    wait_for(lambda: admin.get("/api/v1/admin/queue?inspect=false").json()["broker"]
             ["unacked"] == 0, 30, "the duplicates to be acknowledged")
    assert per_submission(dep) == {sid: 1 for sid in ids}
    assert dep.rows("SELECT attempts, status FROM jobs WHERE id = ?", (job_id,)) == [
        (attempts, "done")]

    # the admin view
    assert dep.api_as("instructor").get("/api/v1/admin/queue").status_code == 403
    report = admin.get("/api/v1/admin/queue").json()
    assert report["backend"] == "celery"
    assert report["broker"]["reachable"] is True
    assert report["broker"]["queues"] == {"interactive": 0, "bulk": 0}
    assert report["lanes"]["interactive"] == {"queued": 0, "running": 0, "done": 8}
    assert report["oldest_queued_seconds"] is None
    alive = {w["name"]: w for w in report["workers"] if w["alive"]}
    assert set(alive) == {w1.name, w2.name}
    assert all(w["sandbox"] == "process" and w["concurrency"] == 1 for w in alive.values())
    assert set(report["live_workers"]) == {w1.name, w2.name}  # they answer a Celery ping
    five = next(w for w in report["throughput"] if w["window_seconds"] == 300)
    assert five["finished"] == 8 and five["failed"] == 0 and five["mean_run_seconds"] > 0
    assert report["retried_last_hour"] == 0 and report["recent_failures"] == []


def test_interactive_submissions_go_ahead_of_bulk_regrades(deployment):
    dep = deployment
    dep.start_api()
    worker = dep.add_worker("w1")
    alice, teacher = dep.api_as("alice"), dep.api_as("instructor")
    files = example_files()
    graded = [alice.submit("demo", "fc-optim", files).json()["id"] for _ in range(6)]
    for sid in graded:
        alice.wait(sid, timeout=180)
    worker.stop()  # everything below waits in the broker until a worker comes
    assert dep.ping() == 1  # no worker answers any more
    r = teacher.post("/api/v1/courses/demo/assignments/fc-optim/regrade",
                     json={"dry_run": False})
    assert r.status_code == 202, r.text
    regrade = r.json()
    assert regrade["queued"] == 6
    late = alice.submit("demo", "fc-optim", files).json()["id"]
    admin = dep.admin()
    depth = admin.get("/api/v1/admin/queue?inspect=false").json()
    assert depth["broker"]["queues"] == {"interactive": 1, "bulk": 6}
    assert depth["lanes"]["bulk"]["queued"] == 6 and depth["lanes"]["interactive"]["queued"] == 1
    dep.add_worker("w2")
    alice.wait(late, timeout=180)
    teacher.wait_regrade(regrade["id"], timeout=240)
    order = [kind for kind, in dep.rows("SELECT kind FROM jobs WHERE finished_at IS NOT NULL "
                                        "AND id > ? ORDER BY finished_at", (len(graded),))]
    assert order == ["grade"] + ["regrade"] * 6  # the student's submission went first


def test_submissions_accepted_while_the_broker_is_down_are_graded_later(deployment):
    dep = deployment
    dep.start_api()
    dep.add_worker("w1")
    alice = dep.api_as("alice")
    dep.redis.stop()
    accepted = []
    for _ in range(3):
        r = alice.submit("demo", "fc-optim", example_files())
        assert r.status_code == 202, r.text  # stored: the broker is not needed to accept
        accepted.append(r.json()["id"])
    # stored and waiting; whether a sweep is trying to send them at this instant (it marks
    # a job as sent before sending, and unmarks it when the broker refuses) is a race
    assert dep.rows("SELECT status, count(*) FROM jobs GROUP BY status") == [("queued", 3)]
    dep.redis.start()  # same port and folder
    for sid in accepted:
        assert alice.wait(sid, timeout=180)["status"] == "graded"
    assert per_submission(dep) == {sid: 1 for sid in accepted}
