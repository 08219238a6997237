"""Finding the sandbox's interpreter and its numpy (``probe_python``) without importing numpy,
and what a grading says when the interpreter or its numpy is unusable."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from grader.sandbox.base import SandboxError
from grader.sandbox.process import BareRunner, probe_python
from tests.conftest import run_grade

PYTHON = "/usr/bin/python3"


def _script(path: Path, body: str) -> str:
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return str(path)


def test_probe_finds_numpy_folder_and_prefix() -> None:
    if not os.path.exists(PYTHON):
        pytest.skip("no /usr/bin/python3")
    numpy_path, prefix = probe_python(PYTHON)
    assert Path(numpy_path, "numpy", "__init__.py").is_file()
    assert Path(prefix).is_dir() and prefix == "/usr"


def test_missing_interpreter_is_named(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-python")
    with pytest.raises(SandboxError) as info:
        probe_python(missing)
    assert str(info.value) == (f"sandbox interpreter {missing} not found; install python3 and "
                               "python3-numpy, or set GRADER_SANDBOX_PYTHON")


def test_interpreter_without_numpy_is_refused(tmp_path: Path) -> None:
    # -S leaves out site-packages (and Debian's dist-packages): no numpy to find
    python = _script(tmp_path / "python", f'exec {sys.executable} -S -I "$@"')
    with pytest.raises(SandboxError) as info:
        probe_python(python)
    text = str(info.value)
    assert text.startswith(f"sandbox interpreter {python} cannot import numpy (install "
                           "python3-numpy or set GRADER_SANDBOX_PYTHON): ")
    assert text.endswith("No module named numpy")


def test_numpy_found_but_broken_fails_the_grading_with_its_error(
        tmp_path: Path, fc_optim, settings) -> None:
    """The probe only finds numpy; a numpy that raises on import stops the harness's start,
    and the grading fails with numpy's own words, nothing scored."""
    fake = tmp_path / "fake"
    (fake / "numpy").mkdir(parents=True)
    (fake / "numpy" / "__init__.py").write_text(
        "raise ImportError('this numpy is broken (test)')\n")
    # the probe runs ``python -c``: '' (the folder it starts in) comes first on sys.path
    python = _script(tmp_path / "python", f'cd {fake} && exec {sys.executable} -S "$@"')
    assert probe_python(python)[0] == str(fake)
    runner = BareRunner(settings, python=python)
    result = run_grade(fc_optim, fc_optim.reference_files(), runner, settings)
    assert result.status == "failed"
    assert result.score == 0.0
    assert result.failure.startswith("the sandbox did not start the harness; stderr: ")
    assert "this numpy is broken (test)" in result.failure


def test_fixtures_that_do_not_load_leave_no_sandbox_behind(tmp_path: Path, settings,
                                                           process_sandbox) -> None:
    """``grade`` starts the sandbox before it reads the fixtures (the harness boots
    meanwhile); fixtures that cannot be read fail the grading and end that sandbox."""
    import shutil

    from grader.assignments.loader import load_assignment
    from tests.sandbox.conftest import leftovers

    root = tmp_path / "fc-optim"
    shutil.copytree(Path(__file__).resolve().parents[2] / "assignments" / "fc-optim", root)
    shutil.rmtree(root / "fixtures")
    a = load_assignment(str(root), settings, trusted=True)
    before = len(process_sandbox.used)
    result = run_grade(a, a.reference_files(), process_sandbox, settings)
    assert result.status == "failed" and result.score == 0.0
    assert "has no fixtures yet; run `grader fixtures build fc-optim`" in result.failure
    assert len(process_sandbox.used) == before + (1 if os.geteuid() == 0 else 0)
    assert leftovers(process_sandbox, settings, before) == []
