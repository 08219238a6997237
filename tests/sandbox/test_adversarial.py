"""Hostile submissions, graded for real in both sandboxes (bubblewrap and Docker).

Each case: the grading finishes within its limit, the verdict is right (the hostile TODO loses
its points, the others keep theirs), and nothing is left running or written on the host.
"""

from __future__ import annotations

import io
import socket
import threading
import time
import uuid
import zipfile
from pathlib import Path

import pytest

from grader.sandbox.payloads import limits_for
from grader.submission import SubmissionError, load_submission

from ..conftest import REPO, reference_with, run_grade, todo
from .conftest import SANDBOXES, leftovers

#: fc-optim's points for the TODOs these cases attack.
ADAM_POINTS = 13
SGD_MOMENTUM_POINTS = 10


def grade_timed(fc_optim, files, sandbox, settings, limit_seconds):
    """Grade; check the time limit and that nothing was left behind; return the result."""
    before = len(sandbox.used)
    t0 = time.monotonic()
    result = run_grade(fc_optim, files, sandbox, settings)
    elapsed = time.monotonic() - t0
    assert result.status == "graded", result.failure
    assert result.sandbox == sandbox.name
    assert elapsed < limit_seconds, f"grading took {elapsed:.1f} s"
    assert leftovers(sandbox, settings, before) == []
    return result


def only_adam_lost(result):
    assert result.score == 100 - ADAM_POINTS, [(t.id, t.score, t.feedback) for t in result.todos]
    assert todo(result, "adam").score == 0


def statuses(result, todo_id):
    return {c.status for c in todo(result, todo_id).checks}


def adam_doing(body: str, then: str = "return w, config") -> str:
    """Source of an ``adam`` that runs ``body`` (indented 4) and then ``then``."""
    lines = "\n".join("    " + line for line in body.strip("\n").splitlines())
    return (f"def adam(w, dw, config=None):\n    config = config or {{}}\n{lines}\n"
            f"    {then}\n")


#: Run a test in both sandboxes.
both = pytest.mark.parametrize("sandbox", SANDBOXES, indirect=True)


@both
def test_fork_bomb_costs_its_todo_only(fc_optim, sandbox, sandbox_settings):
    src = adam_doing("""
import os
while True:
    try:
        os.fork()
    except OSError:
        pass
""")
    result = grade_timed(fc_optim, reference_with(fc_optim, {"nndl/optim.py": src}), sandbox,
                         sandbox_settings, 30)
    only_adam_lost(result)
    assert "timeout" in statuses(result, "adam")


@both
def test_memory_bomb_costs_its_todo_only(fc_optim, sandbox, sandbox_settings):
    src = adam_doing("""
hog = []
while True:
    hog.append(bytearray(64 * 2**20))
""")
    result = grade_timed(fc_optim, reference_with(fc_optim, {"nndl/optim.py": src}), sandbox,
                         sandbox_settings, 30)
    only_adam_lost(result)
    assert "MemoryError" in todo(result, "adam").checks[0].feedback


@both
def test_memory_bomb_of_many_processes_is_held(fc_optim, sandbox, sandbox_settings):
    # Each process stays under the per-process address-space limit; together they exceed the
    # run's memory (the container's; the process sandbox's cgroup).
    if sandbox.name == "process" and sandbox.cgroups is not None:
        pytest.skip(f"no cgroup per run here ({sandbox.cgroups}): the total would only be "
                    "bounded by nproc x memory_mb")
    src = adam_doing("""
import os, time
for _ in range(24):
    if os.fork() == 0:
        try:
            hog = bytearray(400 * 2**20)
            for i in range(0, len(hog), 4096):
                hog[i] = 1
        except MemoryError:
            pass
        time.sleep(60)
        os._exit(0)
time.sleep(60)
""")
    result = grade_timed(fc_optim, reference_with(fc_optim, {"nndl/optim.py": src}), sandbox,
                         sandbox_settings, 30)
    only_adam_lost(result)
    assert statuses(result, "adam") <= {"timeout", "crashed", "not_run"}


