"""The real service over real HTTP: ``grader serve`` in a subprocess, the real bubblewrap
sandbox (``GRADER_SANDBOX=process``, so Docker is not needed), and a real database: every test
here runs twice, on a SQLite file and on a PostgreSQL server (the ``database`` fixture; each
data folder gets a fresh PostgreSQL database of its own)."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import CI, REPO

BUNDLES = Path(__file__).resolve().parent / "bundles"
EXAMPLE = REPO / "examples" / "fc-optim" / "adam_no_bias_correction"

# small limits so that the limit tests send small bodies
LIMITS = {"GRADER_MAX_SUBMISSION_FILES": "6", "GRADER_MAX_FILE_KB": "64",
          "GRADER_MAX_SUBMISSION_KB": "256", "GRADER_MAX_REQUEST_KB": "512",
          "GRADER_MAX_ROSTER_ROWS": "50",
          # most tests submit many times in a row as one student: no per-student quota
          # (tests/service/test_fairness.py starts servers with the defaults)
          "GRADER_SUBMISSIONS_PER_HOUR": "0", "GRADER_MAX_PENDING_PER_STUDENT": "0"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Db:
    """A DB-API connection to a server's database, SQLite or PostgreSQL (``?`` parameters)."""

    def __init__(self, url: str | None, sqlite_path: Path) -> None:
        if url:
            import psycopg

            self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
            self.mark = "%s"
        else:
            self.conn = sqlite3.connect(sqlite_path)
            self.mark = "?"

    def __enter__(self) -> Db:
        return self

    def __exit__(self, *exc) -> None:
        self.conn.commit()
        self.conn.close()

    def execute(self, sql: str, params: tuple = ()):
        return self.conn.execute(sql.replace("?", self.mark), params)


class Server:
    """``grader serve`` on a free port with its own data folder (and, on PostgreSQL, its own
    database: the same for every server started on that folder)."""

    #: Makes a fresh PostgreSQL database (set by the ``database`` fixture; None: SQLite).
    new_database = None
    databases: dict[Path, str] = {}

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None,
                 demo: bool = True) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "GRADER_SANDBOX": "process", "GRADER_WORKERS": "2",
                    "GRADER_QUEUE_POLL_SECONDS": "0.2", **LIMITS,
                    **self.database_env(data_dir), **(env or {})}
        self.db_url = self.env.get("GRADER_DATABASE_URL")
        self.demo = demo
        self.proc: subprocess.Popen | None = None
        self.log = data_dir / "server.log"

    def start(self, timeout: float = 60) -> Server:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-m", "grader.cli", "serve", "--data-dir", str(self.data_dir),
                "--port", str(self.port)] + (["--demo"] if self.demo else [])
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                         env=self.env, cwd=REPO, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()[-3000:]}")

    def tokens(self) -> dict[str, str]:
        return json.loads((self.data_dir / "demo-tokens.json").read_text())["tokens"]

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    @classmethod
    def database_env(cls, data_dir: Path) -> dict[str, str]:
        """``GRADER_DATABASE_URL`` of the folder's PostgreSQL database (none on SQLite)."""
        if cls.new_database is None:
            return {}
        if data_dir not in cls.databases:
            cls.databases[data_dir] = cls.new_database()
        return {"GRADER_DATABASE_URL": cls.databases[data_dir]}

    def db(self) -> Db:
        return Db(self.db_url, self.data_dir / "grader.db")

    def count(self, table: str) -> int:
        with self.db() as conn:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


