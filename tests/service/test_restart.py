"""Nothing accepted is lost: kill -9 of the server with 20 submissions queued, then a restart,
ends with all 20 graded exactly once, and the server's worker processes end with it. A worker
process killed mid-grading is replaced and its job graded once. A grading that breaks still
ends with a result."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO

from .conftest import BUNDLES, Api, Server, example_files

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]


def test_kill_9_with_20_queued_then_restart(tmp_path, require_bwrap):
    server = Server(tmp_path / "data", env={"GRADER_WORKERS": "1"}).start()
    try:
        alice = Api(server.url, server.tokens()["alice"])
        files = example_files()
        ids = []
        for _ in range(20):
            r = alice.submit("demo", "fc-optim", files)
            assert r.status_code == 202, r.text
            ids.append(r.json()["id"])
        # wait until the worker is in the middle of a grading, then kill -9
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with server.db() as conn:
                running = conn.execute("SELECT count(*) FROM jobs WHERE status='running'"
                                       ).fetchone()[0]
            if running:
                break
            time.sleep(0.01)
        workers = children(server.proc.pid)
        assert len(workers) >= 1
        server.kill9()
        # the worker processes notice their server is gone and end (with their sandboxes)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(alive(p) for p in workers):
            time.sleep(0.05)
        assert not any(alive(p) for p in workers), [p for p in workers if alive(p)]
        with server.db() as conn:
            states = dict(conn.execute("SELECT status, count(*) FROM jobs GROUP BY status"))
        assert sum(states.values()) == 20
        assert states.get("queued", 0) >= 10, states  # most were still waiting
        assert states.get("running", 0) == 1, states  # one was cut off mid-grading
    finally:
        server.stop()

    restarted = Server(server.data_dir, env={"GRADER_WORKERS": "2"})
    restarted.port = server.port
    restarted.url = server.url
    restarted.start()
    try:
        alice = Api(restarted.url, restarted.tokens()["alice"])
        health = alice.get("/api/v1/health").json()
        assert health["queue"]["recovered_at_start"] == 1
        results = [alice.wait(sid, timeout=240) for sid in ids]
        assert all(r["status"] == "graded" for r in results)
        assert len({r["score"] for r in results}) == 1  # the same files, the same score
        with restarted.db() as conn:
            per_sub = dict(conn.execute("SELECT submission_id, count(*) FROM gradings "
                                        "GROUP BY submission_id"))
            jobs = conn.execute("SELECT count(*), sum(CASE WHEN status='done' THEN 1 ELSE 0 END) "
                                "FROM jobs").fetchone()
            attempts = sorted(a for (a,) in conn.execute("SELECT attempts FROM jobs"))
        assert per_sub == {sid: 1 for sid in ids}  # exactly once each
        assert jobs == (20, 20)
        assert attempts == [1] * 19 + [2]  # only the interrupted one ran twice
    finally:
        restarted.stop()


def children(pid: int) -> list[int]:
    """The ids of process ``pid``'s children (its worker processes among them)."""
    out: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            out += [int(c) for c in f.read().split()]
    return out


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


