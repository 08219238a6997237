"""Grading one job: claim it, grade it in the sandbox, record the result in ``finally``.

Whatever breaks (the assignment cannot be loaded, the files cannot be laid out, the sandbox or
the grader itself fails), the job ends with a recorded result: ``failed``, score 0, a visible
"grading failed" entry and, for instructors, the traceback. A job started more than
``job_max_attempts`` times (its grading took the server down each time) is recorded as failed
without running it again.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session

from .. import __version__
from ..assignments.fixtures import Fixtures, load_fixtures
from ..assignments.loader import Assignment as LoadedAssignment
from ..config import Settings
from ..engine import grade
from ..report.models import GradeResult
from ..sandbox.base import Sandbox
from ..store import jobs as job_rows
from ..store.assignments import open_assignment
from ..store.db import Store
from ..store.models import Assignment, Job, Submission, utcnow
from ..store.submissions import files_of
from ..submission import SubmissionError, files_submission
from ..telemetry.logs import log_context

log = logging.getLogger("grader.queue")


def failed_result(row: Assignment, why: str, sandbox: str, note: str | None = None
                  ) -> GradeResult:
    """A 'grading failed' result for ``row`` (``why`` is for instructors, ``note`` for all)."""
    return GradeResult(assignment=row.slug, title=row.title, score=0.0,
                       max_score=row.max_score, status="failed", todos=[],
                       notes=[note] if note else [], sandbox=sandbox,
                       grader_version=__version__, execution_time=0.0, failure=why)


class JobRunner:
    """Runs claimed jobs; holds a cache of loaded assignments and their fixtures.

    ``worker`` names the process in the rows it claims (admin view). While a job runs, a
    thread renews its lease every ``job_heartbeat_seconds``.
    """

    def __init__(self, store: Store, settings: Settings, worker: str | None = None) -> None:
        self.store = store
        self.settings = settings
        self.worker = worker
        self.bundles = settings.service_dir / "bundles"
        self._cache: dict[tuple[int, str], tuple[LoadedAssignment, Fixtures]] = {}
        self._lock = threading.Lock()
        #: Makes the claim token of each job this runner takes (a worker process of the
        #: embedded pool records it, for the server to re-queue the job if the process dies).
        self.new_claim: Callable[[], str] = job_rows.new_claim

    def run_next(self, sandbox: Sandbox) -> bool:
        """Claim the next queued job (interactive first) and run it; False if none."""
        claim = self.new_claim()
        with self.store.write() as s:
            job = job_rows.claim_next(s, claim, self.worker)
            job_id = job.id if job else None
        if job_id is None:
            return False
        self.run_claimed(job_id, claim, sandbox)
        return True

    def run_id(self, job_id: int, sandbox: Sandbox) -> bool:
        """Run one job of the lane of job ``job_id`` (for backends whose messages carry job
        ids); False if there was nothing to do.

        A message is a turn in its job's lane, not a promise to grade that very job: the job
        claimed is the one due next in the lane, fairly across students (``claim_next``), so
        the broker's first-in-first-out order cannot let one student's pile of submissions
        hold every worker. Each queued job has a message of its own, so every job gets a
        turn (``claim_turn`` keeps it so when a turn takes a job whose message is not sent
        yet); a message whose turn finds nothing queued (a duplicate, a redelivery for a
        graded job) takes over job ``job_id`` if its lease expired (its worker died), else
        does nothing."""
        claim = self.new_claim()
        stale = utcnow() - timedelta(seconds=self.settings.job_lease_seconds)
        with self.store.write() as s:
            job = job_rows.claim_turn(s, job_id, claim, self.worker, stale_before=stale)
            taken = job.id if job is not None else None
        if taken is None:
            return False
        self.run_claimed(taken, claim, sandbox)
        return True

    def assignment(self, row: Assignment, s: Session) -> LoadedAssignment:
        """The assignment behind ``row`` (its manifest and files; a stored bundle is unpacked
        once)."""
        return open_assignment(s, row, self.settings, self.bundles)

    def loaded(self, row: Assignment, s: Session) -> tuple[LoadedAssignment, Fixtures]:
        """The assignment behind ``row`` and its fixtures (cached per assignment version).

        Raises:
            AssignmentError, FixtureError: the assignment or its fixtures cannot be loaded.
        """
        key = (row.id, row.bundle_sha or row.builtin_slug or "")
        with self._lock:
            hit = self._cache.get(key)
        if hit:
            return hit
        loaded = self.assignment(row, s)
        value = (loaded, load_fixtures(loaded))
        with self._lock:
            self._cache[key] = value
        return value

    def run_claimed(self, job_id: int, claim: str, sandbox: Sandbox) -> None:
        """Grade the claimed job ``job_id`` and record its result (always), renewing its
        lease meanwhile."""
        with self.store.read() as s:
            job = s.get(Job, job_id)
            ids = (job.submission_id, job.request_id, job.kind) if job else (None, None, None)
        with log_context(job_id=job_id, submission_id=ids[0], request_id=ids[1], kind=ids[2]), \
                Heartbeat(self.store, job_id, claim, self.settings.job_heartbeat_seconds):
            log.info("grading started")
            self._grade_claimed(job_id, claim, sandbox)

    def _grade_claimed(self, job_id: int, claim: str, sandbox: Sandbox) -> None:
        result: GradeResult | None = None
        digest = ""
        row: Assignment | None = None
        try:
            with self.store.read() as s:
                job = s.get(Job, job_id)
                assert job is not None
                sub = s.get(Submission, job.submission_id)
                assert sub is not None
                row = s.get(Assignment, sub.assignment_id)
                assert row is not None
                attempts = job.attempts
                raw = files_of(s, sub)
                if attempts <= self.settings.job_max_attempts:
                    loaded, fixtures = self.loaded(row, s)
            if attempts > self.settings.job_max_attempts:
                result = failed_result(
                    row, f"the grading was started {attempts - 1} times and the process "
                    "running it (server or worker) died during each; it is not retried again",
                    sandbox.name)
            else:
                digest = fixtures.digest
                submission = files_submission(raw, loaded, self.settings)
                result = grade(loaded, submission, sandbox, self.settings, fixtures=fixtures)
        except SubmissionError as exc:
            assert row is not None
            result = failed_result(row, f"the submission cannot be graded: {exc}",
                                   sandbox.name, note=f"your submission cannot be graded: {exc}")
        except Exception:  # noqa: BLE001 - every job ends with a result
            why = "internal error:\n" + traceback.format_exc()[-4000:]
            if row is not None:
                result = failed_result(row, why, sandbox.name)
            else:
                result = GradeResult(assignment="?", title="?", score=0.0, max_score=0.0,
                                     status="failed", todos=[], sandbox=sandbox.name,
                                     grader_version=__version__, execution_time=0.0,
                                     failure=why)
        finally:
            # None only when the process is being torn down (SystemExit): the job stays
            # running and the next start re-queues it.
            if result is not None:
                self.record(job_id, claim, result, digest)

    def record(self, job_id: int, claim: str, result: GradeResult, digest: str) -> None:
        """Store ``result`` for the job (ignored if the claim was lost)."""
        with self.store.write() as s:
            recorded = job_rows.record_result(s, job_id, claim, result, digest)
        log.info("grading %s: %s / %s", "recorded" if recorded else "not recorded (claim lost)",
                 f"{result.score:g}", f"{result.max_score:g}",
                 extra={"outcome": result.status, "score": result.score})



class Heartbeat:
    """Renews a running job's lease from a thread until the block ends (``renew``: how, by
    default ``grader.store.jobs.heartbeat``; the validation queue passes its own)."""

    def __init__(self, store: Store, job_id: int, claim: str, every_seconds: float,
                 renew: Callable[[Session, int, str], bool] | None = None) -> None:
        self.store, self.job_id, self.claim = store, job_id, claim
        self.every_seconds = every_seconds
        self.renew = renew or job_rows.heartbeat
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True,
                                        name=f"heartbeat-job-{job_id}")

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _beat(self) -> None:
        while not self._stop.wait(self.every_seconds):
            try:
                with self.store.write() as s:
                    held = self.renew(s, self.job_id, self.claim)
            except Exception:  # noqa: BLE001 - a DB hiccup: the next beat may succeed
                log.warning("heartbeat of job %d failed", self.job_id, exc_info=True)
                continue
            if not held:
                log.warning("job %d: lease lost (taken for dead and re-queued); its result "
                            "will not be recorded", self.job_id)
                return