@pytest.mark.parametrize("body", ["while True:\n    pass", "import time\ntime.sleep(3600)"],
                         ids=["infinite-loop", "sleep"])
@both
def test_running_past_the_limit_is_stopped(body, fc_optim, sandbox, sandbox_settings):
    result = grade_timed(fc_optim, reference_with(fc_optim, {"nndl/optim.py": adam_doing(body)}),
                         sandbox, sandbox_settings, 30)
    only_adam_lost(result)
    adam = todo(result, "adam")
    assert adam.checks[0].status == "timeout"
    limit = limits_for(fc_optim, sandbox_settings)["check_seconds"]
    assert f"did not finish within {limit:g} s" in adam.checks[0].feedback
    # after one timeout the TODO's next check gets a short limit, after two the rest waits
    assert [c.status for c in adam.checks].count("timeout") == 2
    assert {c.status for c in adam.checks} == {"timeout", "not_run"}


@both
def test_ignoring_sigterm_changes_nothing(fc_optim, sandbox, sandbox_settings):
    src = adam_doing("""
import os, signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGHUP, signal.SIG_IGN)
if os.fork() == 0:
    os.setsid()
    while True:
        time.sleep(1)
while True:
    pass
""")
    result = grade_timed(fc_optim, reference_with(fc_optim, {"nndl/optim.py": src}), sandbox,
                         sandbox_settings, 30)
    only_adam_lost(result)
    assert todo(result, "adam").checks[0].status == "timeout"


@both
def test_output_flood_is_capped_and_costs_nothing(fc_optim, sandbox, sandbox_settings):
    files = reference_with(fc_optim, {})
    flood = b"""
import os as _os, sys as _sys
for _ in range(64):
    _sys.stdout.write("o" * 65536)
    _sys.stderr.write("e" * 65536)
    _os.write(1, b"O" * 65536)
    _os.write(2, b"E" * 65536)
"""
    # 16 MB in the first call of every check's process (a training check calls adam 240 times)
    files["nndl/optim.py"] = files["nndl/optim.py"].replace(
        b"def adam(w, dw, config=None):",
        b"_FLOODED = []\n\n\ndef adam(w, dw, config=None):\n    if not _FLOODED:\n"
        b"        _FLOODED.append(1)\n" + b"\n".join(
            b"        " + line for line in flood.strip().splitlines()), 1)
    files["nndl/layers.py"] = flood + files["nndl/layers.py"]  # 16 MB at import too
    result = grade_timed(fc_optim, files, sandbox, sandbox_settings, 60)
    assert result.score == 100, [(t.id, t.feedback) for t in result.todos if t.score < t.max_score]


@both
def test_filling_tmp_costs_its_todo_only(fc_optim, sandbox, sandbox_settings):
    token = uuid.uuid4().hex
    src = f"""
def sgd_momentum(w, dw, config=None):
    import os
    written = 0
    for where in ("/tmp", os.getcwd(), "/dev/shm", "/", "/dev", "/var/tmp", "/etc"):
        for i in range(100000):
            try:
                with open(os.path.join(where, "fill-{token}-%d" % i), "wb") as fh:
                    fh.write(b"x" * 2**20)
                written += 1
            except OSError:
                break
    raise RuntimeError("FILLED %d MB" % written)
"""
    result = grade_timed(fc_optim, reference_with(fc_optim, {"nndl/optim.py": src}), sandbox,
                         sandbox_settings, 60)
    assert result.score == 100 - SGD_MOMENTUM_POINTS
    first = todo(result, "sgd_momentum").checks[0]
    filled = int(first.feedback.split("FILLED ")[1].split(" MB")[0])
    # the only writable places are the size-capped /tmp and /dev/shm
    assert 0 < filled <= sandbox_settings.tmpfs_mb + sandbox_settings.shm_mb
    assert list(Path("/tmp").glob(f"fill-{token}-*")) == []
    assert list(Path("/dev/shm").glob(f"fill-{token}-*")) == []


