"""The Alembic migrations build exactly the schema the models describe, unchanged on a real
SQLite file and a real PostgreSQL server, and the store's transactions behave under concurrent
writers on both."""

from __future__ import annotations

import threading

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from grader.store import jobs as job_rows
from grader.store.courses import create_course
from grader.store.models import Base, Job
from grader.store.users import create_user


def test_migrated_schema_matches_models(store, store_url, tmp_path):
    store.migrate()  # again: nothing to do
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        tables = set(inspect(conn).get_table_names())
    assert diff == []
    assert {"users", "tokens", "courses", "enrollments", "assignments", "submissions",
            "gradings", "jobs", "regrades", "workers", "web_sessions", "validations",
            "extensions", "audit_events", "todo_overrides", "regrade_requests", "lti_keys",
            "lti_platforms", "lti_contexts", "lti_line_items", "lti_users", "lti_launch_states",
            "lti_score_posts", "submission_choices", "web_flashes",
            "alembic_version"} == tables
    assert (tmp_path / "grader.db").is_file() == store_url.startswith("sqlite")


def test_concurrent_claims_take_each_job_once(store):
    """Eight threads claim from one queue of 60 jobs: every job is taken exactly once."""
    with store.write() as s:
        from grader.store.models import Assignment, Submission

        course = create_course(s, "c", "C", None)
        user = create_user(s, "u", "student")
        a = Assignment(course_id=course.id, slug="a", title="A", source="builtin",
                       builtin_slug="a", max_score=1)
        s.add(a)
        s.flush()
        for i in range(60):
            sub = Submission(assignment_id=a.id, user_id=user.id, attempt=i + 1,
                             filenames="[]", files=b"", size_bytes=0)
            s.add(sub)
            s.flush()
            s.add(Job(submission_id=sub.id, kind="grade"))
    taken: list[int] = []
    lock = threading.Lock()

    def worker():
        while True:
            with store.write() as s:
                job = job_rows.claim_next(s, job_rows.new_claim())
                if job is None:
                    return
                with lock:
                    taken.append(job.id)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == list(range(1, 61))
    with store.read() as s:
        assert job_rows.counts(s) == {"queued": 0, "running": 60, "done": 0}
    with store.write() as s:
        assert job_rows.requeue_running(s) == 60
    with store.read() as s:
        assert job_rows.counts(s)["queued"] == 60
