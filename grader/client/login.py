"""Where ``grader login`` keeps the service's URL and the user's token: a TOML file,
``$XDG_CONFIG_HOME/grader/config.toml`` (``~/.config/grader/config.toml``), readable by its
owner only (mode 0600, in a folder of mode 0700). ``GRADER_URL`` and ``GRADER_TOKEN`` in the
environment take precedence over it; ``GRADER_CONFIG`` names another file."""

from __future__ import annotations

import json
import os
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Login:
    """A service and the token to use there (``course``: the default course)."""

    url: str
    token: str
    course: str | None = None


def config_path() -> Path:
    """The login file: ``GRADER_CONFIG``, else under ``XDG_CONFIG_HOME`` (or ``~/.config``)."""
    if os.environ.get("GRADER_CONFIG"):
        return Path(os.environ["GRADER_CONFIG"]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "grader" / "config.toml"


def state_path() -> Path:
    """Where the id of the last submission is kept (beside the login file)."""
    return config_path().with_name("last-submission.json")


def _toml(value: str) -> str:
    return json.dumps(value)  # a JSON string is a TOML basic string (ASCII escapes)


def save_login(login: Login, path: Path | None = None) -> Path:
    """Write ``login`` to the login file, readable by its owner only; returns its path."""
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    lines = ["# written by `grader login`; the token is a secret: keep this file private",
             f"url = {_toml(login.url)}", f"token = {_toml(login.token)}"]
    if login.course:
        lines.append(f"course = {_toml(login.course)}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        os.fchmod(f.fileno(), 0o600)  # an older file may have had a wider mode
        f.write("\n".join(lines) + "\n")
    return path


def read_login(path: Path | None = None) -> Login | None:
    """The saved login with the environment's ``GRADER_URL``/``GRADER_TOKEN`` over it, or
    None when neither says both a URL and a token.

    Raises:
        ValueError: the file is not valid TOML, or is readable by others (the message says
            how to fix it).
    """
    path = path or config_path()
    saved: dict[str, object] = {}
    if path.is_file():
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise ValueError(f"{path} holds your token but others can read it (mode "
                             f"{mode:o}); run `chmod 600 {path}` or `grader login` again")
        try:
            saved = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path} is not a valid login file ({exc}); run `grader login` "
                             "again") from None
    url = os.environ.get("GRADER_URL") or saved.get("url")
    token = os.environ.get("GRADER_TOKEN") or saved.get("token")
    if not isinstance(url, str) or not isinstance(token, str) or not url or not token:
        return None
    course = saved.get("course")
    return Login(url=url.rstrip("/"), token=token,
                 course=course if isinstance(course, str) else None)


def forget_login(path: Path | None = None) -> bool:
    """Remove the login file; whether there was one."""
    path = path or config_path()
    if path.is_file():
        path.unlink()
        return True
    return False


def remember_submission(submission_id: int) -> None:
    """Keep the id of the last submission (for ``grader status`` without an id)."""
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(json.dumps({"id": submission_id}) + "\n", encoding="utf-8")


def last_submission() -> int | None:
    """The id ``remember_submission`` kept, if any."""
    try:
        value = json.loads(state_path().read_text(encoding="utf-8")).get("id")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None
