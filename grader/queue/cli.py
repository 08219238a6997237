"""``grader worker``: the command of a scale-out grading process (registered in ``cli.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..config import get_settings


def worker(
    concurrency: Annotated[int | None, typer.Option(
        "--concurrency", "-c", help="Gradings at once (default: GRADER_WORKERS, 2).")] = None,
    queues: Annotated[str, typer.Option(
        "--queues", "-Q", help="Lanes to take jobs from, comma-separated: interactive, bulk "
                               "(interactive is always served first).")] = "interactive,bulk",
    pool: Annotated[str, typer.Option(
        "--pool", help="prefork (a process per grading: a crash costs one job) or threads.")]
    = "prefork",
    name: Annotated[str | None, typer.Option(
        "--name", "-n", help="Node name (default: grader-PID@HOST).")] = None,
    sandbox: Annotated[str | None, typer.Option(
        "--sandbox", help="auto, docker or process (default: GRADER_SANDBOX, auto).")] = None,
    data_dir: Annotated[Path | None, typer.Option(
        "--data-dir", help="This worker's own folder (unpacked bundles); nothing in it is "
                           "shared (default: GRADER_DATA_DIR).")] = None,
    loglevel: Annotated[str, typer.Option("--loglevel")] = "INFO",
    ping: Annotated[bool, typer.Option(
        "--ping", help="Only check that a worker on this host answers over the broker "
                       "within 3 s (exit 0) or not (exit 1): a container healthcheck.")]
    = False,
) -> None:
    """Grade jobs of the scale-out queue (GRADER_DATABASE_URL, GRADER_BROKER_URL) until
    stopped; SIGTERM lets running gradings finish."""
    if ping:
        from .worker import ping_local

        raise typer.Exit(0 if ping_local(get_settings()) else 1)
    from ..sandbox.base import SandboxError
    from ..store.db import normalize_url
    from .celery_app import QUEUES, ConfigError
    from .sweeper import _safe

    settings = get_settings()
    update: dict = {"queue": "celery"}
    if sandbox is not None:
        update["sandbox"] = sandbox
    if data_dir is not None:
        update["data_dir"] = data_dir.resolve()
    settings = settings.model_copy(update=update)
    if settings.metrics_port:  # before anything imports prometheus_client
        from ..telemetry.worker_metrics import prepare

        prepare(settings.service_dir / "metrics")
    from .worker import WorkerOptions, run_worker
    if settings.database_url is None:
        typer.echo("error: set GRADER_DATABASE_URL to the service's database (for example "
                   "postgresql://grader:PASSWORD@db-host/grader): workers share it with the "
                   "API", err=True)
        raise typer.Exit(2)
    lanes = [q.strip() for q in queues.split(",") if q.strip()]
    unknown = [q for q in lanes if q not in QUEUES]
    if unknown or not lanes:
        typer.echo(f"error: unknown lane(s) {', '.join(unknown) or '(none)'}; use "
                   f"{', '.join(QUEUES)}", err=True)
        raise typer.Exit(2)
    if pool not in ("prefork", "threads", "solo"):
        typer.echo(f"error: unknown pool {pool!r}; use prefork or threads", err=True)
        raise typer.Exit(2)
    n = concurrency if concurrency is not None else max(1, settings.workers)
    if n < 1:
        typer.echo("error: --concurrency must be at least 1", err=True)
        raise typer.Exit(2)
    db = normalize_url(settings.database_url)
    typer.echo(f"worker: database {_safe(db)}, broker {_safe(settings.broker_url)}, lanes "
               f"{', '.join(lanes)}, {n} at once ({pool})", err=True)
    try:
        run_worker(settings, WorkerOptions(concurrency=n, lanes=lanes, pool=pool, name=name,
                                           loglevel=loglevel))
    except (ConfigError, SandboxError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def register(app: typer.Typer) -> None:
    """Add ``worker`` to the ``grader`` command."""
    app.command("worker")(worker)
