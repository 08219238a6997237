"""Reading submissions: layouts, limits and bad input, each with its exact error."""

from __future__ import annotations

import io
import os
import stat
import zipfile

import pytest

from grader.config import Settings
from grader.submission import SubmissionError, load_submission, read_zip

from .conftest import reference_with


def make_zip(entries, symlink=None):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, "/etc/passwd")
    return buf.getvalue()


def test_zip_slip_is_refused(settings):
    with pytest.raises(SubmissionError, match=r"archive entry '../evil.py' points outside"):
        read_zip(make_zip({"../evil.py": b"x"}), settings)
    with pytest.raises(SubmissionError, match="points outside"):
        read_zip(make_zip({"/abs/evil.py": b"x"}), settings)


def test_symlinks_are_refused(settings, tmp_path):
    with pytest.raises(SubmissionError, match="is a symbolic link; submit regular files only"):
        read_zip(make_zip({}, symlink="nndl/optim.py"), settings)
    (tmp_path / "nndl").mkdir()
    os.symlink("/etc/passwd", tmp_path / "nndl" / "optim.py")
    with pytest.raises(SubmissionError, match="nndl/optim.py is a symbolic link"):
        load_submission(tmp_path, None, settings)


def test_zip_bomb_is_refused(settings):
    with pytest.raises(SubmissionError, match="looks like a zip bomb"):
        read_zip(make_zip({"nndl/optim.py": b"#" * (900 << 10)}), settings)


def test_not_a_zip(settings, tmp_path, fc_optim):
    (tmp_path / "sub.zip").write_bytes(b"not a zip")
    with pytest.raises(SubmissionError, match="not a valid zip archive"):
        load_submission(tmp_path / "sub.zip", fc_optim, settings)


def test_limits(tmp_path, fc_optim):
    small = Settings(max_file_kb=1, max_submission_files=3)
    big = tmp_path / "optim.py"
    big.write_bytes(b"#" * 2048)
    with pytest.raises(SubmissionError, match="optim.py is 2048 bytes; the limit is 1 KB"):
        load_submission(big, fc_optim, small)
    d = tmp_path / "many"
    d.mkdir()
    for i in range(5):
        (d / f"m{i}.py").write_text("x = 1\n")
    with pytest.raises(SubmissionError, match="has 5 Python files; the limit is 3"):
        load_submission(d, fc_optim, small)


def test_not_utf8_names_the_file_and_byte(tmp_path, fc_optim, settings):
    files = reference_with(fc_optim, {})
    (tmp_path / "nndl").mkdir()
    for rel, data in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    (tmp_path / "nndl/optim.py").write_bytes(b"# caf\xe9\n" + files["nndl/optim.py"])
    with pytest.raises(SubmissionError, match=r"nndl/optim.py is not UTF-8 text \(byte 0xe9 at "
                                              r"offset 5\)"):
        load_submission(tmp_path, fc_optim, settings)


EXPECTED = ("none of the files this assignment grades was found (expected nndl/layers.py, "
            "nndl/layer_utils.py, nndl/fc_net.py, nndl/optim.py); ")


def test_nothing_gradable(tmp_path, fc_optim, settings):
    (tmp_path / "notes.py").write_text("x = 1\n")
    with pytest.raises(SubmissionError) as err:
        load_submission(tmp_path, fc_optim, settings)
    assert str(err.value) == EXPECTED + "got the Python file notes.py"


@pytest.mark.parametrize("names, got", [
    (["__init__.py", "helpers.py", "run.py"],
     "got the Python files __init__.py, helpers.py, run.py"),
    ([f"m{i}.py" for i in range(10)],
     "got the Python files " + ", ".join(f"m{i}.py" for i in range(8)) + " and 2 more"),
    ([], "got no Python file"),
])
def test_nothing_gradable_names_what_was_sent(tmp_path, fc_optim, settings, names, got):
    """The list of what was sent reads as a sentence (it once ran into "...pyPython files")."""
    for name in names:
        (tmp_path / name).write_text("x = 1\n")
    (tmp_path / "README.txt").write_text("hello\n")
    with pytest.raises(SubmissionError) as err:
        load_submission(tmp_path, fc_optim, settings)
    assert str(err.value) == EXPECTED + got


