"""The client commands and the notebook helper against a real service: ``grader serve
--demo`` in a subprocess (real SQLite file, bubblewrap sandbox, the service tests' small
upload limits: 64 KB per file), each test with a home of its own (``XDG_CONFIG_HOME``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.service.conftest import Server, free_port, require_bwrap  # noqa: F401

EXAMPLE = REPO / "examples" / "fc-optim" / "adam_no_bias_correction"
GRADER = [sys.executable, "-m", "grader.cli"]


@pytest.fixture(scope="session")
def service(tmp_path_factory, require_bwrap):  # noqa: F811
    srv = Server(tmp_path_factory.mktemp("client-service")).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def demo_tokens(service) -> dict[str, str]:
    return service.tokens()


class Home:
    """A user's environment: a config folder of their own, no login in the environment."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.config = root / "config"
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("GRADER_URL", "GRADER_TOKEN", "GRADER_CONFIG", "NO_COLOR",
                                 "JPY_SESSION_NAME")}
        self.env.update({"XDG_CONFIG_HOME": str(self.config), "COLUMNS": "100"})

    @property
    def login_file(self) -> Path:
        return self.config / "grader" / "config.toml"

    def run(self, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(GRADER + list(args), capture_output=True, text=True,
                              cwd=cwd or REPO, env={**self.env, **(env or {})}, input=stdin,
                              timeout=300)

    def login(self, url: str, token: str) -> None:
        out = self.run("login", "--url", url, "--token", token)
        assert out.returncode == 0, out.stderr


@pytest.fixture
def home(tmp_path) -> Home:
    return Home(tmp_path / "home")


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on (bound then released)."""
    return free_port()
