"""Processes dying mid-work: a worker killed with ``kill -9`` in the middle of a grading (its
job is graded again, exactly once, by the other worker), a pool process killed (its message
comes back at once and is dropped while the lease lives; the sweep re-queues the job once),
and the API killed and restarted with jobs in flight (nothing lost, nothing graded twice)."""

from __future__ import annotations

import os
import threading

import httpx
import pytest

from .conftest import example_files, wait_for

pytestmark = [pytest.mark.servers, pytest.mark.sandbox, pytest.mark.slow]


def running_on(dep, worker) -> int | None:
    rows = dep.rows("SELECT id FROM jobs WHERE status = 'running' AND worker = ?",
                    (worker.name,))
    return rows[0][0] if rows else None


def gradings_per_submission(dep) -> dict[int, int]:
    return dict(dep.rows("SELECT submission_id, count(*) FROM gradings GROUP BY submission_id"))


def live_processes(marker: str) -> list[str]:
    """Processes (not zombies) whose command line holds ``marker``."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode()
            state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmd and state != "Z":
            out.append(f"{pid} {cmd}")
    return out


def test_kill_9_worker_mid_grading_graded_once_by_the_other(deployment):
    dep = deployment
    dep.start_api()
    w1, w2 = dep.add_worker("w1"), dep.add_worker("w2")
    alice = dep.api_as("alice")
    ids = [alice.submit("demo", "fc-optim", example_files()).json()["id"] for _ in range(6)]
    victim = wait_for(lambda: running_on(dep, w1), 60, "w1 to be grading", every=0.02)
    w1.kill9()
    assert dep.rows("SELECT status, attempts FROM jobs WHERE id = ?", (victim,)) == [
        ("running", 1)]  # its holder is dead; the row says so until the lease expires
    assert live_processes(f"--name {w1.name}") == []  # the worker and its pool are gone
    results = [alice.wait(sid, timeout=180) for sid in ids]
    assert all(r["status"] == "graded" for r in results)
    assert len({r["score"] for r in results}) == 1
    assert gradings_per_submission(dep) == {sid: 1 for sid in ids}  # exactly once each
    assert dep.rows("SELECT attempts, worker, status FROM jobs WHERE id = ?", (victim,)) == [
        (2, w2.name, "done")]  # graded again, by the other worker
    assert dep.rows("SELECT count(*) FROM jobs WHERE id != ? AND attempts != 1",
                    (victim,)) == [(0,)]
    report = dep.admin().get("/api/v1/admin/queue").json()
    assert report["retried_last_hour"] == 1
    workers = {w["name"]: w["alive"] for w in report["workers"]}
    assert workers == {w1.name: False, w2.name: True}
    assert set(report["live_workers"]) == {w2.name}


def test_kill_9_of_a_pool_process_requeues_its_job_once(deployment):
    dep = deployment
    dep.start_api()
    w1 = dep.add_worker("w1")
    alice = dep.api_as("alice")
    ids = [alice.submit("demo", "fc-optim", example_files()).json()["id"] for _ in range(3)]
    victim = wait_for(lambda: running_on(dep, w1), 60, "w1 to be grading", every=0.02)
    (child,) = w1.children()
    os.kill(child, 9)  # the worker's main process survives and starts a new pool process
    results = [alice.wait(sid, timeout=180) for sid in ids]
    assert all(r["status"] == "graded" for r in results)
    assert gradings_per_submission(dep) == {sid: 1 for sid in ids}
    assert dep.rows("SELECT attempts, status FROM jobs WHERE id = ?", (victim,)) == [
        (2, "done")]
    assert "WorkerLostError" in w1.log.read_text()  # Celery saw it and gave the message back


def test_api_restart_with_jobs_in_flight_loses_nothing(deployment):
    dep = deployment
    dep.start_api()
    dep.add_worker("w1")
    alice = dep.api_as("alice")
    files = example_files()
    accepted: list[int] = []
    stop = threading.Event()

    def post() -> None:
        while not stop.is_set() and len(accepted) < 40:
            try:
                r = alice.submit("demo", "fc-optim", files)
            except httpx.HTTPError:
                return  # the API died under this request
            if r.status_code != 202:
                return
            accepted.append(r.json()["id"])

    poster = threading.Thread(target=post)
    poster.start()
    wait_for(lambda: len(accepted) >= 8, 60, "8 submissions to be accepted", every=0.01)
    dep.api.kill9()  # mid-request, most jobs queued, one running in the worker
    stop.set()
    poster.join(30)
    stored = [sid for sid, in dep.rows("SELECT id FROM submissions ORDER BY id")]
    assert set(accepted) <= set(stored)  # every 202 was stored (and maybe one more)
    done_then = dep.rows("SELECT count(*) FROM jobs WHERE status = 'done'")[0][0]
    assert done_then < len(stored)
    # the worker goes on without the API
    wait_for(lambda: dep.rows("SELECT count(*) FROM jobs WHERE status = 'done'")[0][0]
             > done_then, 60, "the worker to go on grading without the API")
    dep.restart_api()
    alice = dep.api_as("alice")
    health = httpx.get(dep.api.url + "/api/v1/health").json()
    assert health["queue"]["sent_at_start"] >= 1  # queued jobs' messages sent again
    for sid in stored:
        assert alice.wait(sid, timeout=240)["status"] == "graded"
    assert gradings_per_submission(dep) == {sid: 1 for sid in stored}
    assert dep.rows("SELECT count(*) FROM jobs WHERE attempts != 1") == [(0,)]
