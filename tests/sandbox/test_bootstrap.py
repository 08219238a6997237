"""The bootstrap writes the harness and, for an interpreter with the grader's magic number,
its bytecode: the sandbox imports the harness without compiling it."""

from __future__ import annotations

import base64
import json
import struct
import subprocess
from pathlib import Path

import pytest

from grader.config import Settings
from grader.harness.bootstrap import BOOTSTRAP
from grader.sandbox.base import bootstrap_prefix, harness_sources
from grader.sandbox.process import probe_python

IMPORT_ALL = """
import os, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import grader_harness.codec, grader_harness.supervisor, grader_harness.child
for m in ("codec", "supervisor", "child"):
    spec = sys.modules["grader_harness." + m].__spec__
    print(m, spec.cached, os.path.exists(spec.cached))
"""


def _bootstrap(python: str, work: Path, prefix: bytes) -> subprocess.CompletedProcess:
    # stdin ends after the bundle: the harness's main finds no job frame and stops, the
    # files are written by then
    return subprocess.run([python, "-I", "-S", "-c", BOOTSTRAP, str(work),
                           probe_python(python)[0]], input=prefix, capture_output=True,
                          timeout=60)


def _import_all(python: str, pkg: Path) -> subprocess.CompletedProcess:
    return subprocess.run([python, "-I", "-S", "-c", IMPORT_ALL, str(pkg.parent),
                           probe_python(python)[0]], capture_output=True, text=True,
                          timeout=60)


def _sandbox_python() -> str:
    python = Settings().sandbox_python
    if not Path(python).exists():
        pytest.skip(f"no sandbox interpreter at {python}")
    return python


def test_the_sandboxs_interpreter_imports_the_grader_compiled_harness(tmp_path: Path) -> None:
    python = _sandbox_python()
    _bootstrap(python, tmp_path, bootstrap_prefix())
    pkg = tmp_path / ".harness" / "grader_harness"
    cache = pkg / "__pycache__"
    sources = harness_sources()
    tag = subprocess.run([python, "-I", "-S", "-c",
                          "import sys; print(sys.implementation.cache_tag)"],
                         capture_output=True, text=True, check=True).stdout.strip()
    pycs = {p.name: p.read_bytes() for p in cache.glob("*.pyc")}
    assert set(pycs) == {n[:-3] + f".{tag}.pyc" for n in sources}
    # PEP 552 unchecked hash-based: flags 0b01, so the fresh sources' mtimes do not matter
    assert {int.from_bytes(b[4:8], "little") for b in pycs.values()} == {1}
    before = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    out = _import_all(python, pkg)
    assert out.returncode == 0, out.stderr
    assert [line.split()[2] for line in out.stdout.splitlines()] == ["True"] * 3
    # nothing was compiled or rewritten on import
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == before


def test_another_interpreters_bytecode_is_not_written(tmp_path: Path) -> None:
    python = _sandbox_python()
    (n,) = struct.unpack("!I", bootstrap_prefix()[:4])
    bundle = json.loads(bootstrap_prefix()[4:4 + n])
    bundle["pyc"]["magic"] = "00000000"
    bundle["pyc"]["files"] = {k: base64.b64encode(b"junk").decode() for k in bundle["files"]}
    data = json.dumps(bundle).encode()
    _bootstrap(python, tmp_path, struct.pack("!I", len(data)) + data)
    pkg = tmp_path / ".harness" / "grader_harness"
    assert sorted(p.name for p in pkg.glob("*.py")) == sorted(harness_sources())
    # what is there was compiled by that interpreter as usual (timestamp-based, flags 0),
    # none of the bundle's bytecode was written
    pycs = list((pkg / "__pycache__").glob("*.pyc"))
    assert pycs and all(p.read_bytes()[4:8] == bytes(4) for p in pycs)
    # the sources import
    out = _import_all(python, pkg)
    assert out.returncode == 0, out.stderr


def test_a_bad_file_name_in_the_bundle_is_refused(tmp_path: Path) -> None:
    python = _sandbox_python()
    for bad in ("../evil.py", ".hidden.py", "notes.txt"):
        data = json.dumps({"files": {bad: "x = 1\n"}}).encode()
        out = _bootstrap(python, tmp_path / "w", struct.pack("!I", len(data)) + data)
        assert out.returncode != 0
        assert b"grader bootstrap: bad file name" in out.stderr
        assert not list((tmp_path / "w").rglob("*evil*")) and \
            not list((tmp_path / "w").rglob("*.txt"))
