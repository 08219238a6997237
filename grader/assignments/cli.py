"""``grader pack`` (instructors) and ``grader check-local`` (students): the visible checks of
an assignment, run on a student's own machine with the service's feedback (``pack.py``)."""

from __future__ import annotations

import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated

import typer

from ..config import get_settings


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def pack_cmd(
    slug: Annotated[str, typer.Argument(help="Built-in slug or assignment folder.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The pack to write.")]
    = Path("student-pack.zip"),
) -> None:
    """Write a student pack: starter and visible checks only (no reference, no hidden
    values), for `grader check-local`."""
    from .fixtures import FixtureError
    from .loader import AssignmentError, load_assignment
    from .pack import PackError, build_pack

    try:
        a = load_assignment(slug, get_settings(), trusted=True)
        build_pack(a, output)
    except (AssignmentError, FixtureError, PackError) as exc:
        _fail(str(exc), 1)
    typer.echo(f"wrote {output} ({output.stat().st_size // 1024} KB): give it to students; "
               f"they run `grader check-local {output.name} THEIR_FOLDER`")


def check_local_cmd(
    pack: Annotated[Path, typer.Argument(help="The student pack (zip or folder).")],
    submission: Annotated[Path, typer.Argument(help="Your folder, .py, .zip or .ipynb.")],
    format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    show_hidden: Annotated[bool, typer.Option(
        "--show-hidden", help="Refused: a pack has no hidden checks.")] = False,
) -> None:
    """Run the visible checks of a student pack on your code, with the service's feedback.
    Exit codes: 0 when the checks ran (whatever the score), 2 when they could not."""
    from ..driving.host import LocalHost
    from ..engine import grade
    from ..report.table import print_table
    from ..sandbox.base import SandboxError
    from ..sandbox.process import BareRunner
    from ..sandbox.select import make_sandbox
    from ..scoring.score import for_students
    from ..submission import SubmissionError, load_submission
    from .fixtures import FixtureError, load_fixtures
    from .loader import AssignmentError, load_assignment

    if show_hidden:
        _fail("a student pack holds no hidden checks, and their values never leave the "
              "grading service: --show-hidden is for instructors grading with the full "
              "assignment (`grader grade SLUG ... --show-hidden`)")
    settings = get_settings()
    with tempfile.TemporaryDirectory(prefix="grader-pack-") as tmp:
        root = pack
        if pack.is_file():
            try:
                with zipfile.ZipFile(pack) as zf:
                    zf.extractall(tmp)
            except zipfile.BadZipFile as exc:
                _fail(f"{pack} is not a student pack zip ({exc})")
            root = Path(tmp)
        try:
            a = load_assignment(root, settings, trusted=True)
            if not a.manifest.student_pack:
                _fail(f"{pack} is not a student pack (no student_pack in its manifest); "
                      "instructors: `grader grade` grades with the full assignment")
            fixtures = load_fixtures(a, check_fresh=False)
            tables = fixtures.blocks
            sub = load_submission(submission, a, settings)
        except (AssignmentError, FixtureError, SubmissionError) as exc:
            _fail(str(exc))
        notes = []
        try:
            box = make_sandbox("auto", settings, pool_size=0)
        except SandboxError:
            box = BareRunner(settings)
            notes.append("checked without a sandbox (no Docker or bubblewrap here): it is your "
                         "own code, on your own machine")
        host = LocalHost(a, tables=tables, untabled=fixtures.blocks_omitted)
        result = grade(a, sub, box, settings, fixtures=fixtures, host=host)
        result.notes += notes + ["a local check runs the visible checks only; the grading "
                                 "service also runs hidden ones"]
        view = for_students(result)
        if format == "json":
            sys.stdout.write(view.model_dump_json(indent=2) + "\n")
        else:
            print_table(view)  # coloured on a terminal


def register(app: typer.Typer) -> None:
    """Add the commands to the ``grader`` CLI."""
    app.command("pack")(pack_cmd)
    app.command("check-local")(check_local_cmd)
