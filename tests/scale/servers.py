"""Real Redis and PostgreSQL servers for tests and benchmarks: each on a free port, in its own
temporary folder, stopped (and its folder removed) at the end.

PostgreSQL refuses to run as root, so its cluster is created and run as an unprivileged user
(Debian's ``postgres`` account, created by the package, else ``nobody``). Both listen on
127.0.0.1 and on any extra addresses given (the host ends of the network-namespace test's
veth links); PostgreSQL trusts the loopback and those links only.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

INSTALL_HINT = "run scripts/scale-setup.sh (make test runs it)"


class ServerUnavailable(RuntimeError):
    """A server's program is missing or it did not start (the message says why)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(host: str, port: int, proc: subprocess.Popen, log: Path, what: str,
               timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerUnavailable(f"{what} exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise ServerUnavailable(f"{what} did not listen on {host}:{port}: "
                            f"{log.read_text()[-2000:]}")


def _stop(proc: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        return
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


class RedisServer:
    """``redis-server`` with an append-only file in its folder (messages survive a restart)."""

    def __init__(self, bind: tuple[str, ...] = ()) -> None:
        self.binary = shutil.which("redis-server")
        if not self.binary:
            raise ServerUnavailable(f"redis-server is not installed; {INSTALL_HINT}")
        self.dir = Path(tempfile.mkdtemp(prefix="grader-redis-"))
        self.port = free_port()
        self.bind = ("127.0.0.1",) + tuple(bind)
        self.proc: subprocess.Popen | None = None

    def url(self, host: str = "127.0.0.1", db: int = 0) -> str:
        return f"redis://{host}:{self.port}/{db}"

    def start(self) -> RedisServer:
        log = self.dir / "redis.log"
        argv = [self.binary, "--port", str(self.port), "--bind", *self.bind,
                "--dir", str(self.dir), "--appendonly", "yes", "--save", "",
                "--protected-mode", "no", "--daemonize", "no", "--logfile", str(log)]
        log.touch()
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        _wait_port("127.0.0.1", self.port, self.proc, log, "redis-server")
        return self

    def stop(self) -> None:
        _stop(self.proc)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if found:
        return found[-1]
    path = shutil.which(name)
    if not path:
        raise ServerUnavailable(f"PostgreSQL's {name} is not installed; {INSTALL_HINT}")
    return path


def _unprivileged() -> pwd.struct_passwd:
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise ServerUnavailable("no unprivileged account (postgres or nobody) to run PostgreSQL")


class PostgresServer:
    """A PostgreSQL cluster of its own (``initdb``), superuser ``grader`` with a password."""

    PASSWORD = "grader-test-pw"

    def __init__(self, listen: tuple[str, ...] = (), trust: tuple[str, ...] = ()) -> None:
        self.initdb, self.postgres = _pg_bin("initdb"), _pg_bin("postgres")
        self.user = _unprivileged() if os.geteuid() == 0 else None
        self.dir = Path(tempfile.mkdtemp(prefix="grader-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.listen = ("127.0.0.1",) + tuple(listen)
        self.trust = trust
        self.proc: subprocess.Popen | None = None
        self._dbs = 0

    def _as_user(self) -> dict:
        if self.user is None:
            return {}
        uid, gid = self.user.pw_uid, self.user.pw_gid

        def demote() -> None:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)

        return {"preexec_fn": demote}

    def url(self, db: str = "postgres", host: str = "127.0.0.1") -> str:
        return f"postgresql://grader:{self.PASSWORD}@{host}:{self.port}/{db}"

    def start(self) -> PostgresServer:
        if self.user is not None:
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)
        pwfile = self.dir / "pw"
        pwfile.write_text(self.PASSWORD + "\n")
        if self.user is not None:
            os.chown(pwfile, self.user.pw_uid, self.user.pw_gid)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "LC_ALL": "C.UTF-8"}
        out = subprocess.run([self.initdb, "-D", str(self.data), "-U", "grader", "-E", "UTF8",
                              "--auth=scram-sha-256", f"--pwfile={pwfile}", "--no-sync"],
                             capture_output=True, text=True, env=env, cwd=self.dir,
                             **self._as_user())
        if out.returncode != 0:
            raise ServerUnavailable(f"initdb failed: {out.stderr[-2000:]}")
        hba = ["local all all scram-sha-256", "host all all 127.0.0.1/32 scram-sha-256"]
        hba += [f"host all all {net} scram-sha-256" for net in self.trust]
        (self.data / "pg_hba.conf").write_text("\n".join(hba) + "\n")
        log = self.dir / "postgres.log"
        log.touch()
        if self.user is not None:
            os.chown(log, self.user.pw_uid, self.user.pw_gid)
        argv = [self.postgres, "-D", str(self.data), "-p", str(self.port),
                "-c", f"listen_addresses={','.join(self.listen)}",
                "-c", f"unix_socket_directories={self.dir}", "-c", "fsync=off",
                "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                "-c", "max_connections=200", "-c", "shared_buffers=64MB"]
        with open(log, "ab") as fh:
            self.proc = subprocess.Popen(argv, stdout=fh, stderr=subprocess.STDOUT, env=env,
                                         cwd=self.dir, start_new_session=True,
                                         **self._as_user())
        _wait_port("127.0.0.1", self.port, self.proc, log, "postgres")
        self._ready()
        return self

    def _ready(self, timeout: float = 30.0) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.url().replace("postgresql://", "postgresql://", 1),
                                     connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def new_database(self, prefix: str = "grader") -> str:
        """A fresh empty database; returns its URL."""
        import psycopg

        self._dbs += 1
        name = f"{prefix}_{os.getpid()}_{self._dbs}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        _stop(self.proc, signal.SIGINT)  # fast shutdown

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
