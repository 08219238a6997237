"""The ``grader`` command line.

``grader grade ASSIGNMENT SUBMISSION [--format table|json|gradescope] [--sandbox
auto|docker|process]`` exits 0 whenever grading completed, whatever the score (1 with
``--fail-under N`` when the score is below N percent); it exits 2 when the submission or the
assignment cannot be graded at all, with a message saying why. ``grader login``, ``submit``,
``status`` and ``results`` talk to a grading service (``client/cli.py``).
"""

from __future__ import annotations

import gc
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .cli_help import (
    APP_MEANING,
    EXIT_BELOW,
    MEANING,
    below,
    exit_codes,
    flags_take_no_value,
)
from .config import SettingsError, get_settings
from .exit_codes import EXIT_REFUSED
from .sandbox.base import SandboxError

flags_take_no_value()
app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode="markdown",
                  help="Autograder for deep-learning optimization homework.",
                  epilog=exit_codes(APP_MEANING) + " Each command's --help lists its own.")
fixtures_app = typer.Typer(no_args_is_help=True, help="Build assignment fixtures.")
app.add_typer(fixtures_app, name="fixtures")


class Format(StrEnum):
    table = "table"
    json = "json"
    gradescope = "gradescope"


class SandboxChoice(StrEnum):
    auto = "auto"
    docker = "docker"
    process = "process"


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


SandboxOpt = Annotated[SandboxChoice, typer.Option(
    "--sandbox", help="auto: Docker if a daemon answers, else the bubblewrap sandbox.")]
InsecureOpt = Annotated[bool, typer.Option(
    "--insecure", help="Without bubblewrap, run student code with NO isolation.")]


FailUnderOpt = Annotated[float | None, typer.Option(
    "--fail-under", min=0, max=100,
    help="Exit 1 when the score is below this percent of the maximum (e.g. 90).")]


@app.command("grade", epilog=exit_codes(MEANING))
def grade_cmd(
    assignment: Annotated[str, typer.Argument(help="Built-in slug (e.g. fc-optim) or folder.")],
    submission: Annotated[Path, typer.Argument(help="Folder, .py, .zip or .ipynb.")],
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
    sandbox: SandboxOpt = SandboxChoice.auto,
    insecure: InsecureOpt = False,
    show_hidden: Annotated[bool, typer.Option(
        "--show-hidden", help="Instructor view: values of hidden checks, tracebacks.")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o",
                                                help="Write the result here too.")] = None,
    fail_under: FailUnderOpt = None,
) -> None:
    """Grade SUBMISSION against ASSIGNMENT."""
    from .sandbox.select import make_sandbox

    settings = get_settings()
    # the sandbox first: its harness (Python, numpy) starts on another core while this
    # process imports the engine and loads the assignment; a sandbox error waits its turn
    box = None
    box_error: SandboxError | None = None
    try:
        box = make_sandbox(sandbox.value, settings, insecure=insecure, pool_size=0)
        box.prestart()
    except SandboxError as exc:
        box_error = exc
    from .assignments.fixtures import FixtureError
    from .assignments.loader import AssignmentError, load_assignment
    from .engine import grade
    from .report.gradescope import to_gradescope
    from .report.table import print_table, render_table
    from .scoring.score import for_students
    from .submission import SubmissionError, load_submission

    try:
        try:
            a = load_assignment(assignment, settings, trusted=True)
            sub = load_submission(submission, a, settings)
            if box_error is not None:
                raise box_error
        except (AssignmentError, SubmissionError, SandboxError, FixtureError) as exc:
            _fail(str(exc))
        assert box is not None
        result = grade(a, sub, box, settings)
    finally:
        if box is not None:
            box.close()
    view = result if show_hidden else for_students(result, in_place=True)
    if format is Format.json:
        text = view.model_dump_json(indent=2)
    elif format is Format.gradescope:
        text = to_gradescope(view).model_dump_json(indent=2)
    else:
        text = render_table(view)
    if output:
        output.write_text(text if text.endswith("\n") else text + "\n")
    if format is Format.table:
        print_table(view)  # coloured on a terminal
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    why = below(view.score, view.max_score, fail_under)
    if why:
        typer.echo(f"error: {why}", err=True)
        raise typer.Exit(EXIT_BELOW)


@fixtures_app.command("build")
def fixtures_build(
    slug: Annotated[str, typer.Argument(help="Built-in slug or assignment folder.")],
    sandbox: SandboxOpt = SandboxChoice.auto,
    insecure: InsecureOpt = False,
) -> None:
    """Run the case generators and the reference; store inputs and expected outputs."""
    from .assignments.fixtures import FixtureError, build_fixtures
    from .assignments.loader import AssignmentError, load_assignment
    from .sandbox.select import make_sandbox

    settings = get_settings()
    try:
        a = load_assignment(slug, settings, trusted=True)
        box = make_sandbox(sandbox.value, settings, insecure=insecure)
        build_fixtures(a, box, settings, log=typer.echo)
    except (AssignmentError, SandboxError, FixtureError) as exc:
        _fail(str(exc), 1)


@app.command("check")
def check_cmd(
    slug: Annotated[str, typer.Argument(help="Built-in slug or assignment folder.")],
    sandbox: SandboxOpt = SandboxChoice.auto,
    insecure: InsecureOpt = False,
) -> None:
    """Validate an assignment: reference 100%, starter 0, wrong variants caught."""
    from .assignments.check import check_assignment
    from .assignments.fixtures import FixtureError
    from .assignments.loader import AssignmentError, load_assignment
    from .sandbox.select import make_sandbox

    settings = get_settings()
    try:
        a = load_assignment(slug, settings, trusted=True)
        box = make_sandbox(sandbox.value, settings, insecure=insecure)
        report = check_assignment(a, box, settings)
    except (AssignmentError, SandboxError, FixtureError) as exc:
        _fail(str(exc), 1)
    typer.echo(report.render())
    raise typer.Exit(0 if report.ok else 1)


