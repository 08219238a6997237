"""``grader serve`` and ``grader users``: the service's commands (registered in ``cli.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..config import Settings, get_settings
from ..queue.celery_app import ConfigError
from ..sandbox.base import SandboxError

users_app = typer.Typer(no_args_is_help=True, help="Manage the service's users and tokens.")

DataDirOpt = Annotated[Path | None, typer.Option(
    "--data-dir", help="Folder of the database and uploads (default: GRADER_DATA_DIR, else "
                       "~/.local/share/dl-autograder).")]


def _settings(data_dir: Path | None, **changes: object) -> Settings:
    update = {k: v for k, v in changes.items() if v is not None}
    if data_dir is not None:
        update["data_dir"] = data_dir.resolve()
    return get_settings().model_copy(update=update)


def serve(
    demo: Annotated[bool, typer.Option("--demo", help="Create course 'demo' with every "
                                       "built-in published, an instructor and two students; "
                                       "print their tokens.")] = False,
    port: Annotated[int | None, typer.Option("--port", help="TCP port (default 8000).")] = None,
    host: Annotated[str | None, typer.Option("--host", help="Address to listen on.")] = None,
    data_dir: DataDirOpt = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Gradings at once.")] = None,
    sandbox: Annotated[str | None, typer.Option(
        "--sandbox", help="auto, docker or process (default: GRADER_SANDBOX, auto).")] = None,
) -> None:
    """Run the grading service (REST API, durable queue, worker pool) until stopped."""
    import uvicorn

    from ..telemetry.logs import configure_logging
    from .app import build_services, create_app
    from .demo import demo_banner, seed_demo, tokens_file

    settings = _settings(data_dir, port=port, host=host, workers=workers, sandbox=sandbox)
    configure_logging(settings.log_format)
    try:
        services = build_services(settings)
    except SandboxError as exc:
        typer.echo(f"error: no sandbox can run student code here: {exc}", err=True)
        raise typer.Exit(2) from None
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"data: {settings.service_dir} (database {settings.db_url})", err=True)
    typer.echo(f"queue: {settings.queue}, sandbox: {services.queue.describe()['sandbox']}, "
               f"workers: {settings.workers if settings.queue == 'embedded' else 'grader worker'}",
               err=True)
    if demo:
        info = seed_demo(services, log=lambda m: typer.echo(m, err=True))
        typer.echo(demo_banner(info, tokens_file(services)))
    uvicorn.run(create_app(services), host=settings.host, port=settings.port,
                log_level="info", access_log=False,
                log_config=None if settings.log_format == "json" else uvicorn.config.LOGGING_CONFIG)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, _ . @ + -).")],
    role: Annotated[str, typer.Option("--role", help="admin, instructor or student.")]
    = "student",
    course: Annotated[str | None, typer.Option(
        "--course", help="Enrol in this course (created if missing).")] = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Create a user and print a new API token (the only time it is shown)."""
    from ..store.courses import create_course, find_course
    from ..store.db import Store
    from ..store.errors import StoreError
    from ..store.users import create_user, enrol, issue_token

    store = Store(_settings(data_dir))
    store.migrate()
    try:
        with store.write() as s:
            user = create_user(s, name, role)
            if course:
                c = find_course(s, course)
                if c is None:
                    c = create_course(s, course, course, None)
                    typer.echo(f"created course {course}", err=True)
                enrol(s, c, user, "student" if role == "student" else "instructor")
            token = issue_token(s, user, label="cli")
    except StoreError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"created {role} {name}" + (f" in course {course}" if course else ""), err=True)
    typer.echo(token)


@users_app.command("token")
def users_token(name: Annotated[str, typer.Argument(help="Existing user.")],
                data_dir: DataDirOpt = None) -> None:
    """Print a new API token for an existing user (older tokens stay valid)."""
    from ..store.db import Store
    from ..store.errors import StoreError
    from ..store.users import get_user, issue_token

    store = Store(_settings(data_dir))
    store.migrate()
    try:
        with store.write() as s:
            token = issue_token(s, get_user(s, name), label="cli")
    except StoreError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(token)


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``users`` to the ``grader`` command."""
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")