SEARCH = """
def adam(w, dw, config=None):
    import os
    found = []
    for path in ("/etc/shadow", "/root", "/work", "/home", "/var/run/docker.sock",
                 "/run/docker.sock", "/proc/1/root/work"):
        try:
            if os.path.isdir(path):
                if os.listdir(path):
                    found.append(path + ":" + ",".join(os.listdir(path))[:80])
            else:
                with open(path, "rb") as fh:
                    found.append(path + ":" + repr(fh.read(20)))
        except OSError:
            pass
    for root, dirs, files in os.walk("/"):
        if root.startswith(("/proc", "/sys", "/dev", "/usr")):
            dirs[:] = []
            continue
        for name in files + dirs:
            if name.endswith((".npz", ".toml")) or name in (
                    "index.json", "reference", "fixtures", "variants", "fc-optim", "shadow-"):
                found.append(os.path.join(root, name))
    raise RuntimeError("FOUND " + repr(found) if found else "NOTHING FOUND")
"""


@both
def test_reading_shadow_and_the_reference_finds_nothing(fc_optim, sandbox, sandbox_settings):
    result = grade_timed(fc_optim, reference_with(fc_optim, {"nndl/optim.py": SEARCH}), sandbox,
                         sandbox_settings, 30)
    only_adam_lost(result)
    errors = {c.error.split(" (")[0] for c in todo(result, "adam").checks if c.error}
    assert errors == {"RuntimeError: NOTHING FOUND"}, errors


@both
def test_writing_outside_the_work_dir_leaves_no_trace(fc_optim, sandbox, sandbox_settings,
                                                      tmp_path):
    token = uuid.uuid4().hex
    host = [REPO / f"PWNED-{token}", Path("/tmp") / f"pwned-{token}",
            tmp_path / f"pwned-{token}", Path.home() / f"pwned-{token}",
            Path("/var/tmp") / f"pwned-{token}"]
    inside = ["/etc/pwned", "/usr/lib/pwned", "/opt/pwned", "/pwned", "/var/tmp/pwned",
              "/etc/passwd", "/usr/bin/python3"]
    targets = ", ".join(repr(str(p)) for p in host + [Path(p) for p in inside])
    src = adam_doing(f"""
import os, glob
wrote = []
for p in [{targets}]:
    try:
        with open(p, "ab") as fh:
            fh.write(b"pwned")
        wrote.append(p)
    except OSError:
        pass
for p in glob.glob("/opt/grader/**/*.py", recursive=True) + glob.glob(
        "/usr/lib/python3*/**/numpy/__init__.py", recursive=True):
    try:
        with open(p, "ab") as fh:
            fh.write(b"raise SystemExit")
        wrote.append(p)
    except OSError:
        pass
raise RuntimeError("WROTE " + repr(sorted(wrote)))
""")
    result = grade_timed(fc_optim, reference_with(fc_optim, {"nndl/optim.py": src}), sandbox,
                         sandbox_settings, 30)
    only_adam_lost(result)
    errors = {c.error.split(" (")[0] for c in todo(result, "adam").checks if c.error}
    # only the sandbox's private /tmp took the writes
    assert errors == {f"RuntimeError: WROTE ['/tmp/pwned-{token}']"}, errors
    assert [p for p in host if p.exists()] == []