@app.command("export-gradescope")
def export_gradescope_cmd(
    slug: Annotated[str, typer.Argument(help="Built-in slug or assignment folder.")],
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("autograder.zip"),
    late_percent_per_day: Annotated[float, typer.Option(help="Penalty per started day late.")]
    = 0.0,
    late_cap_percent: Annotated[float, typer.Option(help="Cap of the late penalty.")] = 100.0,
    late_days_accepted: Annotated[int | None, typer.Option(
        help="Days late after which a submission gets 0.")] = None,
    max_submissions: Annotated[int | None, typer.Option(help="Submissions that count.")]
    = None,
    resubmission_penalty_percent: Annotated[float, typer.Option(
        help="Penalty per submission after the first.")] = 0.0,
    wheels: Annotated[bool, typer.Option(help="Ship dependency wheels (setup.sh needs no "
                                              "network).")] = True,
    extensions: Annotated[Path | None, typer.Option(
        help="Extensions CSV (student,due_at,extra_late_days,extra_submissions,reason; the "
             "service's extensions download), student = Gradescope email, name or SID.")]
    = None,
) -> None:
    """Export an assignment as a Gradescope autograder zip."""
    from .assignments.loader import AssignmentError, load_assignment
    from .autograder.export import ExportError, export_gradescope
    from .scoring.penalties import Extension, Policy
    from .store.errors import StoreError
    from .store.extensions import parse_csv

    settings = get_settings()
    try:
        per_student = {}
        if extensions is not None:
            per_student = {g.student: Extension(g.due_at, g.extra_late_days,
                                                g.extra_submissions)
                           for g in parse_csv(extensions.read_bytes(), 100000)}
        a = load_assignment(slug, settings, trusted=True)
        export_gradescope(a, output, wheels=wheels, extensions=per_student, policy=Policy(
            late_percent_per_day=late_percent_per_day, late_cap_percent=late_cap_percent,
            late_days_accepted=late_days_accepted, max_submissions=max_submissions,
            resubmission_penalty_percent=resubmission_penalty_percent))
    except (AssignmentError, ExportError, ValueError, OSError) as exc:
        _fail(str(exc), 1)
    except StoreError as exc:
        _fail(exc.message, 1)
    typer.echo(f"wrote {output} ({output.stat().st_size // 1024} KB): upload it as the "
               "assignment's autograder in Gradescope")


@app.command("assignments")
def assignments_cmd(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the built-in assignments."""
    from .assignments.loader import builtin_slugs, load_assignment

    settings = get_settings()
    rows = []
    for slug in builtin_slugs(settings):
        a = load_assignment(slug, settings, trusted=True)
        rows.append({"slug": slug, "title": a.manifest.title,
                     "todos": [t.id for t in a.manifest.todos],
                     "max_score": a.manifest.max_score})
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    else:
        for r in rows:
            typer.echo(f"{r['slug']:<16} {r['title']} ({len(r['todos'])} TODOs, "
                       f"{r['max_score']:g} points)")


def _register_packs() -> None:
    from .assignments.cli import register

    register(app)


def _register_service() -> None:
    from .service.cli import register

    register(app)


def _register_worker() -> None:
    from .queue.cli import register

    register(app)


def _register_lti() -> None:
    from .service.lti.cli import lti_app

    app.add_typer(lti_app, name="lti")


def _register_client() -> None:
    from .client.cli import register

    register(app)


def _register_sandbox() -> None:
    from .sandbox.cli import app as sandbox_app

    app.add_typer(sandbox_app, name="sandbox")

# The command groups that live in other packages, by the command names they add. They are
# imported only when one of their commands runs (or for the full ``--help``): the service's
# and the queue's modules load SQLAlchemy, Celery and the LTI store, which ``grader grade``
# does not need (about 1 s of imports on this machine kind).
LAZY = {
    "pack": _register_packs, "check-local": _register_packs,
    "serve": _register_service, "users": _register_service,
    "worker": _register_worker,
    "lti": _register_lti,
    "sandbox": _register_sandbox,
    "login": _register_client, "logout": _register_client, "submit": _register_client,
    "status": _register_client, "results": _register_client,
}
_REGISTERED: set = set()
CORE = {"grade", "fixtures", "check", "export-gradescope", "assignments"}


def _register(argv: list[str]) -> None:
    """Add the command groups ``argv`` needs: the one named, or every one for help."""
    name = next((a for a in argv if not a.startswith("-")), None)
    if name in CORE:
        return
    if name in LAZY:
        if LAZY[name] not in _REGISTERED:
            _REGISTERED.add(LAZY[name])
            LAZY[name]()
        return
    for register in dict.fromkeys(LAZY.values()):
        if register not in _REGISTERED:
            _REGISTERED.add(register)
            register()


def full_app() -> typer.Typer:
    """The ``grader`` command with every command group added (for tests and help)."""
    _register([])
    return app


def main() -> None:
    """Entry point of the ``grader`` script."""
    _register(sys.argv[1:])
    try:
        app()
    except SettingsError as exc:  # a bad GRADER_* variable: one line each, no traceback
        for line in str(exc).splitlines():
            typer.echo(f"error: {line}", err=True)
        raise SystemExit(EXIT_REFUSED) from None
    finally:
        # the process ends here: keep the interpreter's last full garbage collection from
        # walking every object the command made (about 0.06 s after a grading)
        gc.freeze()


if __name__ == "__main__":
    main()