class Api:
    """An HTTP client acting as one user."""

    def __init__(self, url: str, token: str | None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=url, headers=headers, timeout=120)

    def get(self, path: str, **kw) -> httpx.Response:
        return self.http.get(path, **kw)

    def post(self, path: str, **kw) -> httpx.Response:
        return self.http.post(path, **kw)

    def patch(self, path: str, **kw) -> httpx.Response:
        return self.http.patch(path, **kw)

    def submit(self, course: str, assignment: str, files: list[tuple[str, bytes]]
               ) -> httpx.Response:
        return self.post(f"/api/v1/courses/{course}/assignments/{assignment}/submissions",
                         files=[("files", (name, data)) for name, data in files])

    def wait(self, submission_id: int, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.get(f"/api/v1/submissions/{submission_id}").json()
            if body["status"] in ("graded", "failed"):
                return body
            time.sleep(0.1)
        raise AssertionError(f"submission {submission_id} not graded in {timeout} s: {body}")

    def wait_validation(self, validation_id: int, timeout: float = 180) -> dict:
        """Poll a bundle validation until it passed or failed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self.get(f"/api/v1/validations/{validation_id}")
            assert r.status_code == 200, r.text
            body = r.json()
            if body["status"] in ("passed", "failed"):
                return body
            time.sleep(0.2)
        raise AssertionError(f"validation {validation_id} not done in {timeout} s: {body}")

    def upload_bundle(self, course: str, data: bytes, **form) -> dict:
        """Upload a bundle (202: its validation is queued) and wait for the outcome."""
        r = self.post(f"/api/v1/courses/{course}/assignments/bundle",
                      files={"bundle": ("bundle.zip", data)}, data=form)
        assert r.status_code == 202, r.text
        assert r.json()["status"] == "queued" and r.json()["url"].startswith(
            "/api/v1/validations/")
        return self.wait_validation(r.json()["id"])

    def wait_regrade(self, regrade_id: int, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.get(f"/api/v1/regrades/{regrade_id}").json()
            if body["status"] != "running":
                return body
            time.sleep(0.1)
        raise AssertionError(f"regrade {regrade_id} not done: {body}")


def make_zip(entries: dict[str, bytes], symlink: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16)
            zf.writestr(info, "/etc/passwd")
    return out.getvalue()


def bundle_zip(folder: Path, edit: dict[str, bytes | None] | None = None,
               top: str | None = "tiny-sgd") -> bytes:
    """The folder as a bundle zip (``edit``: replace or, with None, drop files)."""
    files = {p.relative_to(folder).as_posix(): p.read_bytes()
             for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts
             and "fixtures" not in p.parts}
    for rel, data in (edit or {}).items():
        if data is None:
            files.pop(rel, None)
        else:
            files[rel] = data
    return make_zip({(f"{top}/{k}" if top else k): v for k, v in files.items()})


def example_files() -> list[tuple[str, bytes]]:
    return [(f"nndl/{p.name}", p.read_bytes())
            for p in sorted((EXAMPLE / "nndl").glob("*.py"))]


@pytest.fixture(scope="session")
def require_bwrap():
    from grader.sandbox.process import bwrap_path

    if not bwrap_path():
        if CI:
            pytest.fail("bubblewrap is required under CI=true (scripts/setup.sh installs it)")
        pytest.skip("bubblewrap is not installed")


@pytest.fixture(scope="session", autouse=True,
                params=["sqlite", pytest.param("postgres", marks=pytest.mark.servers)])
def database(request):
    """The database every server of the test uses: a SQLite file, or PostgreSQL."""
    if request.param == "postgres":
        Server.new_database = request.getfixturevalue("postgres_server").new_database
    else:
        Server.new_database = None
    yield request.param
    Server.new_database = None


@pytest.fixture(scope="session")
def server(tmp_path_factory, require_bwrap, database):
    srv = Server(tmp_path_factory.mktemp("service")).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def tokens(server) -> dict[str, str]:
    return server.tokens()


@pytest.fixture(scope="session")
def instructor(server, tokens) -> Api:
    return Api(server.url, tokens["instructor"])


@pytest.fixture(scope="session")
def alice(server, tokens) -> Api:
    return Api(server.url, tokens["alice"])


@pytest.fixture(scope="session")
def bob(server, tokens) -> Api:
    return Api(server.url, tokens["bob"])


@pytest.fixture(scope="session")
def tiny_course(server, instructor, alice, bob) -> str:
    """Course 'tiny' with the tiny-sgd bundle published and alice and bob enrolled."""
    r = instructor.post("/api/v1/courses", json={"slug": "tiny", "title": "Tiny"})
    assert r.status_code == 201, r.text
    r = instructor.post("/api/v1/courses/tiny/roster",
                        files={"file": ("roster.csv", b"name\nalice\nbob\n")})
    assert r.status_code == 200, r.text
    v = instructor.upload_bundle("tiny", bundle_zip(BUNDLES / "tiny-sgd"), publish="true")
    assert v["status"] == "passed", v
    return "tiny"