@both
def test_network_reaches_nothing_on_the_host(fc_optim, sandbox, sandbox_settings):
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", 0))
    server.listen(16)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    accepted: list = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                accepted.append(conn.recv(100))
                conn.close()
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    addresses = {"127.0.0.1", "172.17.0.1", "10.0.2.2", "8.8.8.8"}
    try:
        addresses |= {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None,
                                                          socket.AF_INET)}
    except OSError:
        pass
    src = adam_doing(f"""
import socket
reached = []
for host in {sorted(addresses)!r}:
    try:
        s = socket.create_connection((host, {port}), timeout=0.3)
        s.sendall(b"pwned")
        reached.append(host)
    except OSError:
        pass
try:
    socket.getaddrinfo("example.org", 80)
    reached.append("dns")
except OSError:
    pass
raise RuntimeError("REACHED " + repr(reached))
""")
    try:
        result = grade_timed(fc_optim, reference_with(fc_optim, {"nndl/optim.py": src}),
                             sandbox, sandbox_settings, 60)
    finally:
        stop.set()
        thread.join(2)
        server.close()
    only_adam_lost(result)
    assert accepted == []
    errors = {c.error.split(" (")[0] for c in todo(result, "adam").checks if c.error}
    assert errors == {"RuntimeError: REACHED []"}, errors


@both
def test_daemon_outliving_the_harness_is_killed(fc_optim, sandbox, sandbox_settings):
    daemon = """
import os as _os, time as _time
if _os.environ.get("DAEMON_FORKED") != str(_os.getpid()):  # once per process
    _os.environ["DAEMON_FORKED"] = str(_os.getpid())
    if _os.fork() == 0:
        _os.setsid()
        if _os.fork() == 0:
            while True:
                _time.sleep(0.5)
        _os._exit(0)
    _time.sleep(0.05)
"""
    files = reference_with(fc_optim, {})
    # one daemon at import time, one from inside a graded function; both correct otherwise
    files["nndl/layers.py"] = daemon.encode() + files["nndl/layers.py"]
    files["nndl/optim.py"] = files["nndl/optim.py"].replace(
        b"def adam(w, dw, config=None):", b"def adam(w, dw, config=None):\n" + b"\n".join(
            b"    " + line for line in daemon.strip().encode().splitlines()), 1)
    result = grade_timed(fc_optim, files, sandbox, sandbox_settings, 60)
    assert result.score == 100, [(t.id, t.feedback) for t in result.todos if t.score < t.max_score]


def tiny_files(n: int) -> dict[str, bytes]:
    return {f"extra/m{i:05d}.py": f"X = {i}\n".encode() for i in range(n)}


@both
def test_ten_thousand_tiny_files_when_the_limit_allows_them(fc_optim, sandbox,
                                                            sandbox_settings):
    settings = sandbox_settings.model_copy(update={"max_submission_files": 20_000})
    files = reference_with(fc_optim, {}, extra=tiny_files(10_000))
    files["nndl/optim.py"] = b"from extra import m09999\n" + files["nndl/optim.py"]
    result = grade_timed(fc_optim, files, sandbox, settings, 60)
    assert result.score == 100


@both
def test_ten_thousand_tiny_data_files_are_ignored_not_shipped(fc_optim, sandbox,
                                                              sandbox_settings, tmp_path):
    files = reference_with(fc_optim, {})
    for rel, data in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    (tmp_path / "data").mkdir()
    for i in range(10_000):
        (tmp_path / "data" / f"d{i:05d}.txt").write_text("0\n")
    sub = load_submission(tmp_path, fc_optim, sandbox_settings)
    assert not any(rel.startswith("data/") for rel in sub.files)
    assert any("ignored 10000 file(s) that are not graded" in n for n in sub.notes)
    from grader.engine import grade

    before = len(sandbox.used)
    result = grade(fc_optim, sub, sandbox, sandbox_settings)
    assert result.score == 100
    assert leftovers(sandbox, sandbox_settings, before) == []


def test_ten_thousand_tiny_python_files_are_refused_by_default(fc_optim, sandbox_settings,
                                                               tmp_path):
    # The loader refuses before any sandbox runs (so one sandbox suffices here).
    files = reference_with(fc_optim, {}, extra=tiny_files(10_000))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for rel, data in files.items():
            zf.writestr(rel, data)
    (tmp_path / "sub.zip").write_bytes(buf.getvalue())
    n = len([f for f in files if f.endswith(".py")])
    message = (f"the submission has {n} Python files; the limit is "
               f"{sandbox_settings.max_submission_files}. Submit only your code")
    with pytest.raises(SubmissionError) as info:
        load_submission(tmp_path / "sub.zip", fc_optim, sandbox_settings)
    assert str(info.value) == message
    assert [p.name for p in tmp_path.iterdir()] == ["sub.zip"]


