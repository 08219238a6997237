"""The worker reduces a notebook again (the stored files are the raw upload) under the same
bounds as the API (issue 12 item 6): a notebook past them, stored under looser settings,
ends ``failed`` with the reason, without any unbounded work outside the grading's limits."""

from __future__ import annotations

import json

from grader.config import Settings
from grader.queue.runner import JobRunner
from grader.store.courses import create_course
from grader.store.models import Assignment, Submission
from grader.store.submissions import create_submission, current_grading, result_json
from grader.store.users import create_user
from tests.test_notebook import dense_notebook


def test_the_worker_refuses_a_notebook_past_the_bounds(store, tmp_path, process_sandbox):
    big = dense_notebook(40_000)
    with store.write() as s:
        course = create_course(s, "c", "C", None)
        row = Assignment(course_id=course.id, slug="rosenbrock", title="Rosenbrock",
                         source="builtin", builtin_slug="rosenbrock", max_score=100,
                         published=True)
        s.add(row)
        s.flush()
        user = create_user(s, "ann", "student")
        sub = create_submission(s, row, user, {"hw.ipynb": big}, ["hw.ipynb"],
                                row.created_at)
        sub_id = sub.id
    settings = Settings(data_dir=tmp_path, database_url=store.url, notebook_code_kb=16)
    assert JobRunner(store, settings).run_next(process_sandbox)
    with store.read() as s:
        sub = s.get(Submission, sub_id)
        assert sub.status == "failed" and sub.score == 0
        result = json.loads(result_json(s, current_grading(s, sub)))
    size = sum(len(c["source"]) for c in json.loads(big)["cells"])
    why = (f"the code cells of hw.ipynb hold {size:,} characters of code; the limit is "
           "16,384 (outputs and text cells do not count). Remove generated or pasted code "
           "cells and submit again")
    assert result["notes"] == [f"your submission cannot be graded: {why}"]
    assert result["failure"] == f"the submission cannot be graded: {why}"
