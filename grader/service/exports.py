"""Downloads of a whole assignment: every student's counted submission as one zip (a folder
per student, files exactly as accepted), and the grades in Canvas's gradebook import format.

The zip is written to a spooled temporary file (in memory up to 8 MB, then on disk) and
streamed, so a large class does not hold every submission in memory at once.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from collections.abc import Iterator
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..report.gradebook import CanvasRow, render_canvas_csv
from ..store.extensions import extensions_by_user
from ..store.grades import counted_per_student, final_of
from ..store.models import Assignment, Course, LtiContext, LtiLineItem, LtiUser, User
from ..store.submissions import files_of
from ..store.users import members

CHUNK = 1 << 16


def _safe(name: str) -> str:
    """A user name as a folder name (names are already restricted; never a path)."""
    return "".join(c if c.isalnum() or c in "_.@+-" else "_" for c in name).lstrip(".") or "_"


def submissions_zip(s: Session, row: Assignment) -> IO[bytes]:
    """Every student's counted submission to ``row`` as a zip: ``<student>/<files>`` plus
    ``index.csv`` (student, submission, attempt, submitted_at, status, score, final score).
    Returns the file positioned at its start."""
    exts = extensions_by_user(s, row)
    out = tempfile.SpooledTemporaryFile(max_size=8 << 20)
    index = io.StringIO()
    w = csv.writer(index, lineterminator="\n")
    w.writerow(["student", "submission_id", "attempt", "submitted_at", "status", "files",
                "score", "final_score"])
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for user, sub in counted_per_student(s, row):
            folder = _safe(user.name)
            files = files_of(s, sub)
            for rel in sorted(files):
                info = zipfile.ZipInfo(f"{folder}/{rel}", sub.created_at.timetuple()[:6])
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, files[rel])
            final = final_of(sub, row, exts.get(user.id))
            w.writerow([user.name, sub.id, sub.attempt, sub.created_at.isoformat(),
                        sub.status, json.dumps(sorted(files)),
                        "" if sub.score is None else f"{sub.score:g}",
                        "" if final is None else f"{final:g}"])
        zf.writestr("index.csv", index.getvalue())
    out.seek(0)
    return out


def stream(f: IO[bytes]) -> Iterator[bytes]:
    """The file's bytes in chunks, closing it at the end."""
    try:
        while chunk := f.read(CHUNK):
            yield chunk
    finally:
        f.close()


def canvas_csv(s: Session, course: Course, row: Assignment) -> str:
    """The grades of ``row`` in Canvas's gradebook import format: every student of the
    course, final scores (penalties and overrides applied), empty for no submission. Canvas
    ids come from the students' LTI launches where there were any."""
    latest = {u.id: sub for u, sub in counted_per_student(s, row)}
    exts = extensions_by_user(s, row)
    students: dict[int, User] = {e.user.id: e.user for e in members(s, course)
                                 if e.role == "student"}
    for uid in latest:
        if uid not in students:
            user = s.get(User, uid)
            assert user is not None
            students[uid] = user
    links: dict[int, LtiUser] = {}
    for link in s.scalars(select(LtiUser).where(LtiUser.user_id.in_(list(students)))):
        links.setdefault(link.user_id, link)
    canvas_id = s.scalar(select(LtiLineItem.lms_assignment_id)
                         .join(LtiContext, LtiContext.id == LtiLineItem.context_id)
                         .where(LtiLineItem.assignment_id == row.id,
                                LtiContext.course_id == course.id,
                                LtiLineItem.lms_assignment_id.is_not(None)).limit(1))
    rows = []
    for uid, user in sorted(students.items(), key=lambda kv: _sort_name(kv[1], links)):
        link = links.get(uid)
        sub = latest.get(uid)
        rows.append(CanvasRow(
            name=_sort_name(user, links), id=link.lms_user_id if link else "",
            sis_user_id=link.sis_id if link else "",
            login_id=(link.login_id if link and link.login_id else user.name),
            score=final_of(sub, row, exts.get(uid)) if sub is not None else None))
    return render_canvas_csv(row.title, row.max_score, rows, canvas_id)


def _sort_name(user: User, links: dict[int, LtiUser]) -> str:
    link = links.get(user.id)
    return (link.sortable_name or link.display_name) if link and (
        link.sortable_name or link.display_name) else user.name
