"""One student cannot hold the grading pool, flood it, or tie up the API with a large
notebook (issue 12 items 3, 6 and 7), through real HTTP against ``grader serve`` with the real
sandbox, on SQLite and PostgreSQL.

The attacks: a student's submissions that sleep until the grading time limit, sent first,
delayed another student's result by both their gradings (one worker, oldest job first); a
student submitted without limit; a 1 MB notebook cost minutes of CPU in the request thread,
before the submission limits were even checked.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from tests.test_notebook import dense_notebook

from .conftest import Api, Server, example_files

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

SUBMISSIONS = "/api/v1/courses/demo/assignments/{}/submissions"
#: A submission that sleeps at import, until the grading's time limit kills it.
SLEEPER = [(name, b"import time\ntime.sleep(10 ** 6)\n" + data if name.endswith("optim.py")
            else data) for name, data in example_files()]


def counts(server: Server) -> tuple[int, int]:
    return server.count("submissions"), server.count("jobs")


@pytest.fixture(scope="module")
def pool_of_one(tmp_path_factory, require_bwrap, database):
    """One worker, short gradings, the default quotas (2 waiting, 20 an hour)."""
    srv = Server(tmp_path_factory.mktemp("fair"), env={
        "GRADER_WORKERS": "1", "GRADER_GRADING_SECONDS": "4",
        "GRADER_SUBMISSIONS_PER_HOUR": "20", "GRADER_MAX_PENDING_PER_STUDENT": "2",
        "GRADER_MAX_FILE_KB": "1024", "GRADER_MAX_SUBMISSION_KB": "10240",
        "GRADER_MAX_REQUEST_KB": "20480"}).start()
    yield srv
    srv.stop()


def test_a_slow_student_delays_another_by_one_grading_at_most(pool_of_one):
    srv = pool_of_one
    tokens = srv.tokens()
    alice, bob = Api(srv.url, tokens["alice"]), Api(srv.url, tokens["bob"])
    slow = [alice.submit("demo", "fc-optim", SLEEPER) for _ in range(2)]
    assert [r.status_code for r in slow] == [202, 202], [r.text for r in slow]
    slow_ids = [r.json()["id"] for r in slow]

    # a third one is over the cap: refused before anything is read or stored
    before = counts(srv)
    r = alice.submit("demo", "fc-optim", SLEEPER)
    assert r.status_code == 429, r.text
    assert r.json() == {"detail": (
        "you already have 2 submission(s) waiting to be graded; the limit is 2 at a time, so "
        "that every student's work is graded promptly. Wait for a result (a grading takes "
        "about 4 seconds), then submit again")}
    assert r.headers["retry-after"] == "4"
    # ... even a notebook that would be expensive to reduce: the cap is checked first
    r = alice.submit("demo", "rosenbrock", [("hw.ipynb", dense_notebook(300_000))])
    assert r.status_code == 429 and r.json()["detail"].startswith("you already have 2 ")
    assert counts(srv) == before

    fast = bob.submit("demo", "fc-optim", example_files())
    assert fast.status_code == 202, fast.text
    result = bob.wait(fast.json()["id"], timeout=120)
    assert result["status"] == "graded" and result["score"] > 0

    with srv.db() as db:
        rows = {sid: (started, finished) for sid, started, finished in db.execute(
            "SELECT submission_id, started_at, finished_at FROM jobs WHERE submission_id IN "
            "(?, ?, ?)", (*slow_ids, fast.json()["id"])).fetchall()}

    def when(value):
        if value is None or isinstance(value, datetime):
            return value
        return datetime.fromisoformat(str(value))

    first, second = (tuple(map(when, rows[sid])) for sid in slow_ids)
    bob_started = when(rows[fast.json()["id"]][0])
    # bob's job was the next one claimed after alice's first: it waited for one grading at
    # most, never for alice's second (which was queued before it)
    assert first[0] < bob_started
    assert second[0] is None or second[0] > bob_started
    for sid in slow_ids:
        body = alice.wait(sid, timeout=120)
        assert body["status"] in ("graded", "failed")


def test_a_large_notebook_is_refused_or_reduced_within_its_bounds(pool_of_one):
    srv = pool_of_one
    teacher = Api(srv.url, srv.tokens()["instructor"])  # staff: no quota in the way
    before = counts(srv)
    big = dense_notebook(300_000)
    r = teacher.submit("demo", "rosenbrock", [("hw.ipynb", big)])
    size = sum(len(c["source"]) for c in json.loads(big)["cells"])
    assert r.status_code == 413, r.text
    assert r.json() == {"detail": (
        f"the code cells of hw.ipynb hold {size:,} characters of code; the limit is 262,144 "
        "(outputs and text cells do not count). Remove generated or pasted code cells and "
        "submit again")}
    assert counts(srv) == before
    # a 1 MB notebook within the bounds (250 KB of code, the rest outputs) is accepted
    ok = dense_notebook(250_000, output_chars=760_000)
    assert 1_000_000 < len(ok) <= 1024 << 10
    r = teacher.submit("demo", "rosenbrock", [("hw.ipynb", ok)])
    assert r.status_code == 202, r.text
    assert teacher.wait(r.json()["id"], timeout=180)["status"] in ("graded", "failed")


def test_the_hourly_rate_limit(tmp_path, require_bwrap):
    srv = Server(tmp_path / "rate", env={"GRADER_WORKERS": "0",
                                         "GRADER_SUBMISSIONS_PER_HOUR": "2",
                                         "GRADER_MAX_PENDING_PER_STUDENT": "0"}).start()
    try:
        tokens = srv.tokens()
        alice = Api(srv.url, tokens["alice"])
        for _ in range(2):
            assert alice.submit("demo", "fc-optim", example_files()).status_code == 202
        with srv.db() as db:
            (first,) = db.execute("SELECT min(created_at) FROM submissions").fetchone()
        first = first if isinstance(first, datetime) else datetime.fromisoformat(first)
        frees = first + timedelta(hours=1)
        before = counts(srv)
        r = alice.submit("demo", "fc-optim", example_files())
        assert r.status_code == 429, r.text
        detail = r.json()["detail"]
        assert detail.startswith("you have submitted to fc-optim 2 times in the last hour; "
                                 "the limit is 2 an hour. You can submit again in ")
        assert detail.endswith(f" minutes (at {frees.strftime('%H:%M:%S')} UTC)")
        assert 3000 < int(r.headers["retry-after"]) <= 3600
        assert counts(srv) == before
        # alice stays limited; another student and the course's instructor are not
        assert alice.submit("demo", "fc-optim", example_files()).status_code == 429
        bob = Api(srv.url, tokens["bob"])
        assert bob.submit("demo", "fc-optim", example_files()).status_code == 202
        teacher = Api(srv.url, tokens["instructor"])
        for _ in range(3):
            assert teacher.submit("demo", "fc-optim", example_files()).status_code == 202
    finally:
        srv.stop()
