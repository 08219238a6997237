"""``grader lti``: this tool's keys, platform registrations, the URLs to give the LMS, and
roster sync."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ...store import lti as lti_rows
from ...store.db import Store
from ...store.errors import StoreError
from ..cli import DataDirOpt, _settings

lti_app = typer.Typer(no_args_is_help=True, help="LTI 1.3: tool keys, LMS registrations, "
                                                 "roster sync.")
keys_app = typer.Typer(no_args_is_help=True, help="This tool's signing keys (JWKS).")
platforms_app = typer.Typer(no_args_is_help=True, help="Registered LMS platforms.")
lti_app.add_typer(keys_app, name="keys")
lti_app.add_typer(platforms_app, name="platforms")


def _store(data_dir: Path | None) -> Store:
    store = Store(_settings(data_dir))
    store.migrate()
    return store


def _fail(exc: StoreError) -> None:
    typer.echo(f"error: {exc.message}", err=True)
    raise typer.Exit(2)


@lti_app.command("config")
def config(data_dir: DataDirOpt = None) -> None:
    """Print the URLs to enter in the LMS (set GRADER_LTI_BASE_URL to the public URL)."""
    from .launch import urls

    for key, value in urls(_settings(data_dir)).items():
        typer.echo(f"{key}: {value}")


@keys_app.command("generate")
def keys_generate(data_dir: DataDirOpt = None) -> None:
    """Make a new signing key; it signs from now on (older keys stay in the JWKS until
    retired)."""
    from .keys import generate

    with _store(data_dir).write() as s:
        key = generate(s)
    typer.echo(key.kid)


@keys_app.command("list")
def keys_list(data_dir: DataDirOpt = None) -> None:
    """The active keys, newest (signing) first."""
    with _store(data_dir).read() as s:
        for i, key in enumerate(lti_rows.active_keys(s)):
            typer.echo(f"{key.kid}\t{key.created_at.isoformat()}\t"
                       f"{'signing' if i == 0 else 'published'}")


@keys_app.command("retire")
def keys_retire(kid: str, data_dir: DataDirOpt = None) -> None:
    """Stop publishing key KID (after a rotation, once no token signed with it is in use)."""
    try:
        with _store(data_dir).write() as s:
            lti_rows.retire_key(s, kid)
    except StoreError as exc:
        _fail(exc)
    typer.echo(f"retired {kid}")


@platforms_app.command("add")
def platforms_add(
    name: Annotated[str, typer.Argument(help="A name of yours, e.g. canvas.")],
    issuer: Annotated[str, typer.Option(help="The platform's issuer (Canvas: "
                                             "https://canvas.instructure.com).")],
    client_id: Annotated[str, typer.Option(help="The client id the LMS gave this tool.")],
    login_url: Annotated[str, typer.Option(help="Its OIDC authorization endpoint.")],
    token_url: Annotated[str, typer.Option(help="Its OAuth 2 token endpoint.")],
    jwks_url: Annotated[str, typer.Option(help="Its public keys (JWKS).")],
    deployment: Annotated[list[str], typer.Option(help="A deployment id (repeat for "
                                                       "several).")],
    token_audience: Annotated[str | None, typer.Option(
        help="'aud' of our client assertions if not the token URL.")] = None,
    data_dir: DataDirOpt = None,
) -> None:
    """Register an LMS that launches this tool."""
    try:
        with _store(data_dir).write() as s:
            lti_rows.add_platform(s, name=name, issuer=issuer, client_id=client_id,
                                  auth_login_url=login_url, auth_token_url=token_url,
                                  jwks_url=jwks_url, deployment_ids=deployment,
                                  token_audience=token_audience)
    except StoreError as exc:
        _fail(exc)
    typer.echo(f"registered {name}")


@platforms_app.command("list")
def platforms_list(data_dir: DataDirOpt = None) -> None:
    """The registered platforms, as JSON lines."""
    with _store(data_dir).read() as s:
        for p in lti_rows.list_platforms(s):
            typer.echo(json.dumps({"name": p.name, "issuer": p.issuer,
                                   "client_id": p.client_id, "login_url": p.auth_login_url,
                                   "token_url": p.auth_token_url, "jwks_url": p.jwks_url,
                                   "deployments": json.loads(p.deployment_ids)}))


@platforms_app.command("remove")
def platforms_remove(name: str, data_dir: DataDirOpt = None) -> None:
    """Forget a platform (its launches stop working; accounts and courses stay)."""
    try:
        with _store(data_dir).write() as s:
            s.delete(lti_rows.get_platform(s, name))
    except StoreError as exc:
        _fail(exc)
    typer.echo(f"removed {name}")


@lti_app.command("sync")
def sync(course: Annotated[str, typer.Argument(help="Course slug.")],
         data_dir: DataDirOpt = None) -> None:
    """Sync a course's roster from its LMS course (NRPS)."""
    from ...store.courses import get_course
    from .client import PlatformError
    from .roster import sync_course

    settings = _settings(data_dir)
    store = _store(data_dir)
    try:
        with store.read() as s:
            row = get_course(s, course)
        report = sync_course(store, settings, row, None)
    except StoreError as exc:
        _fail(exc)
    except PlatformError as exc:
        typer.echo(f"error: the roster could not be read from the LMS: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(vars(report)))