def worker_processes(server: Server) -> list[int]:
    """The server's grading processes (multiprocessing's spawned children)."""
    found = []
    for pid in children(server.proc.pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"spawn_main" in f.read():
                    found.append(pid)
        except FileNotFoundError:
            pass
    return found


def hanging_files() -> list[tuple[str, bytes]]:
    """The bundled example with an ``adam`` that never returns: its grading lasts at least
    that TODO's time limit."""
    out = []
    for name, data in example_files():
        if name == "nndl/optim.py":
            text = data.decode()
            body = text.index("\n", text.index("):", text.index("def adam("))) + 1
            data = (text[:body] + "    while True:\n        pass\n" + text[body:]).encode()
        out.append((name, data))
    return out


def test_a_worker_process_that_dies_is_replaced_and_its_job_graded(tmp_path, require_bwrap):
    """kill -9 of the worker process in the middle of a grading: the server re-queues that
    job at once (not at its next start), starts another process, and the job is graded
    exactly once, on its second attempt; the next submission is graded as usual."""
    server = Server(tmp_path / "data", env={"GRADER_WORKERS": "1"}).start()
    try:
        alice = Api(server.url, server.tokens()["alice"])
        sid = alice.submit("demo", "fc-optim", hanging_files()).json()["id"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with server.db() as conn:
                if conn.execute("SELECT count(*) FROM jobs WHERE status='running'"
                                ).fetchone()[0]:
                    break
            time.sleep(0.01)
        [worker] = worker_processes(server)
        os.kill(worker, 9)
        result = alice.wait(sid, timeout=240)
        assert result["status"] == "graded", result
        with server.db() as conn:
            assert conn.execute("SELECT attempts, status FROM jobs").fetchall() == [(2, "done")]
            assert server.count("gradings") == 1
        health = alice.get("/api/v1/health").json()
        assert health["queue"]["worker_restarts"] == 1
        [replacement] = worker_processes(server)
        assert replacement != worker
        again = alice.submit("demo", "fc-optim", example_files()).json()["id"]
        assert alice.wait(again)["status"] == "graded"
        assert (f"worker process {worker} died (exit code -9); its job is queued again"
                in server.log.read_text())
    finally:
        server.stop()
    assert not alive(replacement)  # a stopped server leaves no worker process behind


def admin_of(server: Server) -> Api:
    """An admin's client for ``server`` (``grader users add``, as an operator would)."""
    res = subprocess.run([sys.executable, "-m", "grader.cli", "users", "add", "root", "--role",
                          "admin", "--data-dir", str(server.data_dir)], capture_output=True,
                         text=True, cwd=REPO, timeout=120,
                         env={**os.environ, **Server.database_env(server.data_dir)})
    assert res.returncode == 0, res.stderr
    return Api(server.url, res.stdout.strip())


def test_grading_that_breaks_ends_failed_with_traceback(tmp_path, require_bwrap):
    """A built-in whose fixtures got corrupted after it was added: its jobs end 'failed',
    score 0, the traceback for instructors, a plain message for students."""
    builtins = tmp_path / "assignments"
    shutil.copytree(BUNDLES / "tiny-sgd", builtins / "tiny-sgd")
    from grader.assignments.fixtures import build_fixtures
    from grader.assignments.loader import load_assignment
    from grader.config import Settings
    from grader.sandbox.process import ProcessSandbox

    settings = Settings(assignments_dir=builtins)
    build_fixtures(load_assignment("tiny-sgd", settings), ProcessSandbox(settings), settings,
                   log=lambda m: None)
    server = Server(tmp_path / "data", env={"GRADER_ASSIGNMENTS_DIR": str(builtins),
                                            "GRADER_WORKERS": "0"}).start()
    try:
        tokens = server.tokens()
        alice, teacher = Api(server.url, tokens["alice"]), Api(server.url, tokens["instructor"])
        ref = (BUNDLES / "tiny-sgd" / "reference" / "tiny" / "optim.py").read_bytes()
        sid = alice.submit("demo", "tiny-sgd", [("tiny/optim.py", ref)]).json()["id"]
    finally:
        server.stop()
    for npz in (builtins / "tiny-sgd" / "fixtures").glob("expected-*.npz"):
        npz.write_bytes(b"corrupted")
    server = Server(server.data_dir, env={"GRADER_ASSIGNMENTS_DIR": str(builtins),
                                          "GRADER_WORKERS": "1"}).start()
    try:
        alice = Api(server.url, tokens["alice"])
        teacher = Api(server.url, tokens["instructor"])
        student_view = alice.wait(sid)
        assert student_view["status"] == "failed" and student_view["score"] == 0
        assert student_view["result"]["failure"] == ("grading failed; your instructor has the "
                                                     "details")
        teacher_view = teacher.get(f"/api/v1/submissions/{sid}").json()
        failure = teacher_view["result"]["failure"]
        assert failure.startswith("internal error:\nTraceback")
        assert "does not match its recorded hash" in failure
        assert len(teacher_view["history"]) == 1
        # a new submission is still accepted (stored, then graded as failed)
        again = alice.submit("demo", "tiny-sgd", [("tiny/optim.py", ref)])
        assert again.status_code == 202, again.text
        assert alice.wait(again.json()["id"])["status"] == "failed"
        # the admin view lists both failures with their reason
        report = admin_of(server).get("/api/v1/admin/queue?inspect=false").json()
        assert report["backend"] == "embedded" and report["broker"] is None
        assert [f["submission_id"] for f in report["recent_failures"]] == [
            again.json()["id"], sid]
        assert report["recent_failures"][0]["reason"].startswith(
            "internal error: grader.assignments.fixtures.FixtureError: ")
        assert "does not match its recorded hash" in report["recent_failures"][0]["reason"]
        hour = next(w for w in report["throughput"] if w["window_seconds"] == 3600)
        assert hour["finished"] == hour["failed"] == 2
        assert report["lanes"]["interactive"]["done"] == 2
        assert [w["alive"] for w in report["workers"]] == [True]  # the server's own pool
        # the assignment's files vanished: refused with 409, nothing stored
        shutil.rmtree(builtins / "tiny-sgd")
        before = server.count("submissions")
        r = alice.submit("demo", "tiny-sgd", [("tiny/optim.py", ref)])
        assert r.status_code == 409
        assert r.json()["detail"].startswith("the assignment cannot be used right now: unknown "
                                             "assignment 'tiny-sgd'")
        assert server.count("submissions") == before
    finally:
        server.stop()
