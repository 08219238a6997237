"""Fair queueing across students and the per-student caps, on SQLite and PostgreSQL.

The attack (issue 12 item 7): one student's submissions that sleep to the time limit, taken
oldest first, held every worker while another student's submission waited behind them. Now a
claim takes the oldest job of the student with the fewest running, then the one served least
recently; and a student may have only so many submissions waiting, or made in an hour.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from grader import __version__
from grader.report.models import GradeResult
from grader.store import jobs as job_rows
from grader.store.courses import create_course
from grader.store.errors import Forbidden, TooMany
from grader.store.models import Assignment, Job, Submission
from grader.store.submissions import Quota, admission, create_submission
from grader.store.users import create_user

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def setup_course(store, students=("ann", "ben", "cat"), max_submissions=None):
    with store.write() as s:
        course = create_course(s, "c", "C", None)
        a = Assignment(course_id=course.id, slug="hw1", title="HW 1", source="builtin",
                       builtin_slug="fc-optim", max_score=100, max_submissions=max_submissions)
        s.add(a)
        s.flush()
        users = {name: create_user(s, name, "student") for name in students}
    return a, users


def submit(store, a, user, now=NOW, quota=None) -> int:
    """One stored submission of ``user``; returns its grade job's id."""
    with store.write() as s:
        sub = create_submission(s, s.get(Assignment, a.id), user, {"x.py": b""}, ["x.py"],
                                now, quota)
        return s.scalar(select(Job.id).where(Job.submission_id == sub.id))


def result() -> GradeResult:
    return GradeResult(assignment="hw1", title="HW 1", score=1.0, max_score=100.0,
                       status="graded", todos=[], sandbox="process",
                       grader_version=__version__, execution_time=0.1)


def claim(store) -> tuple[int, str] | None:
    token = job_rows.new_claim()
    with store.write() as s:
        job = job_rows.claim_next(s, token, "w@test")
        return (job.id, token) if job else None


def finish(store, taken: tuple[int, str]) -> None:
    with store.write() as s:
        assert job_rows.record_result(s, taken[0], taken[1], result()) is not None


def owner(store, job_id: int) -> str:
    with store.read() as s:
        sub = s.get(Submission, s.get(Job, job_id).submission_id)
        return sub.user.name


def test_a_slow_students_pile_cannot_hold_one_worker(store):
    """One worker: ann's two sleepers are queued first, then ben's. Ben's job is claimed right
    after ann's first, so it waits for one grading at most, not for both."""
    a, users = setup_course(store)
    ann1, ann2 = submit(store, a, users["ann"]), submit(store, a, users["ann"])
    first = claim(store)
    assert first[0] == ann1  # nobody served yet: the oldest job
    ben1 = submit(store, a, users["ben"])  # arrives while ann's first sleeps
    finish(store, first)
    second = claim(store)
    assert second[0] == ben1  # not ann2, queued before it
    finish(store, second)
    assert claim(store)[0] == ann2


def test_two_workers_go_to_two_students(store):
    """Two workers, ann with four sleepers queued before ben's and cat's jobs: while ann's
    first runs, the other worker takes ben's; then cat's; ann's second only after."""
    a, users = setup_course(store)
    anns = [submit(store, a, users["ann"]) for _ in range(4)]
    ben1, cat1 = submit(store, a, users["ben"]), submit(store, a, users["cat"])
    w1 = claim(store)
    w2 = claim(store)  # ann has one running: ben goes first
    assert (w1[0], w2[0]) == (anns[0], ben1)
    finish(store, w2)
    w2 = claim(store)
    assert w2[0] == cat1
    finish(store, w2)
    w2 = claim(store)  # only ann is left
    assert w2[0] == anns[1]


def test_claims_take_turns_between_students(store):
    a, users = setup_course(store)
    for _ in range(3):
        submit(store, a, users["ann"])
    for _ in range(3):
        submit(store, a, users["ben"])
    order = []
    while (taken := claim(store)) is not None:
        order.append(owner(store, taken[0]))
        finish(store, taken)
    assert order == ["ann", "ben", "ann", "ben", "ann", "ben"]


def sent(store, job_id: int) -> bool:
    with store.read() as s:
        return s.get(Job, job_id).enqueued_at is not None


def unsent_now(store) -> list[int]:
    with store.write() as s:
        return [job_id for job_id, _ in job_rows.take_unsent(s, NOW - timedelta(days=1))]


def turn(store, turn_id: int) -> int | None:
    with store.write() as s:
        job = job_rows.claim_turn(s, turn_id, job_rows.new_claim(), "w2@test")
        return job.id if job else None


def test_a_turn_that_takes_a_job_not_sent_yet_hands_its_message_over(store):
    """The scale-out race behind a job left queued for 15 minutes: ann's message is a turn,
    the fairest job is ben's, committed a moment ago and not sent yet. Ben's message, sent
    after the claim, would find ben's job running and be skipped, and ann's job would have
    none. Now the turn hands ben's debt to ann's job, and ann's message is sent."""
    a, users = setup_course(store)
    ann0, ann1 = submit(store, a, users["ann"]), submit(store, a, users["ann"])
    assert claim(store)[0] == ann0  # ann's first, running: ben goes next
    assert unsent_now(store) == [ann1]  # ann's second has its message
    ben1 = submit(store, a, users["ben"])  # committed; its message is not sent yet
    assert turn(store, ann1) == ben1  # ann's message serves ben (fewest running)
    assert not sent(store, ann1)  # ann's job is owed a message now ...
    assert unsent_now(store) == [ann1]  # ... and the sender sends it (ben's is not owed)
    assert turn(store, ann1) == ann1 and sent(store, ann1)


