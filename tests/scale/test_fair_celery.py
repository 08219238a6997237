"""Fair claims in the scale-out queue (Celery on a real Redis, a real PostgreSQL): the broker
delivers messages first in, first out, but a message is a turn in its lane, and the job it
grades is the fairest one queued (issue 12 item 7)."""

from __future__ import annotations

import pytest

from tests.service.test_fairness import SLEEPER

from .conftest import example_files

pytestmark = [pytest.mark.servers, pytest.mark.sandbox, pytest.mark.slow]


def test_a_slow_students_messages_do_not_hold_the_worker(deployment):
    dep = deployment
    dep.env.update({"GRADER_GRADING_SECONDS": "4"})
    dep.start_api()
    alice, bob = dep.api_as("alice"), dep.api_as("bob")
    # no worker yet: the broker holds alice's two sleepers' messages before bob's
    slow = [alice.submit("demo", "fc-optim", SLEEPER).json()["id"] for _ in range(2)]
    fast = bob.submit("demo", "fc-optim", example_files()).json()["id"]
    dep.add_worker("w1", concurrency=1)
    assert bob.wait(fast, timeout=180)["status"] == "graded"
    for sid in slow:
        alice.wait(sid, timeout=180)
    order = [sid for sid, in dep.rows("SELECT submission_id FROM jobs ORDER BY started_at")]
    # alice's first, then bob's (whose message came last), then alice's second
    assert order == [slow[0], fast, slow[1]]
    assert [n for n, in dep.rows("SELECT count(*) FROM gradings GROUP BY submission_id")] \
        == [1, 1, 1]
