"""``grader worker`` and ``grader serve`` refuse scale-out settings that cannot work, before
touching the broker or the database, with a message saying what to set."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
    return subprocess.run([sys.executable, "-m", "grader.cli", *args], capture_output=True,
                          text=True, cwd=REPO, timeout=120, env={**clean, **env})


def test_worker_needs_the_shared_database():
    res = run("worker")
    assert res.returncode == 2
    assert res.stderr.strip() == (
        "error: set GRADER_DATABASE_URL to the service's database (for example "
        "postgresql://grader:PASSWORD@db-host/grader): workers share it with the API")


def test_worker_refuses_unknown_lanes_and_pools(tmp_path):
    db = f"sqlite:///{tmp_path / 'g.db'}"
    res = run("worker", "--queues", "interactive,urgent", GRADER_DATABASE_URL=db)
    assert res.returncode == 2
    assert res.stderr.strip() == "error: unknown lane(s) urgent; use interactive, bulk"
    res = run("worker", "--pool", "gevent", GRADER_DATABASE_URL=db)
    assert res.returncode == 2
    assert res.stderr.strip() == "error: unknown pool 'gevent'; use prefork or threads"
    assert not (tmp_path / "g.db").exists()  # nothing was touched


def test_visibility_timeout_must_exceed_the_longest_grading(tmp_path):
    db = f"sqlite:///{tmp_path / 'g.db'}"
    expected = ("error: GRADER_VISIBILITY_TIMEOUT_SECONDS (100) must exceed the longest "
                "grading plus the lease (180 s: GRADER_GRADING_SECONDS + "
                "GRADER_JOB_LEASE_SECONDS), or the broker would hand out running jobs again")
    res = run("worker", GRADER_DATABASE_URL=db, GRADER_VISIBILITY_TIMEOUT_SECONDS="100")
    assert res.returncode == 2
    assert res.stderr.strip().splitlines()[-1] == expected
    res = run("serve", "--data-dir", str(tmp_path / "api"), GRADER_QUEUE="celery",
              GRADER_VISIBILITY_TIMEOUT_SECONDS="100")
    assert res.returncode == 2
    assert res.stderr.strip().splitlines()[-1] == expected


def test_lease_must_cover_several_heartbeats(tmp_path):
    res = run("worker", GRADER_DATABASE_URL=f"sqlite:///{tmp_path / 'g.db'}",
              GRADER_JOB_LEASE_SECONDS="20", GRADER_JOB_HEARTBEAT_SECONDS="10")
    assert res.returncode == 2
    assert res.stderr.strip().splitlines()[-1] == (
        "error: GRADER_JOB_LEASE_SECONDS (20) must be at least three heartbeats "
        "(GRADER_JOB_HEARTBEAT_SECONDS = 10), or a slow heartbeat would make a live worker "
        "look dead")
