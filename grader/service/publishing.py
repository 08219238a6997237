"""Adding assignments to a course: a built-in by slug, or an uploaded bundle.

A bundle is checked here only as far as that needs no sandbox (a safe zip, a manifest, paths
inside the bundle), then queued as a ``Validation`` that a worker runs: its fixtures are built
in the worker's sandbox and ``grader check``'s validations run; it is stored only if they all
pass (``grader.queue.validation``), and the instructor polls the validation for its progress,
report and outcome. The API holds no sandbox, so no Docker socket. A built-in is added only if
its fixtures load and are fresh.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..assignments.bundle import BundleError, check_paths, unpack
from ..assignments.fixtures import FixtureError, load_fixtures
from ..assignments.loader import Assignment as LoadedAssignment
from ..assignments.loader import AssignmentError, builtin_slugs, load_assignment
from ..store import validations as validation_rows
from ..store.assignments import add_builtin, find_assignment
from ..store.errors import Conflict, Invalid, NotFound
from ..store.models import Assignment, Course, User
from ..telemetry.logs import current
from .access import course_seen
from .deps import Services
from .schemas import ValidationOut
from .views import assignment_out, validation_out

log = logging.getLogger("grader.service")



class AlreadyThere(Conflict):
    """A bundle of a slug the course already has, sent without ``replace``."""

    def __init__(self, course: str, slug: str) -> None:
        super().__init__(f"course {course} already has an assignment {slug!r} (send "
                         "replace=true to put this version in its place)")
        self.course, self.slug = course, slug

    def for_portal(self) -> str:
        """The same, as the portal's upload form says it."""
        return (f"Course {self.course} already has an assignment {self.slug!r}. To put this "
                "version in its place, tick “Replace the assignment of the same name” and "
                "upload it again.")

def add_builtin_assignment(svc: Services, course: str, user: User, slug: str,
                           settings: dict[str, Any]) -> tuple[Any, LoadedAssignment]:
    """Add the built-in ``slug`` to ``course``; returns the row and the loaded assignment.

    Raises:
        NotFound: unknown built-in. Conflict: its fixtures are missing or stale, or the
            course has it already.
    """
    known = builtin_slugs(svc.settings)
    if slug not in known:
        raise NotFound(f"unknown built-in assignment {slug[:80]!r} (known: "
                       f"{', '.join(known) or 'none'})")
    try:
        loaded = load_assignment(slug, svc.settings)
    except AssignmentError as exc:
        raise Conflict(f"built-in {slug} cannot be loaded: {exc}") from None
    try:
        fixtures = load_fixtures(loaded)
    except FixtureError as exc:
        raise Conflict(f"built-in {slug} cannot be graded yet: {exc}") from None
    report = f"built-in assignment; fixtures {fixtures.digest[:16]} verified"
    with svc.store.write() as s:
        seen = course_seen(s, course, user, instructor=True)
        row = add_builtin(s, seen.course, loaded, report, settings)
    return row, loaded


def upload_bundle(svc: Services, course: str, user: User, data: bytes,
                  settings: dict[str, Any], replace: bool = False) -> ValidationOut:
    """Queue the validation of the bundle ``data`` for ``course`` (with ``replace``, as a new
    version of the course's assignment of the same slug); a worker builds its fixtures and
    runs ``grader check`` in its sandbox, and stores it if it passes
    (``grader.queue.validation``). What needs no sandbox is checked here, before anything
    is queued: the zip, the manifest, the paths it names, the slug.

    Raises:
        Invalid: the bundle is unusable (the message says why).
        Conflict: the course has an assignment of that slug (and not ``replace``), the one
            to replace is a built-in, or a validation of that slug is already pending.
        NotFound: nothing to replace. SubmissionTooLarge: too big.
    """
    with svc.store.read() as s:
        course_seen(s, course, user, instructor=True)
    tmp_root = svc.settings.service_dir / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    work = tempfile.mkdtemp(prefix="bundle-", dir=tmp_root)
    try:
        try:
            root = unpack(data, Path(work), svc.settings)
            try:
                loaded = load_assignment(root, svc.settings)
            except AssignmentError as exc:
                raise BundleError(str(exc)) from exc
            check_paths(loaded)
        except BundleError as exc:
            raise Invalid(f"the bundle was not stored: {exc}") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    slug = loaded.slug
    with svc.store.write() as s:
        seen = course_seen(s, course, user, instructor=True)
        existing = find_assignment(s, seen.course, slug)
        if existing is not None and not replace:
            raise AlreadyThere(course, slug)
        if replace and existing is None:
            raise NotFound(f"course {course} has no assignment {slug!r} to replace")
        if existing is not None and existing.source != "bundle":
            raise Conflict(f"{slug} is a built-in assignment; it cannot be replaced by a "
                           "bundle")
        pending = validation_rows.pending_for(s, seen.course, slug)
        if pending is not None:
            raise Conflict(f"a bundle of {slug!r} is already being validated (validation "
                           f"{pending.id}, {pending.status}); wait for its outcome at "
                           f"/api/v1/validations/{pending.id}, then upload again if needed")
        row = validation_rows.create_validation(
            s, seen.course, user, slug, loaded.manifest.title, data, replace, settings,
            request_id=current("request_id"))
        out = validation_out(row, seen.course, None)
    log.info("bundle queued for validation", extra={"validation_id": out.id,
                                                    "course": course, "slug": slug})
    svc.queue.notify()
    return out


def validation_seen(svc: Services, validation_id: int, user: User) -> ValidationOut:
    """Validation ``validation_id`` as its course's instructors see it (with the stored
    assignment once it passed).

    Raises:
        NotFound: no such validation. Forbidden: not an instructor of its course.
    """
    with svc.store.read() as s:
        row = validation_rows.get_validation(s, validation_id)
        course = s.get(Course, row.course_id)
        assert course is not None
        course_seen(s, course.slug, user, instructor=True)
        stored = s.get(Assignment, row.assignment_id) if row.assignment_id else None
        loaded = svc.runner.assignment(stored, s) if stored is not None else None
        return validation_out(row, course, assignment_out(stored, loaded, True)
                              if stored is not None else None)
