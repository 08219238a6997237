"""Submissions that try to cheat or escape gain nothing and leave no trace on the host."""

from __future__ import annotations

import socket
import threading
import uuid
from pathlib import Path

import pytest

from grader.sandbox.process import live_processes

from .conftest import REPO, reference_with, run_grade, todo

pytestmark = pytest.mark.sandbox

FAKE_RESULT = """
import json, os, sys
fake = {"score": 100, "todos": [{"id": "adam", "score": 13, "status": "passed"}]}
print(json.dumps(fake))
sys.stdout.write("GRF1" + json.dumps(fake))
try:
    os.write(1, b"GRF1\\x00\\x00\\x00\\x10{}")
    os.write(2, b"score: 100/100")
    for fd in range(3, 64):
        try:
            os.write(fd, b"GRF1" + json.dumps(fake).encode())
        except OSError:
            pass
except OSError:
    pass
for name in ("results.json", "/tmp/results.json", "../results.json"):
    try:
        with open(name, "w") as fh:
            json.dump(fake, fh)
    except OSError:
        pass
"""

WRONG_ADAM = """
def adam(w, dw, config=None):
    if config is None:
        config = {}
    return w, config
"""


def _adam_score(fc_optim, files, process_sandbox, settings):
    result = run_grade(fc_optim, files, process_sandbox, settings)
    assert result.status == "graded", result.failure
    return result, todo(result, "adam").score


def test_printing_and_writing_fake_results_gains_nothing(fc_optim, process_sandbox, settings):
    files = reference_with(fc_optim, {"nndl/optim.py": WRONG_ADAM})
    files["nndl/optim.py"] += FAKE_RESULT.encode()
    result, score = _adam_score(fc_optim, files, process_sandbox, settings)
    assert score == 0
    # writing into the grader's channel at import time costs the statement that does it
    assert result.score == 100 - 13, [(t.id, t.feedback) for t in result.todos
                                      if t.score < t.max_score]
    assert any("grader's private channel" in p.message for p in result.import_errors)


def test_printing_fake_results_inside_the_function_gains_nothing(fc_optim, process_sandbox,
                                                                 settings):
    files = reference_with(fc_optim, {"nndl/optim.py": WRONG_ADAM.replace(
        "return w, config", FAKE_RESULT.replace("\n", "\n    ") + "\n    return w, config")})
    result, score = _adam_score(fc_optim, files, process_sandbox, settings)
    assert score == 0
    assert result.score == 100 - 13
    adam = todo(result, "adam")
    assert any("grader's channel" in c.feedback for c in adam.checks)


def test_monkeypatching_numpy_comparisons_gains_nothing(fc_optim, process_sandbox, settings):
    patch = b"""
import numpy as _np
_np.allclose = lambda *a, **k: True
_np.isclose = lambda *a, **k: True
_np.array_equal = lambda *a, **k: True
_np.testing.assert_allclose = lambda *a, **k: None
_np.max = lambda *a, **k: 0.0
_np.abs = lambda x, *a, **k: x * 0
"""
    files = reference_with(fc_optim, {"nndl/optim.py": WRONG_ADAM})
    files["nndl/optim.py"] = patch + files["nndl/optim.py"]
    _, score = _adam_score(fc_optim, files, process_sandbox, settings)
    assert score == 0


@pytest.mark.parametrize("body,expected", [
    ("class Liar:\n        def __eq__(self, o):\n            return True\n"
     "        __ne__ = lambda s, o: False\n    return Liar(), config", "Liar"),
    ("class Sub(np.ndarray):\n        def __sub__(self, o):\n"
     "            return np.zeros(self.shape)\n        __abs__ = lambda s: np.zeros(s.shape)\n"
     "    return np.zeros_like(w).view(Sub), config", "ndarray subclass"),
    ("return np.array([[None] * w.shape[-1]] * w.shape[0], dtype=object), config",
     "dtype object"),
])
def test_foreign_return_values_gain_nothing(body, expected, fc_optim, process_sandbox,
                                            settings):
    src = f"def adam(w, dw, config=None):\n    config = config or {{}}\n    {body}\n"
    result, score = _adam_score(fc_optim, reference_with(fc_optim, {"nndl/optim.py": src}),
                                process_sandbox, settings)
    assert score == 0
    first = todo(result, "adam").checks[0]
    assert expected in first.feedback and "return a plain numpy array" in first.feedback or \
        expected in first.feedback


def test_shipping_numpy_py_and_sitecustomize_changes_nothing(fc_optim, process_sandbox,
                                                            settings):
    evil = b"raise SystemExit('evil module ran')\n"
    files = reference_with(fc_optim, {"nndl/optim.py": WRONG_ADAM}, extra={
        "numpy.py": evil, "sitecustomize.py": evil, "usercustomize.py": evil,
        "nndl/numpy.py": evil})
    result, score = _adam_score(fc_optim, files, process_sandbox, settings)
    assert score == 0
    assert result.score == 100 - 13
    assert not result.import_errors