@both
def test_overall_time_limit_kills_the_harness_and_its_daemons(fc_optim, sandbox,
                                                              sandbox_settings):
    # The harness itself is stopped mid-check: the sandbox must take every process with it.
    settings = sandbox_settings.model_copy(update={"grading_seconds": 4.0})
    src = adam_doing("""
import os, signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        while True:
            time.sleep(0.5)
    os._exit(0)
while True:
    pass
""")
    result = grade_timed(fc_optim, reference_with(fc_optim, {"nndl/optim.py": src}), sandbox,
                         settings, 4.0 + 5)
    assert todo(result, "adam").score == 0 and result.score < 100
    assert statuses(result, "adam") <= {"timeout", "not_run"}
    assert any("overall time limit" in n for n in result.notes), result.notes
    cut = [c for t in result.todos for c in t.checks if c.status == "not_run"]
    assert cut and all("overall time limit" in c.feedback or "timed out" in c.feedback
                       for c in cut), {c.feedback for c in cut}


@both
def test_an_attack_that_implements_nothing_scores_what_the_starter_scores(
        fc_optim, sandbox, sandbox_settings):
    """Issue 12: rewriting the harness inside the sandbox, keeping other checks' inputs in
    files and shared memory: nothing implemented, nothing gained, in either sandbox."""
    from ..test_trust_boundary import HIJACK, STASH

    files = dict(fc_optim.starter_files())
    files["nndl/optim.py"] += STASH + HIJACK
    for mod in ("nndl/layers.py", "nndl/fc_net.py", "nndl/layer_utils.py"):
        files[mod] += HIJACK
    result = grade_timed(fc_optim, files, sandbox, sandbox_settings, 120)
    assert result.score == 0, [(t.id, t.score) for t in result.todos if t.score]


@both
def test_a_child_cannot_reach_the_supervisor_in_either_sandbox(fc_optim, sandbox,
                                                                sandbox_settings):
    src = adam_doing("""
import ctypes, os
def parent_of(pid):
    with open(f"/proc/{pid}/stat") as fh:
        return int(fh.read().rsplit(")", 1)[1].split()[1])
sup = parent_of(os.getppid())
found = []
for fd in range(0, 16):
    try:
        f = os.open(f"/proc/{sup}/fd/{fd}", os.O_WRONLY)
        os.write(f, b"G2R" + bytes(4))
        found.append(f"fd{fd}")
    except OSError:
        pass
for name in ("mem", "environ"):
    try:
        with open(f"/proc/{sup}/{name}", "rb") as fh:
            fh.read(1)
        found.append(name)
    except OSError:
        pass
if ctypes.CDLL(None).ptrace(16, sup, 0, 0) == 0:
    found.append("ptrace")
raise RuntimeError("REACHED " + " ".join(found) if found else "NOTHING REACHED")
""")
    result = grade_timed(fc_optim, reference_with(fc_optim, {"nndl/optim.py": src}), sandbox,
                         sandbox_settings, 60)
    only_adam_lost(result)
    errors = {c.error.split(" (")[0].split("\n")[0] for c in todo(result, "adam").checks
              if c.error}
    assert errors == {"RuntimeError: NOTHING REACHED"}, errors


@both
def test_huge_results_are_refused_in_the_sandbox(fc_optim, sandbox, sandbox_settings):
    src = adam_doing("import numpy as np", "return np.ones((9, 1000, 1000)), config")
    result = grade_timed(fc_optim, reference_with(fc_optim, {"nndl/optim.py": src}), sandbox,
                         sandbox_settings.model_copy(update={"result_mb": 16}), 60)
    only_adam_lost(result)
    assert any("too large" in c.feedback for c in todo(result, "adam").checks)
