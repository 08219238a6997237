"""A scale-out deployment for tests: real Redis and PostgreSQL servers, the API (``grader
serve`` with ``GRADER_QUEUE=celery``) and ``grader worker`` processes, each a subprocess with
its own data folder, reached over real HTTP and the real database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.service.conftest import (  # noqa: F401 - fixtures and helpers used here
    BUNDLES,
    Api,
    Server,
    bundle_zip,
    example_files,
    require_bwrap,
)

from .servers import RedisServer, ServerUnavailable

#: Fast leases and sweeps, so that a dead worker's job is re-run within seconds.
FAST = {"GRADER_JOB_HEARTBEAT_SECONDS": "0.5", "GRADER_JOB_LEASE_SECONDS": "3",
        "GRADER_SWEEP_SECONDS": "1", "GRADER_GRADING_SECONDS": "60",
        "GRADER_VISIBILITY_TIMEOUT_SECONDS": "120"}


def scale_env(broker_url: str, database_url: str) -> dict[str, str]:
    return {"GRADER_QUEUE": "celery", "GRADER_BROKER_URL": broker_url,
            "GRADER_DATABASE_URL": database_url, "GRADER_SANDBOX": "process", **FAST}


class Worker:
    """``grader worker`` in a subprocess (optionally inside a network namespace)."""

    def __init__(self, name: str, data_dir: Path, env: dict[str, str], concurrency: int = 1,
                 netns: str | None = None, pool: str = "prefork") -> None:
        self.name = f"{name}@{socket.gethostname()}"
        self.data_dir = data_dir
        self.env = {**os.environ, **env}
        self.argv = [sys.executable, "-m", "grader.cli", "worker", "--concurrency",
                     str(concurrency), "--name", self.name, "--data-dir", str(data_dir),
                     "--pool", pool]
        if netns:
            self.argv = ["ip", "netns", "exec", netns] + self.argv
        self.log = data_dir / "worker.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Worker:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                         env=self.env, cwd=REPO, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log.read_text()[-3000:]}")
            if f"worker {self.name} ready" in self.log.read_text(errors="replace"):
                return self
            time.sleep(0.1)
        raise RuntimeError(f"worker did not start: {self.log.read_text()[-3000:]}")

    def children(self) -> list[int]:
        """Pids of the worker's pool processes (``ip netns exec`` execs the worker, so the
        pid is the worker's in both cases)."""
        assert self.proc is not None
        kids = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if stat[0] != "Z" and int(stat[1]) == self.proc.pid:
                kids.append(int(pid))
        return kids

    def kill9(self) -> None:
        """SIGKILL to the worker and everything it started (a machine that died)."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # warm shutdown: running gradings finish
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


class Deployment:
    """Redis (its own), a fresh PostgreSQL database, an API server and workers."""

    def __init__(self, root: Path, redis: RedisServer, database_url: str,
                 api_env: dict[str, str] | None = None) -> None:
        self.root = root
        self.redis = redis
        self.database_url = database_url
        self.env = scale_env(redis.url(), database_url)
        self.api = Server(root / "api", env={**self.env, **(api_env or {})})
        self.workers: list[Worker] = []

    def start_api(self) -> Server:
        return self.api.start()

    def restart_api(self) -> Server:
        old = self.api
        self.api = Server(old.data_dir, env={k: v for k, v in old.env.items()
                                             if k.startswith("GRADER_")})
        self.api.port, self.api.url = old.port, old.url
        return self.api.start()

    def add_worker(self, name: str, **kw) -> Worker:
        env = {**self.env, **kw.pop("env", {})}
        w = Worker(name, self.root / name, env, **kw).start()
        self.workers.append(w)
        return w

    def api_as(self, who: str) -> Api:
        return Api(self.api.url, self.api.tokens()[who])

    def admin(self) -> Api:
        """An admin's client (created with ``grader users add``, as an operator would)."""
        res = subprocess.run([sys.executable, "-m", "grader.cli", "users", "add", "root",
                              "--role", "admin", "--data-dir", str(self.api.data_dir)],
                             capture_output=True, text=True, cwd=REPO, timeout=120,
                             env={**os.environ, "GRADER_DATABASE_URL": self.database_url})
        assert res.returncode == 0, res.stderr
        return Api(self.api.url, res.stdout.strip())

    def ping(self) -> int:
        """Exit code of ``grader worker --ping`` (the workers' container healthcheck)."""
        return subprocess.run([sys.executable, "-m", "grader.cli", "worker", "--ping"],
                              capture_output=True, cwd=REPO, timeout=60,
                              env={**os.environ, **self.env}).returncode

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self.api.db() as conn:
            return [tuple(r) for r in conn.execute(sql, params)]

    def close(self) -> None:
        for w in self.workers:
            w.stop()
        self.api.stop()


@pytest.fixture
def redis():
    """A Redis server of the test's own (no message of another test can reach its workers)."""
    from .fixtures import _unavailable

    try:
        server = RedisServer().start()
    except ServerUnavailable as exc:
        _unavailable(exc)
    yield server
    server.close()


@pytest.fixture
def deployment(tmp_path, redis, postgres_server, require_bwrap):  # noqa: F811
    dep = Deployment(tmp_path, redis, postgres_server.new_database())
    yield dep
    dep.close()


def wait_for(predicate, timeout: float = 120, what: str = "condition", every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
