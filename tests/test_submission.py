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


def test_nothing_gradable(tmp_path, fc_optim, settings):
    (tmp_path / "notes.py").write_text("x = 1\n")
    with pytest.raises(SubmissionError, match="none of the files this assignment grades"):
        load_submission(tmp_path, fc_optim, settings)


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
