"""A docker-compose.yml deployment for tests: the real file, started with the Compose this
machine has (``docker compose`` v2, else Debian's ``docker-compose`` 1.29) under a project
name of its own, with the stand-in images of ``scripts/compose-setup.sh``
(``build/compose.env``), reached over real HTTP on a free port."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from pathlib import Path

import httpx

from tests.conftest import REPO
from tests.service.conftest import free_port

ENV_FILE = REPO / "build" / "compose.env"


class Unavailable(RuntimeError):
    """Docker, Compose or the stand-in images are missing (the message says which)."""


def compose_command() -> list[str]:
    """``docker compose`` if the v2 plugin answers, else ``docker-compose``."""
    if shutil.which("docker") is None:
        raise Unavailable("no docker CLI (scripts/docker-setup.sh installs it)")
    if subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        raise Unavailable("no Docker engine answers (scripts/docker-setup.sh starts one)")
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    raise Unavailable("no Compose (scripts/compose-setup.sh installs docker-compose)")


class Deployment:
    """One compose project: ``up``, ``down``, ``exec``, the API as users, SQL on its
    PostgreSQL."""

    def __init__(self, log_dir: Path, env: dict[str, str] | None = None) -> None:
        if not ENV_FILE.is_file():
            raise Unavailable(f"{ENV_FILE} is missing (scripts/compose-setup.sh writes it)")
        self.cmd = compose_command()
        self.project = f"grader-e2e-{os.getpid()}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.metrics_token = secrets.token_hex(8)
        self.env = {**os.environ, "COMPOSE_PROJECT_NAME": self.project,
                    "GRADER_PORT": str(self.port), "POSTGRES_PASSWORD": secrets.token_hex(8),
                    "GRADER_METRICS_TOKEN": self.metrics_token, **(env or {})}
        self.env.pop("GRADER_DOCKER_IMAGE", None)  # the env file names this checkout's
        self.log_dir = log_dir
        log_dir.mkdir(parents=True, exist_ok=True)

    def compose(self, *args: str, check: bool = True, timeout: float = 600,
                stdin: bytes | None = None) -> subprocess.CompletedProcess:
        argv = [*self.cmd, "--env-file", str(ENV_FILE), *args]
        res = subprocess.run(argv, cwd=REPO, env=self.env, capture_output=True,
                             timeout=timeout, input=stdin)
        with open(self.log_dir / "compose-commands.log", "ab") as log:
            log.write(f"$ {' '.join(args)} -> {res.returncode}\n".encode() + res.stdout[-4000:]
                      + res.stderr[-4000:] + b"\n")
        if check and res.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} failed ({res.returncode}):\n"
                                 f"{res.stderr.decode(errors='replace')[-3000:]}")
        return res

    def up(self, workers: int) -> None:
        self.compose("up", "-d", "--no-build", "--scale", f"worker={workers}")

    def containers(self, service: str) -> list[str]:
        """Ids of the service's containers, running or not."""
        out = self.compose("ps", "-q", service).stdout.decode().split()
        return sorted(out)

    def inspect(self, container: str) -> dict:
        out = subprocess.run(["docker", "inspect", container], capture_output=True,
                             check=True).stdout
        return json.loads(out)[0]

    def exec(self, service: str, *argv: str, stdin: bytes | None = None) -> bytes:
        return self.compose("exec", "-T", service, *argv, stdin=stdin).stdout

    def sql(self, query: str, database: str = "grader") -> list[list[str]]:
        """Rows of ``query`` on the deployment's PostgreSQL (as text; through ``docker
        exec``, quicker than Compose's)."""
        if not getattr(self, "_pg", None):
            self._pg = self.containers("postgres")[0]
        res = subprocess.run(["docker", "exec", self._pg, "psql", "-U", "grader", "-d",
                              database, "-tA", "-F", "\t", "-c", query], capture_output=True,
                             text=True, timeout=60)
        assert res.returncode == 0, res.stderr
        return [line.split("\t") for line in res.stdout.splitlines() if line]

    def wait_healthy(self, workers: int, timeout: float = 240) -> float:
        """Wait until the API answers and ``workers`` workers heartbeat; the seconds it took."""
        t0 = time.monotonic()
        deadline = t0 + timeout
        last = ""
        while time.monotonic() < deadline:
            try:
                r = httpx.get(self.url + "/metrics", timeout=3,
                              headers={"Authorization": f"Bearer {self.metrics_token}"})
                if r.status_code == 200:
                    alive = [line for line in r.text.splitlines()
                             if line.startswith("grader_worker_up{") and line.endswith(" 1.0")]
                    if len(alive) >= workers:
                        return time.monotonic() - t0
                    last = f"{len(alive)} worker(s) alive"
                else:
                    last = f"/metrics answered {r.status_code}"
            except httpx.HTTPError as exc:
                last = str(exc)
            time.sleep(0.5)
        self.save_logs("unhealthy")
        raise AssertionError(f"deployment not healthy in {timeout} s: {last}")

    def logs(self, *services: str) -> str:
        return self.compose("logs", "--no-color", *services).stdout.decode(errors="replace")

    def save_logs(self, name: str) -> None:
        (self.log_dir / f"{name}.log").write_text(self.logs())

    def down(self, volumes: bool = False) -> None:
        self._pg = None
        self.compose("down", *(["-v"] if volumes else []), "--remove-orphans", timeout=300)
