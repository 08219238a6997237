"""``submit("fc-optim")`` from a notebook: upload the running notebook (as saved on disk),
wait for the result and print it as ``grader grade`` does.

Which notebook is running: the ``path`` given, else the one the front end names (VS Code
sets ``__vsc_ipynb_file__`` in the notebook's namespace; Jupyter Server sets
``JPY_SESSION_NAME`` in the kernel's environment), else the only ``.ipynb`` in the working
folder. The file on disk is what is sent: save the notebook first (Ctrl-S).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..exit_codes import EXIT_REFUSED, EXIT_UNREACHABLE
from .api import ClientError, ServiceClient
from .login import config_path, read_login, remember_submission
from .view import show_submission


@dataclass
class Outcome:
    """What ``submit`` did: the submission's id and status, its score once graded, or the
    error that stopped it (``ok`` False)."""

    ok: bool
    id: int | None = None
    status: str | None = None
    score: float | None = None
    max_score: float | None = None
    error: str | None = None
    body: dict[str, Any] = field(default_factory=dict, repr=False)


def running_notebook(cwd: Path | None = None) -> Path:
    """The notebook this kernel runs (see the module).

    Raises:
        ClientError: no front end names it and the working folder holds none or several.
    """
    main = sys.modules.get("__main__")
    named = getattr(main, "__vsc_ipynb_file__", None) or os.environ.get("JPY_SESSION_NAME")
    cwd = cwd or Path.cwd()
    if named and str(named).endswith(".ipynb"):
        path = Path(named) if Path(named).is_absolute() else cwd / named
        if path.is_file():
            return path
    found = sorted(cwd.glob("*.ipynb"))
    if len(found) == 1:
        return found[0]
    listed = f" (found: {', '.join(p.name for p in found[:5])})" if found else ""
    raise ClientError("cannot tell which notebook is running here" + listed + ": pass its "
                      "path, for example submit(\"fc-optim\", \"hw3.ipynb\")", EXIT_REFUSED)


def submit(assignment: str, path: str | os.PathLike[str] | None = None, *,
           course: str | None = None, wait: bool = True, timeout_seconds: float = 600.0,
           stream: TextIO | None = None, raise_errors: bool = False) -> Outcome:
    """Submit the running notebook (or ``path``: a notebook, a ``.py``, a folder or a zip)
    to ``assignment`` and, with ``wait``, print the result when it is graded.

    Uses the login of ``grader login`` (or ``GRADER_URL``/``GRADER_TOKEN``); ``course``
    defaults to the login's, else the one of your courses that has the assignment. Errors
    are printed (one line saying what to do) and returned in the ``Outcome``; with
    ``raise_errors`` they raise ``ClientError`` instead.
    """
    from .upload import upload_files

    out = stream or sys.stdout
    try:
        try:
            login = read_login()
        except ValueError as exc:
            raise ClientError(str(exc), EXIT_UNREACHABLE) from None
        if login is None:
            raise ClientError(f"not logged in ({config_path()} has no login): run `grader "
                              "login` in a terminal first", EXIT_UNREACHABLE)
        target = Path(path) if path is not None else running_notebook()
        files = upload_files(target)
        client = ServiceClient(login.url, login.token)
        try:
            where = client.course_of(assignment, course or login.course)
            accepted = client.submit(where, assignment, files)
            remember_submission(accepted["id"])
            out.write(f"submitted {target.name} to {assignment} ({where}): submission "
                      f"{accepted['id']}, attempt {accepted['attempt']}\n")
            out.flush()
            if not wait:
                return Outcome(True, accepted["id"], accepted["status"], body=accepted)
            body = client.wait(accepted["id"], timeout_seconds)
        finally:
            client.close()
    except ClientError as exc:
        if raise_errors:
            raise
        (stream or sys.stderr).write(f"error: {exc.message}\n")
        return Outcome(False, error=exc.message)
    show_submission(body, out)
    return Outcome(body["status"] == "graded", body["id"], body["status"], body.get("score"),
                   body.get("max_score"), body=body)
