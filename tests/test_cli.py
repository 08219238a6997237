"""The grader command line, run as a real process."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile

import pytest

from .conftest import REPO, reference_with

GRADER = [sys.executable, "-m", "grader.cli"]
pytestmark = pytest.mark.sandbox


def run(*args, cwd=REPO):
    return subprocess.run(GRADER + list(args), capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def write_tree(root, files):
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return root


def test_json_contract(process_sandbox, tmp_path):
    res = run("grade", "fc-optim", str(REPO / "examples/fc-optim/adam_no_bias_correction"),
              "--format", "json", "--sandbox", "process")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert {"assignment", "score", "max_score", "todos"} <= set(data)
    assert data["assignment"] == "fc-optim" and data["max_score"] == 100
    adam = next(t for t in data["todos"] if t["id"] == "adam")
    assert {"id", "score", "max_score", "status", "feedback", "checks"} <= set(adam)
    assert adam["status"] == "partial" and "Adam without bias correction" in adam["feedback"]
    assert data["audience"] == "student"


def test_gradescope_results_are_valid(process_sandbox, fc_optim, tmp_path):
    sub = write_tree(tmp_path / "sub", reference_with(fc_optim, {}))
    out = tmp_path / "results.json"
    res = run("grade", "fc-optim", str(sub), "--format", "gradescope", "--sandbox", "process",
              "-o", str(out))
    assert res.returncode == 0, res.stderr
    data = json.loads(out.read_text())
    assert data["score"] == 100
    assert {"execution_time", "output", "visibility", "stdout_visibility", "tests"} <= set(data)
    assert len(data["tests"]) == len(fc_optim.manifest.todos)
    for n, test in enumerate(data["tests"], start=1):
        assert set(test) >= {"name", "number", "score", "max_score", "status", "output",
                             "visibility", "tags"}
        assert test["number"] == str(n) and test["status"] == "passed"
    assert "[hidden]" in data["tests"][0]["output"]


def test_zip_single_file_and_table(process_sandbox, fc_optim, tmp_path):
    files = reference_with(fc_optim, {})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for rel, data in files.items():
            zf.writestr(f"hw3/{rel}", data)
        zf.writestr("hw3/data/cifar.bin", b"x" * 100)
    (tmp_path / "sub.zip").write_bytes(buf.getvalue())
    res = run("grade", "fc-optim", str(tmp_path / "sub.zip"), "--sandbox", "process")
    assert res.returncode == 0, res.stderr
    assert "score: 100 / 100" in res.stdout
    assert "ignored 1 file(s) that are not graded: data/cifar.bin" in res.stdout \
        or "ignored" in res.stdout
    # a lone optim.py: the other files come from the starter and the note says so
    (tmp_path / "optim.py").write_bytes(files["nndl/optim.py"])
    res = run("grade", "fc-optim", str(tmp_path / "optim.py"), "--sandbox", "process",
              "--format", "json")
    data = json.loads(res.stdout)
    assert data["score"] == 45
    assert any("nndl/layers.py was not submitted" in n for n in data["notes"])


@pytest.mark.parametrize("args,message", [
    (["grade", "no-such-assignment", "x"], "unknown assignment 'no-such-assignment'"),
    (["grade", "fc-optim", "/nonexistent/sub"], "/nonexistent/sub does not exist"),
])
def test_bad_arguments_exit_2_with_a_message(args, message):
    res = run(*args)
    assert res.returncode == 2
    assert message in res.stderr


def test_notebook_is_refused_for_a_file_based_assignment(tmp_path):
    (tmp_path / "hw.ipynb").write_text(json.dumps({"cells": [], "nbformat": 4}))
    res = run("grade", "fc-optim", str(tmp_path / "hw.ipynb"))
    assert res.returncode == 2
    assert "submit those files (a folder or a zip), not a notebook" in res.stderr


def test_process_sandbox_refuses_without_bubblewrap(tmp_path):
    env = {"PATH": str(tmp_path), "HOME": str(tmp_path)}
    res = subprocess.run(GRADER + ["grade", "fc-optim", str(REPO / "examples/fc-optim/"
                                   "adam_no_bias_correction"), "--sandbox", "process"],
                         capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert res.returncode == 2
    assert "bubblewrap (bwrap) is not installed" in res.stderr
    assert "--insecure" in res.stderr
    res = subprocess.run(GRADER + ["grade", "fc-optim", str(REPO / "examples/fc-optim/"
                                   "adam_no_bias_correction"), "--sandbox", "process",
                                   "--insecure", "--format", "json"],
                         capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["sandbox"] == "none"
    assert any("WITHOUT a sandbox" in n for n in data["notes"])


def test_check_command_passes_for_fc_optim():
    res = run("check", "fc-optim", "--sandbox", "process")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "assignment OK" in res.stdout
    assert "reference scores 100 / 100" in res.stdout


def test_export_gradescope_with_extensions(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("student,extra_late_days\nada@uni.edu,two\n")
    out = tmp_path / "ag.zip"
    res = run("export-gradescope", "rosenbrock", "-o", str(out), "--no-wheels",
              "--extensions", str(bad))
    assert res.returncode == 1 and not out.exists()
    assert res.stderr.strip() == ("error: extensions line 2: extra_late_days must be a whole "
                                  "number; got 'two'")
    good = tmp_path / "good.csv"
    good.write_text("student,due_at,extra_late_days,extra_submissions,reason\n"
                    "ada@uni.edu,2030-01-02T03:04:05,1,2,medical\n")
    res = run("export-gradescope", "rosenbrock", "-o", str(out), "--no-wheels",
              "--extensions", str(good), "--max-submissions", "3")
    assert res.returncode == 0, res.stderr
    with zipfile.ZipFile(out) as zf:
        config = json.loads(zf.read("config.json"))
    assert config["extensions"] == {"ada@uni.edu": {"due_at": "2030-01-02T03:04:05+00:00",
                                                    "extra_late_days": 1,
                                                    "extra_submissions": 2}}
    assert config["policy"]["max_submissions"] == 3


def _help(*command):
    import os
    import re

    res = subprocess.run(GRADER + list(command) + ["--help"], capture_output=True, text=True,
                         cwd=REPO, timeout=60, env={**os.environ, "COLUMNS": "120",
                                                    "NO_COLOR": "1"})
    assert res.returncode == 0, res.stderr
    return re.sub(r"[\s│╭╮╰╯─]+", " ", res.stdout)  # the words, without the boxes


@pytest.mark.parametrize("command", [["grade"], ["check-local"], ["submit"], ["status"],
                                     ["results"], ["login"], ["export-gradescope"],
                                     ["assignments"], ["serve"], []])
def test_help_shows_flags_without_a_value(command):
    text = _help(*command)
    assert "<bool>" not in text
    assert " --help Show this message and exit." in text


def test_help_lists_exit_codes():
    assert ("Exit codes: 0 done (whatever the score); 1 the score is below --fail-under; 2 "
            "the submission or assignment cannot be graded (the message says why).") \
        in _help("grade")
    assert ("Exit codes: 0 done (whatever the score); 1 the score is below --fail-under, or "
            "grading failed on the service; 2 refused: a bad path, or the service refused "
            "(the message says why); 3 the service cannot be reached, or you are not logged "
            "in, or it refused your token; 4 not graded within --timeout (see it later with "
            "grader status ID).") in _help("submit")
    assert "Exit codes: 0 done; 1 done, but not as asked" in _help()


def test_fail_under(process_sandbox):
    example = str(REPO / "examples/fc-optim/adam_no_bias_correction")
    res = run("grade", "fc-optim", example, "--sandbox", "process", "--fail-under", "90")
    assert res.returncode == 1
    assert res.stderr == "error: score 88.62 / 100 (88.6%) is below --fail-under 90%\n"
    assert "score: 88.62 / 100" in res.stdout  # the result is printed all the same
    res = run("grade", "fc-optim", example, "--sandbox", "process", "--fail-under", "88.62",
              "--format", "json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["score"] == 88.62
    res = run("grade", "fc-optim", example, "--fail-under", "101")
    assert res.returncode == 2
    assert "Invalid value for '--fail-under': Input should be less than or equal to 100" \
        in res.stderr
