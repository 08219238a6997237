"""Adding assignments to a course: a built-in by slug, or an uploaded bundle.

A bundle is unpacked in a private folder, its fixtures are built in the sandbox and ``grader
check``'s validations run; it is stored only if they all pass (else the answer is 422 with the
report). A built-in is added only if its fixtures load and are fresh.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..assignments.bundle import BundleError, materialize, pack_folder, prepare_bundle
from ..assignments.fixtures import FixtureError, load_fixtures
from ..assignments.loader import Assignment as LoadedAssignment
from ..assignments.loader import AssignmentError, builtin_slugs, load_assignment
from ..sandbox.select import make_sandbox
from ..store.assignments import (
    add_builtin,
    add_bundle,
    find_assignment,
    get_assignment,
    replace_bundle,
    update,
)
from ..store.errors import Conflict, Invalid, NotFound
from ..store.models import User
from .access import course_seen
from .deps import Services
from .schemas import BundleOut
from .views import assignment_out


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
                  settings: dict[str, Any], replace: bool = False) -> BundleOut:
    """Validate the bundle ``data`` and add it to ``course`` if it passes (with ``replace``,
    put it in place of the course's assignment of the same slug).

    Raises:
        Invalid: the bundle is unusable or fails validation (the message holds the report).
        Conflict: the course has an assignment of that slug (and not ``replace``), or the
            one to replace is a built-in. NotFound: nothing to replace.
        SubmissionTooLarge: too big.
    """
    with svc.store.read() as s:
        course_seen(s, course, user, instructor=True)
    tmp_root = svc.settings.service_dir / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    work = tempfile.mkdtemp(prefix="bundle-", dir=tmp_root)
    try:
        try:
            prepared = prepare_bundle(data, Path(work), make_sandbox(svc.settings.sandbox,
                                                                        svc.settings),
                                      svc.settings)
        except BundleError as exc:
            raise Invalid(f"the bundle was not stored: {exc}") from None
        report = prepared.report.render()
        if not prepared.report.ok:
            raise Invalid("the assignment failed validation and was not stored (fix it and "
                          f"upload again):\n{report}")
        slug = prepared.assignment.slug
        with svc.store.read() as s:
            seen = course_seen(s, course, user, instructor=True)
            exists = find_assignment(s, seen.course, slug) is not None
        if exists and not replace:
            raise Conflict(f"course {course} already has an assignment {slug!r} (send "
                           "replace=true to put this version in its place)")
        if replace and not exists:
            raise NotFound(f"course {course} has no assignment {slug!r} to replace")
        blob, sha = pack_folder(prepared.folder)
        with svc.store.write() as s:
            seen = course_seen(s, course, user, instructor=True)
            if replace:
                row = replace_bundle(s, get_assignment(s, seen.course, slug),
                                     prepared.assignment, blob, sha, report)
                if settings:
                    update(s, row, settings)
            else:
                row = add_bundle(s, seen.course, prepared.assignment, blob, sha, report,
                                 settings)
        stored = materialize(blob, sha, svc.settings.service_dir / "bundles")
        loaded = load_assignment(stored, svc.settings)
        return BundleOut(assignment=assignment_out(row, loaded, True), check_report=report,
                         build_log=prepared.build_log)
    finally:
        shutil.rmtree(work, ignore_errors=True)

