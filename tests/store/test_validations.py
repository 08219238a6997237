"""The queue of bundle validations, on SQLite and PostgreSQL: each validation is claimed once
under concurrent workers, a dead holder's validation is re-queued once, a lost claim records
nothing, and unsent validations go to one sender each."""

from __future__ import annotations

import threading
from datetime import timedelta

from grader.store import validations as rows
from grader.store.courses import create_course
from grader.store.jobs import new_claim
from grader.store.models import Validation, utcnow
from grader.store.users import create_user


def _queue(store, n: int) -> list[int]:
    with store.write() as s:
        course = create_course(s, "c", "C", None)
        user = create_user(s, "prof", "instructor")
        return [rows.create_validation(s, course, user, f"a{i}", "A", b"zip", False,
                                       {"published": True}, request_id="r1").id
                for i in range(n)]


def test_concurrent_workers_take_each_validation_once(store):
    ids = _queue(store, 30)
    taken: list[int] = []
    lock = threading.Lock()

    def worker():
        while True:
            with store.write() as s:
                row = rows.claim_next(s, new_claim(), "w")
                if row is None:
                    return
                with lock:
                    taken.append(row.id)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == ids
    with store.read() as s:
        assert rows.counts(s) == {"queued": 0, "running": 30, "passed": 0, "failed": 0}


def test_a_dead_holders_validation_is_requeued_once_and_its_outcome_ignored(store):
    (vid,) = _queue(store, 1)
    dead, alive = new_claim(), new_claim()
    with store.write() as s:
        assert rows.claim_validation(s, vid, dead, "w1").attempts == 1
    with store.write() as s:  # its heartbeat is a minute old
        s.get(Validation, vid).heartbeat_at = utcnow() - timedelta(seconds=60)
    stale = utcnow() - timedelta(seconds=30)
    with store.write() as s:
        assert rows.requeue_stale(s, stale) == [vid]
    with store.write() as s:
        assert rows.requeue_stale(s, stale) == []  # another sweeper: nothing left to do
        assert rows.claim_validation(s, vid, alive, "w2").attempts == 2
    with store.write() as s:
        assert not rows.heartbeat(s, vid, dead)
        assert not rows.progress(s, vid, dead, "building", ["x"])
        assert not rows.finish(s, vid, dead, "passed", report="late")
        assert rows.progress(s, vid, alive, "building the fixtures", ["cases: 3"])
        assert rows.finish(s, vid, alive, "failed", detail="why", log=["cases: 3"])
    with store.read() as s:
        row = s.get(Validation, vid)
        assert (row.status, row.outcome, row.detail, row.report, row.log, row.worker) == (
            "done", "failed", "why", "", "cases: 3", "w2")
        assert rows.counts(s)["failed"] == 1


def test_pending_validation_of_a_slug_and_unsent_ones(store):
    ids = _queue(store, 3)
    with store.read() as s:
        course = s.get(Validation, ids[0]).course
        assert rows.pending_for(s, course, "a1").id == ids[1]
        assert rows.pending_for(s, course, "zz") is None
    got: list[list[int]] = []
    lock = threading.Lock()
    cutoff = utcnow()  # messages sent after this count as sent

    def sender():
        with store.write() as s:
            batch = rows.take_unsent(s, cutoff)
        with lock:
            got.append(batch)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(v for batch in got for v in batch) == ids  # each to one sender
    with store.write() as s:
        rows.unsend(s, [ids[2]])
        assert rows.take_unsent(s, utcnow() - timedelta(hours=1)) == [ids[2]]
