"""``ProcessSandbox.prestart``: ``grader grade`` starts its sandbox's harness while it still
imports the engine and loads the assignment. The run started ahead is the one fresh sandbox
of the grading, its wall clock starts with the session, and nothing of it outlives the
grader."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.sandbox.process import ProcessSandbox, bwrap_path, kill_uid

from ..conftest import CI, reference_with, run_grade
from .conftest import leftovers

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def box(settings):
    if not bwrap_path():
        if CI:
            pytest.fail("bubblewrap is required under CI=true (scripts/setup.sh installs it)")
        pytest.skip("bubblewrap is not installed")
    b = ProcessSandbox(settings)
    yield b
    b.close()


def test_the_run_started_ahead_grades_the_submission_and_no_other_starts(
        box, fc_optim, settings) -> None:
    box.prestart()
    assert len(box.used) == 1  # started now, before any session
    result = run_grade(fc_optim, reference_with(fc_optim, {}), box, settings)
    assert result.score == fc_optim.manifest.max_score, result.failure
    assert len(box.used) == 1  # the grading used the run started ahead
    assert leftovers(box, settings) == []
    # the next grading starts its own fresh run, as without prestart
    result = run_grade(fc_optim, reference_with(fc_optim, {}), box, settings)
    assert result.score == fc_optim.manifest.max_score and len(box.used) == 2


def test_its_wall_clock_and_frame_limit_are_the_sessions(box) -> None:
    box.prestart()
    taken_at = time.monotonic()
    chan = box.channel(7.0, 5 << 20)
    try:
        assert chan.started >= taken_at
        assert chan.deadline == pytest.approx(chan.started + 7.0)
        assert chan.reader.limit == 5 << 20
    finally:
        chan.close()


def test_close_ends_a_run_no_session_took(box, settings) -> None:
    box.prestart()
    box.prestart()  # a second call keeps the one run
    assert len(box.used) == 1
    box.close()
    assert leftovers(box, settings) == []
    chan = box.channel(5.0, 1 << 20)  # a fresh one: the closed run is not handed out
    try:
        assert len(box.used) == 2
    finally:
        chan.close()
    assert leftovers(box, settings) == []


def test_a_run_that_died_while_waiting_is_replaced_by_a_fresh_one(
        box, fc_optim, settings) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root: the runs get uids of their own only then")
    box.prestart()
    kill_uid(box.used[-1])  # its bubblewrap and Python end before any session
    result = run_grade(fc_optim, reference_with(fc_optim, {}), box, settings)
    assert result.score == fc_optim.manifest.max_score, result.failure
    assert len(box.used) == 2
    assert leftovers(box, settings) == []


def test_grader_grade_with_a_bad_assignment_says_so_and_leaves_no_sandbox(tmp_path) -> None:
    before = _bwraps()
    out = subprocess.run([sys.executable, "-m", "grader.cli", "grade", "no-such-assignment",
                          str(tmp_path), "--sandbox", "process"], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.startswith("error: ") and "no-such-assignment" in out.stderr
    assert _bwraps() - before == set()


def _bwraps() -> set[int]:
    """Pids of running bubblewrap processes (zombies are dead: reaping them is init's job)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name, state = stat[stat.index("(") + 1:stat.rindex(")")], stat.rsplit(")", 1)[1]
            if name == "bwrap" and state.split()[0] not in ("Z", "X"):
                found.add(int(entry.name))
    return found
