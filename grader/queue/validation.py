"""Validating an uploaded bundle in a worker: unpack it, build its fixtures and run
``grader check`` in the worker's sandbox, and store it as an assignment if it passes.

The API only checks what needs no sandbox (the zip, the manifest, the paths; see
``grader.service.publishing``) and queues a ``Validation`` row (``grader.store.validations``);
workers take validations as they take gradings (the embedded pool before its gradings; Celery
workers through the task ``grader.validate`` on the interactive lane, since an instructor
waits). Whatever breaks, the validation ends with an outcome the instructor can read: passed
(with the stored assignment) or failed (with the reason and the report). A validation whose
worker died is re-queued when its lease expires, like a grading, and the result of a holder
whose claim was taken over is not recorded.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import traceback
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from celery import Celery
from sqlalchemy.orm import Session

from ..assignments.bundle import BundleError, check_paths, pack_folder, unpack
from ..assignments.check import check_assignment
from ..assignments.fixtures import FixtureError, build_fixtures
from ..assignments.loader import Assignment as LoadedAssignment
from ..assignments.loader import AssignmentError, load_assignment
from ..config import Settings
from ..sandbox.base import Sandbox
from ..store import validations as rows
from ..store.assignments import add_bundle, find_assignment, replace_bundle, update
from ..store.db import Store
from ..store.errors import NotFound, StoreError
from ..store.jobs import new_claim
from ..store.models import Course, Validation, utcnow
from ..submission import SubmissionError
from ..telemetry.logs import log_context
from .runner import Heartbeat

log = logging.getLogger("grader.queue")

TASK = "grader.validate"

#: What the instructor reads when the report did not pass (the report follows).
FAILED_CHECK = ("the assignment failed validation and was not stored (fix it and upload "
                "again)")


class _LostClaim(Exception):
    """The validation was taken over (this worker was taken for dead)."""


class ValidationRunner:
    """Runs claimed validations (``worker`` names the process in the rows it claims)."""

    def __init__(self, store: Store, settings: Settings, worker: str | None = None) -> None:
        self.store = store
        self.settings = settings
        self.worker = worker
        #: Makes the claim token of each validation taken (see ``JobRunner.new_claim``).
        self.new_claim: Callable[[], str] = new_claim

    def run_next(self, sandbox: Sandbox) -> bool:
        """Claim the oldest queued validation and run it; False if none."""
        claim = self.new_claim()
        with self.store.write() as s:
            row = rows.claim_next(s, claim, self.worker)
            vid = row.id if row else None
        if vid is None:
            return False
        self.run_claimed(vid, claim, sandbox)
        return True

    def run_id(self, vid: int, sandbox: Sandbox) -> bool:
        """Claim validation ``vid`` and run it (a broker message); False if it is done or
        held under a live lease."""
        claim = self.new_claim()
        stale = utcnow() - timedelta(seconds=self.settings.job_lease_seconds)
        with self.store.write() as s:
            if rows.claim_validation(s, vid, claim, self.worker, stale_before=stale) is None:
                return False
        self.run_claimed(vid, claim, sandbox)
        return True

    def run_claimed(self, vid: int, claim: str, sandbox: Sandbox) -> None:
        """Validate the claimed ``vid`` and record how it ended (always), renewing its lease
        meanwhile."""
        with self.store.read() as s:
            row = s.get(Validation, vid)
            assert row is not None
            request_id = row.request_id
        with log_context(validation_id=vid, request_id=request_id), \
                Heartbeat(self.store, vid, claim, self.settings.job_heartbeat_seconds,
                          renew=rows.heartbeat):
            log.info("bundle validation started")
            try:
                outcome = self._validate(vid, claim, sandbox)
            except _LostClaim:
                log.warning("bundle validation %d was taken over; its outcome is not "
                            "recorded", vid)
                return
            log.info("bundle validation ended: %s", outcome, extra={"outcome": outcome})

    def _validate(self, vid: int, claim: str, sandbox: Sandbox) -> str:
        build_log: list[str] = []

        def stage(text: str) -> None:
            with self.store.write() as s:
                if not rows.progress(s, vid, claim, text, build_log):
                    raise _LostClaim()

        def fail(detail: str, report: str = "") -> str:
            with self.store.write() as s:
                if not rows.finish(s, vid, claim, "failed", report=report, detail=detail,
                                   log=build_log):
                    raise _LostClaim()
            return "failed"

        with self.store.read() as s:
            row = s.get(Validation, vid)
            assert row is not None
            attempts, data = row.attempts, row.upload
        if attempts > self.settings.job_max_attempts:
            return fail(f"the validation was started {attempts - 1} times and the worker "
                        "running it died during each; it is not retried again (upload the "
                        "bundle again, or ask the administrator to look at the workers' logs)")
        tmp_root = self.settings.service_dir / "tmp"
        tmp_root.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="validation-", dir=tmp_root))
        try:
            try:
                root = unpack(data, work, self.settings)
                assignment = load_assignment(root, self.settings)
                check_paths(assignment)
            except (BundleError, AssignmentError, SubmissionError) as exc:
                return fail(f"the bundle was not stored: {exc}")

            def note(line: str) -> None:
                build_log.append(str(line))
                stage(f"building the fixtures: {line}"[:200])

            stage("building the fixtures in the sandbox")
            try:
                build_fixtures(assignment, sandbox, self.settings, log=note)
                stage("validating (grader check: reference, starter, variants)")
                report = check_assignment(assignment, sandbox, self.settings)
            except (FixtureError, AssignmentError) as exc:
                return fail(f"the bundle was not stored: building the fixtures failed: {exc}")
            text = report.render()
            if not report.ok:
                return fail(FAILED_CHECK, text)
            blob, sha = pack_folder(root)
            try:
                with self.store.write() as s:
                    row = s.get(Validation, vid)
                    assert row is not None
                    course = s.get(Course, row.course_id)
                    assert course is not None
                    stored = self._store(s, row, course, assignment, blob, sha, text)
                    if not rows.finish(s, vid, claim, "passed", report=text,
                                       log=build_log, assignment_id=stored):
                        raise _LostClaim()  # rolls the assignment back too
            except StoreError as exc:
                return fail(f"the bundle passed validation but was not stored: {exc.message}",
                            text)
            return "passed"
        except _LostClaim:
            raise
        except Exception:  # noqa: BLE001 - every validation ends with an outcome
            return fail("the validation failed inside the grader (not because of the "
                        "bundle); upload it again, and report this if it persists:\n"
                        + traceback.format_exc()[-3000:])
        finally:
            shutil.rmtree(work, ignore_errors=True)

    @staticmethod
    def _store(s: Session, row: Validation, course: Course, assignment: LoadedAssignment,
               blob: bytes, sha: str, report: str) -> int:
        """Add (or, for a replacement, put in place) the validated bundle; its row id.

        Raises:
            StoreError: the slug was taken (or the one to replace removed) meanwhile.
        """
        settings = json.loads(row.settings or "{}")
        existing = find_assignment(s, course, row.slug)
        if not row.replace:
            return add_bundle(s, course, assignment, blob, sha, report, settings).id
        if existing is None:
            raise NotFound(f"course {course.slug} has no assignment {row.slug!r} to replace")
        stored = replace_bundle(s, existing, assignment, blob, sha, report)
        if settings:
            update(s, stored, settings)
        return stored.id


# --- the scale-out queue ------------------------------------------------------------------


def send_unsent_validations(store: Store, app: Celery, settings: Settings,
                            everything: bool = False) -> int:
    """Send a ``grader.validate`` message for each queued validation without one (with
    ``everything``: for every queued one, as the API does at start); returns how many."""
    from .celery_app import QUEUES

    now = utcnow()
    resend_before = now if everything else now - timedelta(
        seconds=settings.job_republish_seconds)
    with store.write() as s:
        ids = rows.take_unsent(s, resend_before)
    failed: list[int] = []
    for vid in ids:
        try:
            app.send_task(TASK, args=[vid], queue=QUEUES["interactive"])
        except Exception:  # noqa: BLE001 - the broker is down: the next sweep sends it
            failed.append(vid)
    if failed:
        log.warning("could not send %d bundle validation(s) to the broker; the next sweep "
                    "sends them", len(failed))
        with store.write() as s:
            rows.unsend(s, failed)
    return len(ids) - len(failed)


def sweep_validations(store: Store, app: Celery, settings: Settings) -> tuple[int, int]:
    """Re-queue validations of dead workers and send what has no message; returns (re-queued,
    sent)."""
    stale = utcnow() - timedelta(seconds=settings.job_lease_seconds)
    with store.write() as s:
        requeued = rows.requeue_stale(s, stale)
    if requeued:
        log.warning("re-queued bundle validation(s) %s: their worker stopped renewing its "
                    "lease", ", ".join(map(str, requeued)))
    return len(requeued), send_unsent_validations(store, app, settings)
