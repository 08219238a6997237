"""Reading a roster CSV: a header row with a ``name`` column and an optional ``role`` column
(``student``, the default, or ``instructor``); other columns (email, section...) are ignored."""

from __future__ import annotations

import csv
import io

from ..store.errors import Invalid, TooLarge


def parse_roster(data: bytes, max_rows: int) -> list[tuple[str, str]]:
    """``(name, role)`` per line of the CSV ``data``.

    Raises:
        Invalid: not UTF-8, no ``name`` column, an empty name, a name listed twice.
        TooLarge: more than ``max_rows`` lines.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(f"the roster is not UTF-8 text (byte offset {exc.start}); export the "
                      "CSV as UTF-8 and upload it again") from None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise Invalid(f"the roster is not a readable CSV file ({exc})") from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise Invalid("the roster is empty: send a CSV with a header row 'name[,role]' and "
                      "one line per student")
    header = [h.strip().lower() for h in rows[0]]
    if "name" not in header:
        raise Invalid("the roster's first line must be a header with a 'name' column (and "
                      f"optionally 'role'); got {', '.join(header)[:200]!r}")
    if len(rows) - 1 > max_rows:
        raise TooLarge(f"the roster has {len(rows) - 1} lines; the limit is {max_rows}")
    i_name = header.index("name")
    i_role = header.index("role") if "role" in header else None
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for number, r in enumerate(rows[1:], start=2):
        name = r[i_name].strip() if i_name < len(r) else ""
        role = (r[i_role].strip().lower() if i_role is not None and i_role < len(r) else "")
        if not name:
            raise Invalid(f"roster line {number}: the name is empty")
        if name in seen:
            raise Invalid(f"roster line {number}: {name!r} is listed twice")
        seen.add(name)
        out.append((name, role or "student"))
    return out
