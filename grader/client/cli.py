"""``grader login``, ``logout``, ``submit``, ``status`` and ``results``: a student's commands
against a grading service (registered in ``grader/cli.py``)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from ..cli_help import CLIENT_MEANING, below, exit_codes
from ..exit_codes import EXIT_BELOW, EXIT_UNREACHABLE
from .api import ClientError, ServiceClient
from .login import (
    Login,
    config_path,
    forget_login,
    last_submission,
    read_login,
    remember_submission,
    save_login,
)

EPILOG = exit_codes(CLIENT_MEANING)
CourseOpt = Annotated[str | None, typer.Option(
    "--course", help="The course (default: the login's, else the one of yours that has the "
                     "assignment).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the service's JSON instead.")]


def _fail(exc: ClientError) -> None:
    typer.echo(f"error: {exc.message}", err=True)
    raise typer.Exit(exc.exit_code)


def _client() -> tuple[ServiceClient, Login]:
    try:
        login = read_login()
    except ValueError as exc:
        raise ClientError(str(exc), EXIT_UNREACHABLE) from None
    if login is None:
        raise ClientError(f"not logged in ({config_path()} has no login): run `grader login "
                          "--url URL` with the token your instructor gave you",
                          EXIT_UNREACHABLE)
    return ServiceClient(login.url, login.token), login


def _print_json(body: Any) -> None:
    sys.stdout.write(json.dumps(body, indent=2) + "\n")


def login_cmd(
    url: Annotated[str | None, typer.Option(
        "--url", help="The grading service, e.g. https://grader.example.edu (asked if "
                      "missing).")] = None,
    token: Annotated[str | None, typer.Option(
        "--token", help="Your API token (asked without echo if missing, which keeps it out "
                        "of your shell history).")] = None,
    course: Annotated[str | None, typer.Option("--course", help="Your default course.")]
    = None,
) -> None:
    """Check a token with the grading service and save it (with the URL) in your config file,
    readable by you only."""
    url = (url or typer.prompt("Grading service URL", err=True)).strip().rstrip("/")
    token = (token or typer.prompt("API token", hide_input=True, err=True)).strip()
    if not url.startswith(("http://", "https://")):
        typer.echo(f"error: {url!r} is not a URL: give it with http:// or https://", err=True)
        raise typer.Exit(2)
    client = ServiceClient(url, token)
    try:
        me = client.me()
        if course and course not in [c["slug"] for c in me["courses"]]:
            mine = ", ".join(c["slug"] for c in me["courses"]) or "none"
            raise ClientError(f"you are not in course {course!r} (your courses: {mine})")
    except ClientError as exc:
        _fail(exc)
    finally:
        client.close()
    path = save_login(Login(url=url, token=token, course=course))
    courses = ", ".join(f"{c['slug']} ({c['role']})" for c in me["courses"]) or "no course yet"
    typer.echo(f"logged in to {url} as {me['name']}: {courses}")
    typer.echo(f"saved to {path} (readable by you only)")


def logout_cmd() -> None:
    """Forget the saved login (the token stays valid on the service)."""
    path = config_path()
    typer.echo(f"removed {path}" if forget_login(path) else f"no login saved at {path}")


def submit_cmd(
    assignment: Annotated[str, typer.Argument(help="The assignment's slug, e.g. fc-optim.")],
    path: Annotated[Path, typer.Argument(help="Folder, .py, .zip or .ipynb.")],
    course: CourseOpt = None,
    no_wait: Annotated[bool, typer.Option(
        "--no-wait", help="Print the submission's id and status; do not wait.")] = False,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=1, help="Seconds to wait for the result.")] = 600.0,
    fail_under: Annotated[float | None, typer.Option(
        "--fail-under", min=0, max=100,
        help="Exit 1 when the score is below this percent of the maximum.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Upload PATH to ASSIGNMENT; wait for the grading and print the result as `grader
    grade` does."""
    from .upload import upload_files
    from .view import show_submission

    try:
        files = upload_files(path)
        client, login = _client()
        try:
            where = client.course_of(assignment, course or login.course)
            accepted = client.submit(where, assignment, files)
            remember_submission(accepted["id"])
            if no_wait:
                if as_json:
                    _print_json(accepted)
                else:
                    typer.echo(f"submission {accepted['id']}: {accepted['status']} (attempt "
                               f"{accepted['attempt']}); see it with `grader status "
                               f"{accepted['id']}`")
                return
            typer.echo(f"submitted to {assignment} ({where}) as submission {accepted['id']}, "
                       f"attempt {accepted['attempt']}; waiting for the result", err=True)
            body = client.wait(accepted["id"], timeout)
        finally:
            client.close()
    except ClientError as exc:
        _fail(exc)
    if as_json:
        _print_json(body)
    else:
        show_submission(body)
    if body["status"] == "failed":
        typer.echo(f"error: grading submission {body['id']} failed on the service; tell "
                   "your instructor (it is recorded with a score of 0)", err=True)
        raise typer.Exit(EXIT_BELOW)
    why = below(body["score"] or 0.0, body["max_score"] or 0.0, fail_under)
    if why:
        typer.echo(f"error: {why}", err=True)
        raise typer.Exit(EXIT_BELOW)