SEARCH = """
def adam(w, dw, config=None):
    import os
    found = []
    for path in ("/etc/shadow", "/root", "/work", "/home", "/var/run/docker.sock",
                 "/proc/1/root/work"):
        try:
            if os.path.isdir(path):
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
            if name.endswith(".npz") or name in ("manifest.toml", "index.json", "reference",
                                                 "fixtures", "shadow"):
                found.append(os.path.join(root, name))
    raise RuntimeError("FOUND " + repr(found) if found else "NOTHING FOUND")
"""


def test_sandbox_environment_holds_no_grader_secrets(fc_optim, process_sandbox, settings,
                                                     monkeypatch):
    monkeypatch.setenv("GRADER_SECRET_TOKEN", "s3cr3t")
    src = """
def adam(w, dw, config=None):
    import os
    leaks = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/environ", "rb") as fh:
                    if b"s3cr3t" in fh.read():
                        leaks.append(pid)
            except OSError:
                pass
    if "s3cr3t" in repr(dict(os.environ)):
        leaks.append("self")
    raise RuntimeError(f"LEAKS {leaks}")
"""
    result, _ = _adam_score(fc_optim, reference_with(fc_optim, {"nndl/optim.py": src}),
                            process_sandbox, settings)
    errors = {c.error.split(" (")[0] for c in todo(result, "adam").checks if c.error}
    assert errors == {"RuntimeError: LEAKS []"}


def test_searching_for_reference_and_fixtures_finds_nothing(fc_optim, process_sandbox,
                                                          settings):
    result, score = _adam_score(fc_optim, reference_with(fc_optim, {"nndl/optim.py": SEARCH}),
                                process_sandbox, settings)
    assert score == 0
    errors = {c.error.split(" (")[0] for c in todo(result, "adam").checks if c.error}
    assert errors == {"RuntimeError: NOTHING FOUND"}, errors


def test_writing_outside_and_network_leave_no_trace(fc_optim, process_sandbox, settings,
                                                    tmp_path):
    token = uuid.uuid4().hex
    targets = [REPO / f"PWNED-{token}", Path("/tmp") / f"pwned-{token}",
               tmp_path / f"pwned-{token}", Path.home() / f"pwned-{token}"]
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
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
    paths = ", ".join(repr(str(p)) for p in targets)
    src = f"""
def adam(w, dw, config=None):
    import os, socket, subprocess
    for p in [{paths}]:
        try:
            with open(p, "w") as fh:
                fh.write("pwned")
        except OSError:
            pass
    for host in ("127.0.0.1", "10.0.2.2", "8.8.8.8"):
        try:
            s = socket.create_connection((host, {port}), timeout=0.5)
            s.sendall(b"{token}")
        except OSError:
            pass
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv("/usr/bin/python3", ["python3", "-c", "import time; time.sleep(600)",
                                          "{token}"])
        os._exit(0)
    return w, config or {{}}
"""
    try:
        result, score = _adam_score(fc_optim,
                                    reference_with(fc_optim, {"nndl/optim.py": src}),
                                    process_sandbox, settings)
    finally:
        stop.set()
        thread.join(2)
        server.close()
    assert score == 0
    assert accepted == []
    assert [p for p in targets if p.exists()] == []
    base = settings.sandbox_uid_base
    daemons = []
    for pid in live_processes(range(base, base + 100_000)):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if token.encode() in fh.read():
                    daemons.append(pid)
        except OSError:
            pass
    assert daemons == []


def test_prints_of_hidden_checks_never_reach_students(fc_optim, process_sandbox, settings):
    from grader.scoring.score import for_students

    src = """
def adam(w, dw, config=None):
    print("SHAPE", w.shape)
    print("\\x00GRADER-CHECK:0123456789abcdef:0\\x00forged marker")
    if config is None:
        config = {}
    return w, config
"""
    files = reference_with(fc_optim, {"nndl/optim.py": src})
    files["nndl/optim.py"] = b"print('IMPORTED')\n" + files["nndl/optim.py"]
    result, _ = _adam_score(fc_optim, files, process_sandbox, settings)
    full = todo(result, "adam")
    assert "SHAPE (7,)" in full.output and "SHAPE (4, 5)" in full.output
    visible = [c for c in full.checks if c.visibility == "visible"][0]
    assert "SHAPE (4, 5)" in visible.output and "forged marker" in visible.output
    view = for_students(result)
    student = todo(view, "adam")
    assert "SHAPE (4, 5)" in student.output and "IMPORTED" in view.import_output
    assert "SHAPE (7,)" not in student.output
    assert all(c.output is None for c in student.checks if c.visibility != "visible")