def test_a_turn_that_takes_a_job_with_its_own_message_owes_nothing(store):
    a, users = setup_course(store)
    ann0, ann1 = submit(store, a, users["ann"]), submit(store, a, users["ann"])
    assert claim(store)[0] == ann0
    ben1 = submit(store, a, users["ben"])
    assert unsent_now(store) == [ann1, ben1]  # both messages sent
    assert turn(store, ann1) == ben1  # ann's message serves ben ...
    assert sent(store, ann1) and unsent_now(store) == []  # ... ben's will serve ann
    assert turn(store, ben1) == ann1
    assert turn(store, ben1) is None and turn(store, 10 ** 6) is None  # nothing queued


def test_interactive_lane_still_first_and_regrades_fair_among_themselves(store):
    a, users = setup_course(store)
    with store.read() as s:
        row = s.get(Assignment, a.id)
    ids = [submit(store, a, users[n]) for n in ("ann", "ann", "ben")]
    while (taken := claim(store)) is not None:
        finish(store, taken)
    with store.write() as s:
        subs = list(s.scalars(select(Submission).order_by(Submission.id)))
        batch, queued = job_rows.regrade(s, row, users["ann"], subs, dry_run=False)
    assert queued == 3
    late = submit(store, a, users["cat"])
    first = claim(store)
    assert first[0] == late  # the interactive lane before the whole regrade
    finish(store, first)
    order = []
    while (taken := claim(store)) is not None:
        order.append(owner(store, taken[0]))
        finish(store, taken)
    # fair in the bulk lane too: ben was served least recently (ann's second came after)
    assert order == ["ben", "ann", "ann"] and len(ids) == 3


def test_a_students_waiting_submissions_are_capped(store):
    a, users = setup_course(store)
    quota = Quota(pending=2, grading_seconds=120)
    submit(store, a, users["ann"], quota=quota)
    submit(store, a, users["ann"], quota=quota)
    with store.read() as s:
        before = s.scalar(select(func.count(Job.id)))
        with pytest.raises(TooMany) as exc:
            admission(s, s.get(Assignment, a.id), users["ann"], NOW, quota)
    assert exc.value.message == (
        "you already have 2 submission(s) waiting to be graded; the limit is 2 at a time, so "
        "that every student's work is graded promptly. Wait for a result (a grading takes "
        "about 10 seconds), then submit again")
    assert exc.value.retry_after_seconds == 10
    with pytest.raises(TooMany):  # the storing transaction checks again
        submit(store, a, users["ann"], quota=quota)
    with store.read() as s:
        assert s.scalar(select(func.count(Job.id))) == before
    submit(store, a, users["ben"], quota=quota)  # others are not affected
    taken = claim(store)
    assert owner(store, taken[0]) == "ann"
    finish(store, taken)  # one of ann's is graded: she may submit one more
    submit(store, a, users["ann"], quota=quota)


def test_the_hourly_rate_limit_names_when_to_come_back(store):
    a, users = setup_course(store)
    quota = Quota(per_hour=3)
    for minutes in (50, 30, 10):
        submit(store, a, users["ann"], now=NOW - timedelta(minutes=minutes), quota=quota)
    with store.read() as s:
        row = s.get(Assignment, a.id)
        with pytest.raises(TooMany) as exc:
            admission(s, row, users["ann"], NOW, quota)
        assert exc.value.message == (
            "you have submitted to hw1 3 times in the last hour; the limit is 3 an hour. You "
            "can submit again in 10 minutes (at 12:10:00 UTC)")
        assert exc.value.retry_after_seconds == 600
        admission(s, row, users["ann"], NOW + timedelta(minutes=10, seconds=1), quota)
        admission(s, row, users["ben"], NOW, quota)
        admission(s, row, users["ann"], NOW, None)  # instructors: no quota


def test_deadline_and_submission_limit_come_before_the_quota(store):
    a, users = setup_course(store, max_submissions=1)
    submit(store, a, users["ann"])
    with store.read() as s, pytest.raises(Forbidden) as exc:
        admission(s, s.get(Assignment, a.id), users["ann"], NOW, Quota(pending=1))
    assert exc.value.message == ("you have used all 1 submissions allowed for this "
                                 "assignment; ask your instructor if you need another")


def test_concurrent_submissions_of_one_student_are_counted_one_after_the_other(store):
    """Four requests of one student at once, with room for one: exactly one is stored (the
    student's row is locked while they are counted)."""
    import threading

    a, users = setup_course(store)
    quota = Quota(pending=1)
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(4)

    def one() -> None:
        start.wait()
        try:
            submit(store, a, users["ann"], quota=quota)
            outcome = "stored"
        except TooMany:
            outcome = "429"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["429", "429", "429", "stored"]
    with store.read() as s:
        assert s.scalar(select(func.count(Submission.id))) == 1