def status_cmd(
    submission_id: Annotated[int | None, typer.Argument(
        help="A submission's id (default: your last one from this machine).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A submission's status, and its result table once graded."""
    from .view import show_submission

    sid = submission_id if submission_id is not None else last_submission()
    if sid is None:
        typer.echo("error: no submission from this machine yet: give its id (`grader "
                   "results ASSIGNMENT` lists them)", err=True)
        raise typer.Exit(2)
    try:
        client, _ = _client()
        try:
            body = client.submission(sid)
        finally:
            client.close()
    except ClientError as exc:
        _fail(exc)
    if as_json:
        _print_json(body)
    else:
        show_submission(body)


def _when(value: str | None) -> str:
    if not value:
        return "-"
    when = datetime.fromisoformat(value)
    if when.tzinfo is None:  # the service's times are UTC
        when = when.replace(tzinfo=UTC)
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def _score(value: float | None, top: float | None) -> str:
    return "-" if value is None else f"{value:g} / {top:g}"


def results_cmd(
    assignment: Annotated[str, typer.Argument(help="The assignment's slug, e.g. fc-optim.")],
    course: CourseOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Your submissions to ASSIGNMENT, oldest first, with their scores (times in your time
    zone)."""
    try:
        client, login = _client()
        try:
            where = client.course_of(assignment, course or login.course)
            rows = client.submissions(where, assignment)
        finally:
            client.close()
    except ClientError as exc:
        _fail(exc)
    if as_json:
        _print_json(rows)
        return
    if not rows:
        typer.echo(f"no submission to {assignment} ({where}) yet")
        return
    head = f"{'id':>6}  {'attempt':>7}  {'submitted':<16}  {'status':<8}  {'score':>13}  " \
           f"{'penalty':>7}  {'final':>13}"
    typer.echo(f"{assignment} ({where})")
    typer.echo(head)
    for r in rows:
        typer.echo(f"{r['id']:>6}  {r['attempt']:>7}  {_when(r['created_at']):<16}  "
                   f"{r['status']:<8}  {_score(r['score'], r['max_score']):>13}  "
                   f"{r['penalty_percent']:>6g}%  {_score(r['final_score'], r['max_score']):>13}")


def register(app: typer.Typer) -> None:
    """Add the commands to the ``grader`` CLI."""
    app.command("login", epilog=EPILOG)(login_cmd)
    app.command("logout")(logout_cmd)
    app.command("submit", epilog=EPILOG)(submit_cmd)
    app.command("status", epilog=EPILOG)(status_cmd)
    app.command("results", epilog=EPILOG)(results_cmd)
