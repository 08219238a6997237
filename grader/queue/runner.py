"""Grading one job: claim it, grade it in the sandbox, record the result in ``finally``.

Whatever breaks (the assignment cannot be loaded, the files cannot be laid out, the sandbox or
the grader itself fails), the job ends with a recorded result: ``failed``, score 0, a visible
"grading failed" entry and, for instructors, the traceback. A job started more than
``job_max_attempts`` times (its grading took the server down each time) is recorded as failed
without running it again.
"""

from __future__ import annotations

import threading
import traceback

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
from ..store.models import Assignment, Job, Submission
from ..store.submissions import files_of
from ..submission import SubmissionError, files_submission


def failed_result(row: Assignment, why: str, sandbox: str, note: str | None = None
                  ) -> GradeResult:
    """A 'grading failed' result for ``row`` (``why`` is for instructors, ``note`` for all)."""
    return GradeResult(assignment=row.slug, title=row.title, score=0.0,
                       max_score=row.max_score, status="failed", todos=[],
                       notes=[note] if note else [], sandbox=sandbox,
                       grader_version=__version__, execution_time=0.0, failure=why)


class JobRunner:
    """Runs claimed jobs; holds a cache of loaded assignments and their fixtures."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.bundles = settings.service_dir / "bundles"
        self._cache: dict[tuple[int, str], tuple[LoadedAssignment, Fixtures]] = {}
        self._lock = threading.Lock()

    def run_next(self, sandbox: Sandbox) -> bool:
        """Claim the oldest queued job and run it; False if the queue was empty."""
        claim = job_rows.new_claim()
        with self.store.write() as s:
            job = job_rows.claim_next(s, claim)
            job_id = job.id if job else None
        if job_id is None:
            return False
        self.run_claimed(job_id, claim, sandbox)
        return True

    def run_id(self, job_id: int, sandbox: Sandbox) -> bool:
        """Claim job ``job_id`` and run it (for backends that hand out job ids); False if it
        was not queued any more."""
        claim = job_rows.new_claim()
        with self.store.write() as s:
            if job_rows.claim_job(s, job_id, claim) is None:
                return False
        self.run_claimed(job_id, claim, sandbox)
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
        """Grade the claimed job ``job_id`` and record its result (always)."""
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
                    row, f"the grading was started {attempts - 1} times and the server "
                    "stopped during each; it is not retried again", sandbox.name)
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
            # None only when the thread itself is being torn down: the job stays running and
            # the next start re-queues it.
            if result is not None:
                self.record(job_id, claim, result, digest)

    def record(self, job_id: int, claim: str, result: GradeResult, digest: str) -> None:
        """Store ``result`` for the job (ignored if the claim was lost)."""
        with self.store.write() as s:
            job_rows.record_result(s, job_id, claim, result, digest)

