"""Reading a roster CSV, ours or an LMS's export, line by line.

Columns are found by their header (case and spaces ignored):

- ours: ``name`` (the account name) and an optional ``role`` (``student``, the default,
  ``ta`` or ``instructor``);
- an LMS export such as Canvas's, told by its ``sis id`` (or ``sis user id``) column or by
  having no ``name`` column: a person's ``name`` (or ``student``), ``email`` (or ``login
  id``) and SIS id; the account name is then the email, else the SIS id (the name is only
  shown), and Canvas's roles (``StudentEnrollment``, ``TaEnrollment``,
  ``TeacherEnrollment``, ``Teacher``...) are understood.

Other columns (section, id...) are ignored. What is wrong with the file as a whole (not
UTF-8, no header, too many lines) refuses it; a bad line is reported on its own, with its
number, and the others are enrolled.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from ..store.errors import Invalid, TooLarge
from ..store.users import COURSE_ROLES, check_name

NAME = ("name", "student", "full name", "display name")
EMAIL = ("email", "e-mail", "email address", "login id", "sis login id")
SIS = ("sis id", "sis user id", "sis_user_id", "sis_id", "student id")
ROLE = ("role", "roles", "type")
#: LMS role names as ours.
ROLES = {"student": "student", "learner": "student", "studentenrollment": "student",
         "ta": "ta", "teaching assistant": "ta", "taenrollment": "ta",
         "instructor": "instructor", "teacher": "instructor",
         "teacherenrollment": "instructor"}


@dataclass
class Roster:
    """The lines of a roster that can be enrolled (``(account name, role, shown name)``)
    and a sentence per line that cannot."""

    rows: list[tuple[str, str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    """The first of ``names`` (in their order of preference) that ``header`` has."""
    for name in names:
        if name in header:
            return header.index(name)
    return None


def parse_roster(data: bytes, max_rows: int) -> Roster:
    """The lines of the CSV ``data`` to enrol, and what is wrong with each other line.

    Raises:
        Invalid: not UTF-8, not a CSV, no header with a column to name people by.
        TooLarge: more than ``max_rows`` lines.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(f"the roster is not UTF-8 text (byte offset {exc.start}); export the "
                      "CSV as UTF-8 and upload it again") from None
    try:
        lines = list(enumerate(csv.reader(io.StringIO(text)), start=1))
    except csv.Error as exc:
        raise Invalid(f"the roster is not a readable CSV file ({exc})") from None
    lines = [(n, r) for n, r in lines if any(cell.strip() for cell in r)]
    if not lines:
        raise Invalid("the roster is empty: send a CSV with a header row 'name[,role]' (or "
                      "an LMS export with name, email and SIS id columns) and one line per "
                      "person")
    header = [" ".join(h.strip().lower().split()) for h in lines[0][1]]
    i_name, i_email, i_sis = (_column(header, NAME), _column(header, EMAIL),
                              _column(header, SIS))
    i_role = _column(header, ROLE)
    if i_name is None and i_email is None and i_sis is None:
        raise Invalid("the roster's first line must be a header with a 'name' column (and "
                      "optionally 'role'), or an LMS export's name, email and SIS id "
                      f"columns; got {', '.join(header)[:200]!r}")
    if len(lines) - 1 > max_rows:
        raise TooLarge(f"the roster has {len(lines) - 1} lines; the limit is {max_rows}")
    # an LMS export has an SIS id column (or no name column): people are named by email
    lms = i_sis is not None or i_name is None

    def cell(r: list[str], i: int | None) -> str:
        return r[i].strip() if i is not None and i < len(r) else ""

    out = Roster()
    seen: dict[str, int] = {}
    for number, r in lines[1:]:
        shown, email, sis = cell(r, i_name), cell(r, i_email), cell(r, i_sis)
        role_text = cell(r, i_role).lower()
        if shown.lower() == "points possible":
            out.problems.append(f"roster line {number}: skipped: the LMS's 'Points "
                                "Possible' line is not a person")
            continue
        account = (email or sis) if lms else shown
        who = f" ({shown!r})" if lms and shown else ""
        if not account:
            out.problems.append(f"roster line {number}: " + (
                f"no email nor SIS id{who}; add one and upload the line again" if lms
                else "the name is empty"))
            continue
        try:
            check_name(account)
        except Invalid as exc:
            out.problems.append(f"roster line {number}: {exc.message}{who}")
            continue
        role = ROLES.get(role_text.replace(" ", "") if role_text.endswith("enrollment")
                         else role_text, "") if role_text else "student"
        if role not in COURSE_ROLES:
            out.problems.append(f"roster line {number}: unknown role {role_text!r}; use "
                                "student, ta or instructor")
            continue
        if account in seen:
            out.problems.append(f"roster line {number}: {account!r} is listed twice (first "
                                f"on line {seen[account]}); enrolled once")
            continue
        seen[account] = number
        out.rows.append((account, role, shown if lms else ""))
    return out
