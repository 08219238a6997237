"""``grader sandbox ...``: build the Docker sandbox's images, say what the sandbox is."""

from __future__ import annotations

from typing import Annotated

import typer

from ..config import get_settings
from .base import SandboxError

app = typer.Typer(no_args_is_help=True, help="The Docker sandbox's images.")


@app.command("build")
def build_cmd(
    force: Annotated[bool, typer.Option("--force", help="Rebuild the runner image.")] = False,
) -> None:
    """Build what is missing: the base image (from Debian packages), then the runner image."""
    from .images import ensure_images

    try:
        done = ensure_images(get_settings(), log=typer.echo, force=force)
    except SandboxError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    for line in done:
        typer.echo(line)


@app.command("status")
def status_cmd() -> None:
    """Say whether a Docker engine answers and the runner image is built."""
    from .docker import docker_ping, engine
    from .images import image_present, runner_image

    settings = get_settings()
    if not docker_ping():
        typer.echo("docker: no engine answers; `--sandbox auto` uses the process sandbox")
        raise typer.Exit(1)
    image = runner_image(settings)
    if not image_present(engine(), image):
        typer.echo(f"docker: engine answers; runner image {image} is MISSING (`grader sandbox "
                   "build`); `--sandbox auto` uses the process sandbox")
        raise typer.Exit(1)
    typer.echo(f"docker: engine answers; runner image {image} is built; `--sandbox auto` uses "
               "Docker")