def test_given_file_is_replaced_and_noted(tmp_path, fc_optim, settings):
    files = reference_with(fc_optim, {})
    files["utils/solver.py"] = b"print('my own solver')\n"
    for rel, data in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    sub = load_submission(tmp_path, fc_optim, settings)
    assert sub.files["utils/solver.py"] == fc_optim.starter_files()["utils/solver.py"]
    assert "utils/solver.py is given code: your copy was replaced by the assignment's" in \
        sub.notes


# --- given files: "your copy was replaced" only when it held code (issue 11 item 9) -------

REPLACED = "nndl/__init__.py is given code: your copy was replaced by the assignment's"


def _with_init(tmp_path, fc_optim, init: bytes | None):
    files = reference_with(fc_optim, {})
    files.pop("nndl/__init__.py", None)
    if init is not None:
        files["nndl/__init__.py"] = init
    for rel, data in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    return files


@pytest.mark.parametrize("init,noted", [
    (None, False),
    (b"", False),
    (b"\n\n# my package\n   \n", False),
    (b'"""My own docstring, not the starter\'s."""\n# and a comment\n', False),
    ("STARTER", False),
    ("STARTER_WITH_COMMENTS", False),
    (b"from .layers import *\n", True),
    (b'"""Doc."""\nimport os\nos.system("echo hi")\n', True),
    (b"def broken(:\n", True),
])
def test_given_init_note_only_when_it_held_code(tmp_path, fc_optim, settings, init, noted):
    starter = fc_optim.starter_files()["nndl/__init__.py"]
    if init == "STARTER":
        init = starter
    elif init == "STARTER_WITH_COMMENTS":
        init = b"# copied from the course page\n" + starter + b"\n\n# end\n"
    _with_init(tmp_path, fc_optim, init)
    sub = load_submission(tmp_path, fc_optim, settings)
    assert sub.files["nndl/__init__.py"] == starter  # always the assignment's copy
    assert (REPLACED in sub.notes) is noted, sub.notes
    assert not [n for n in sub.notes if "given code" in n and not n.startswith("nndl/")]


def test_code_differs_compares_code_not_docstrings():
    from grader.submission import code_differs

    given = b'"""Given."""\ndef f(x):\n    """Doc."""\n    return x\n'
    assert not code_differs(b'"""Other."""\ndef f(x):\n    return x  # same\n', given)
    assert code_differs(b'def f(x):\n    return x + 1\n', given)
    assert not code_differs(given, given)


# --- notebooks: bounds and the names left out (issue 12 item 6, issue 11 item 8) -----------


def _notebook(*sources: str) -> bytes:
    import json

    return json.dumps({"nbformat": 4, "cells": [
        {"cell_type": "code", "source": s, "metadata": {}} for s in sources]}).encode()


def test_notebook_submission_reports_dropped_names(tmp_path, settings):
    from grader.assignments.loader import load_assignment

    rosenbrock = load_assignment("rosenbrock", settings)
    path = tmp_path / "HW.ipynb"
    path.write_bytes(_notebook("import numpy as np\nEPS = 10 ** -8\nSCALE = load_scale()",
                               "def f(x):\n    return x * SCALE + EPS"))
    sub = load_submission(path, rosenbrock, settings)
    module = sub.files[rosenbrock.manifest.notebook_module].decode()
    assert "EPS = 10 ** -8" in module and "load_scale" not in module
    assert sub.dropped_names == {
        "SCALE": "cell 1: `SCALE = load_scale()` calls load_scale(), so it was not kept"}


def test_notebook_over_the_code_limit_is_refused_before_parsing(tmp_path):
    from grader.assignments.loader import load_assignment
    from grader.submission import SubmissionTooLarge

    settings = Settings(notebook_code_kb=1)
    rosenbrock = load_assignment("rosenbrock", settings)
    path = tmp_path / "HW.ipynb"
    path.write_bytes(_notebook("x = 1\n" * 200))
    with pytest.raises(SubmissionTooLarge) as exc:
        load_submission(path, rosenbrock, settings)
    assert str(exc.value) == (
        "the code cells of HW.ipynb hold 1,200 characters of code; the limit is 1,024 "
        "(outputs and text cells do not count). Remove generated or pasted code cells and "
        "submit again")
