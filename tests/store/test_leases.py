"""The scale-out queue's rows, on SQLite and PostgreSQL: leases (a dead worker's job is
re-queued exactly once, whoever sweeps; its late result is ignored), messages to send (each
job is handed to one sender), interactive jobs first, and migrations from an older schema and
from several processes at once."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from grader import __version__
from grader.report.models import GradeResult
from grader.store import jobs as job_rows
from grader.store.courses import create_course
from grader.store.db import MIGRATIONS, normalize_url
from grader.store.models import Assignment, Job, Submission, utcnow
from grader.store.users import create_user
from tests.conftest import REPO


def make_jobs(store, n: int, kind: str = "grade") -> list[int]:
    with store.write() as s:
        course = create_course(s, f"c{kind}", "C", None)
        user = create_user(s, f"u{kind}", "student")
        a = Assignment(course_id=course.id, slug="a", title="A", source="builtin",
                       builtin_slug="a", max_score=1)
        s.add(a)
        s.flush()
        ids = []
        for i in range(n):
            sub = Submission(assignment_id=a.id, user_id=user.id, attempt=i + 1,
                             filenames="[]", files=b"", size_bytes=0)
            s.add(sub)
            s.flush()
            job = Job(submission_id=sub.id, kind=kind)
            s.add(job)
            s.flush()
            ids.append(job.id)
    return ids


def result() -> GradeResult:
    return GradeResult(assignment="a", title="A", score=1.0, max_score=1.0, status="graded",
                       todos=[], sandbox="process", grader_version=__version__,
                       execution_time=0.1)


def in_threads(n: int, fn) -> list:
    out: list = []
    lock = threading.Lock()

    def run():
        value = fn()
        with lock:
            out.append(value)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_a_dead_workers_job_is_requeued_exactly_once(store):
    (job_id,) = make_jobs(store, 1)
    dead = job_rows.new_claim()
    with store.write() as s:
        assert job_rows.claim_job(s, job_id, dead, "w1@a") is not None
    # a live lease is not taken, by a sweep nor by a second delivery of the message
    with store.write() as s:
        assert job_rows.requeue_stale(s, utcnow() - timedelta(seconds=60)) == []
        assert job_rows.claim_job(s, job_id, job_rows.new_claim(), "w2@b",
                                  stale_before=utcnow() - timedelta(seconds=60)) is None
    with store.write() as s:
        assert job_rows.heartbeat(s, job_id, dead)
        s.execute(text("UPDATE jobs SET heartbeat_at = :t WHERE id = :i"),
                  {"t": utcnow() - timedelta(minutes=5), "i": job_id})

    def sweep():
        with store.write() as s:
            return job_rows.requeue_stale(s, utcnow() - timedelta(seconds=60))

    assert sorted(sum(in_threads(6, sweep), [])) == [job_id]  # one sweeper re-queued it
    with store.write() as s:
        job = s.get(Job, job_id)
        assert (job.status, job.claim, job.enqueued_at) == ("queued", None, None)
        assert s.get(Submission, job.submission_id).status == "queued"
        assert not job_rows.heartbeat(s, job_id, dead)  # the dead holder's lease is void
        live = job_rows.new_claim()
        assert job_rows.claim_job(s, job_id, live, "w2@b").attempts == 2
    with store.write() as s:
        assert job_rows.record_result(s, job_id, dead, result()) is None  # ignored
        assert job_rows.record_result(s, job_id, live, result()) is not None
    with store.write() as s:
        assert job_rows.record_result(s, job_id, live, result()) is None  # once
        assert s.get(Job, job_id).worker == "w2@b"


def test_a_stale_running_job_can_be_taken_over_by_its_message(store):
    (job_id,) = make_jobs(store, 1)
    with store.write() as s:
        job_rows.claim_job(s, job_id, job_rows.new_claim(), "w1@a")
        s.execute(text("UPDATE jobs SET heartbeat_at = :t WHERE id = :i"),
                  {"t": utcnow() - timedelta(minutes=5), "i": job_id})

    def take():
        with store.write() as s:
            job = job_rows.claim_job(s, job_id, job_rows.new_claim(), "w2@b",
                                     stale_before=utcnow() - timedelta(seconds=60))
            return job is not None

    assert sorted(in_threads(4, take)) == [False, False, False, True]


def test_each_unsent_job_goes_to_one_sender(store):
    ids = make_jobs(store, 60)
    with store.write() as s:
        job_rows.claim_job(s, ids[0], job_rows.new_claim())  # running: not sent again

    def take():
        with store.write() as s:
            return job_rows.take_unsent(s, utcnow() - timedelta(minutes=15), limit=25)

    batches = in_threads(4, take)
    taken = [job_id for batch in batches for job_id, _ in batch]
    while True:  # the rest, batch by batch
        more = take()
        if not more:
            break
        taken += [job_id for job_id, _ in more]
    assert sorted(taken) == ids[1:] and len(set(taken)) == len(taken)
    assert take() == []  # all sent
    with store.write() as s:
        job_rows.unsend(s, ids[5:8])  # their sending failed
    assert [job_id for job_id, _ in take()] == ids[5:8]
    with store.write() as s:  # a broker that lost its data: old messages are sent again
        again = job_rows.take_unsent(s, utcnow() + timedelta(seconds=1))
    assert [job_id for job_id, _ in again] == ids[1:]


def test_interactive_jobs_are_claimed_before_bulk_ones(store):
    bulk = make_jobs(store, 3, kind="regrade")
    interactive = make_jobs(store, 2, kind="grade")
    order = []
    with store.write() as s:
        while (job := job_rows.claim_next(s, job_rows.new_claim())) is not None:
            order.append(job.id)
    assert order == interactive + bulk
    assert [job_rows.lane(k) for k in ("grade", "regrade", "preview")] == [
        "interactive", "bulk", "bulk"]


def test_upgrade_from_the_first_schema_keeps_rows(store_url):
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalize_url(store_url))
    command.upgrade(cfg, "0001")
    engine = create_engine(normalize_url(store_url))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO courses (id, slug, title, created_at) VALUES "
                          "(1, 'c', 'C', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO users (id, name, role, created_at) VALUES "
                          "(1, 'u', 'student', CURRENT_TIMESTAMP)"))
        conn.execute(text(
            "INSERT INTO assignments (id, course_id, slug, title, source, max_score, "
            "check_report, published, late_percent_per_day, late_cap_percent, "
            "resubmission_penalty_percent, hidden_released, created_at) VALUES (1, 1, 'a', "
            "'A', 'builtin', 1, '', TRUE, 0, 100, 0, FALSE, CURRENT_TIMESTAMP)"))
        conn.execute(text(
            "INSERT INTO submissions (id, assignment_id, user_id, attempt, created_at, "
            "late_days, filenames, files, size_bytes, status) VALUES (1, 1, 1, 1, "
            "CURRENT_TIMESTAMP, 0, '[]', :f, 0, 'queued')"), {"f": b""})
        conn.execute(text("INSERT INTO jobs (id, submission_id, kind, status, attempts, "
                          "created_at) VALUES (1, 1, 'grade', 'queued', 0, CURRENT_TIMESTAMP)"))
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        row = conn.execute(text("SELECT status, heartbeat_at, worker, enqueued_at FROM jobs"))
        assert [tuple(r) for r in row] == [("queued", None, None, None)]
        assert conn.execute(text("SELECT count(*) FROM workers")).scalar() == 0
    command.downgrade(cfg, "0001")  # and back
    command.upgrade(cfg, "head")
    engine.dispose()


@pytest.mark.servers
def test_processes_migrating_at_once_migrate_once(postgres_server):
    url = postgres_server.new_database()
    # every process is ready (imports done) and starts migrating at the same instant
    code = ("import sys, time; from grader.config import Settings; from grader.store.db "
            "import Store; import alembic.command, sqlalchemy, psycopg; "
            "time.sleep(max(0, float(sys.argv[2]) - time.time())); "
            "Store(Settings(), url=sys.argv[1]).migrate()")
    start = str(time.time() + 6)
    procs = [subprocess.Popen([sys.executable, "-c", code, url, start], cwd=REPO,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errors
    engine = create_engine(normalize_url(url))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head()
    engine.dispose()


def head() -> str:
    """The newest migration's revision."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from grader.store.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()
