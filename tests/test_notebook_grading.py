"""Notebook constants written as expressions, graded end to end (issue 11 item 8): a correct
notebook whose update rules read ``EPS = 10 ** -8`` from an early cell gets full marks (it
scored 0 on three TODOs: the constant was dropped, NameError); when such a constant cannot be
kept, the submission says which cell defined it and why."""

from __future__ import annotations

import pytest

from grader.assignments.loader import load_assignment
from grader.engine import grade
from grader.submission import from_notebook
from tests.assignments import notebooks

pytestmark = pytest.mark.sandbox

EXPERIMENTS = {"train": ["for epoch in range(10 ** 9):\n    pass\n"]}
HEAD = ["import numpy as np\nimport matplotlib.pyplot as plt\n"]


def _notebook_with(constant_cell: str) -> bytes:
    assignment = load_assignment("dnn-optimizers")
    source = (assignment.reference / "dnn_optimizers.py").read_text()
    assert source.count("        eps = 1e-8\n") == 2  # RMSProp.step, Adam.step
    source = source.replace("        eps = 1e-8\n", "        eps = EPS\n")
    return notebooks.with_experiments(source, EXPERIMENTS, HEAD + [constant_cell])


def test_an_expression_constant_from_an_early_cell_is_kept(process_sandbox, settings):
    assignment = load_assignment("dnn-optimizers", settings)
    sub = from_notebook(_notebook_with("EPS = 10 ** -8\nBETA = np.float64(0.9)\n"),
                        "HW3.ipynb", assignment, settings)
    assert "EPS = 10 ** -8" in sub.files["dnn_optimizers.py"].decode()
    assert list(sub.dropped_names) == ["epoch"]  # the training loop's variable only
    assert sub.dropped_names["epoch"].endswith(
        ": `for epoch in range(10 ** 9):` is a for loop, which the grader does not run")
    result = grade(assignment, sub, process_sandbox, settings)
    short = {t.id: t.feedback for t in result.todos if t.score < t.max_score}
    assert result.score == result.max_score and not short, short


def test_a_constant_that_cannot_be_kept_is_explained(process_sandbox, settings):
    assignment = load_assignment("dnn-optimizers", settings)
    sub = from_notebook(_notebook_with("EPS = np.float64(compute_eps())\n"), "HW3.ipynb",
                        assignment, settings)
    assert sub.dropped_names["EPS"] == (
        "cell 2: `EPS = np.float64(compute_eps())` calls compute_eps(), so it was not kept")
    result = grade(assignment, sub, process_sandbox, settings)
    lost = {t.id for t in result.todos if t.score < t.max_score}
    assert {"RMSProp.step", "Adam.step"} <= lost  # NameError: EPS (the lead's feedback
    # annotates it with dropped_names)
