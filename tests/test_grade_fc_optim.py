"""fc-optim graded end to end in the real bubblewrap sandbox."""

from __future__ import annotations

import time

import pytest

from grader.assignments.variants import variant_files
from grader.scoring.score import for_students

from .conftest import reference_with, run_grade, todo

pytestmark = pytest.mark.sandbox


def test_correct_submission_gets_full_marks(fc_optim, process_sandbox, settings):
    result = run_grade(fc_optim, reference_with(fc_optim, {}), process_sandbox, settings)
    assert result.status == "graded", result.failure
    assert result.score == result.max_score == 100
    assert all(t.status == "passed" for t in result.todos)
    assert result.sandbox == "process"


def test_untouched_starter_scores_zero_everywhere(fc_optim, process_sandbox, settings):
    result = run_grade(fc_optim, fc_optim.starter_files(), process_sandbox, settings)
    assert result.score == 0
    adam = todo(result, "adam")
    assert "next_w is None" in adam.feedback


WRONG = [v.id for v in __import__("grader.assignments.loader", fromlist=["x"])
         .load_assignment("fc-optim").manifest.variants if v.kind == "wrong"]


@pytest.mark.parametrize("variant_id", WRONG)
def test_each_classic_bug_loses_points_on_its_own_todo_only_and_is_named(
        variant_id, fc_optim, process_sandbox, settings):
    variant = next(v for v in fc_optim.manifest.variants if v.id == variant_id)
    result = run_grade(fc_optim, variant_files(fc_optim, variant), process_sandbox, settings)
    hit = todo(result, variant.todo)
    assert hit.score < hit.max_score
    assert [m.id for m in hit.mistakes][:1] == [variant.id]
    assert variant.mistake in hit.feedback
    others = [t.id for t in result.todos if t.id != variant.todo and t.score < t.max_score]
    assert others == []


def test_accepted_conventions_pass(fc_optim, process_sandbox, settings):
    for vid in ("adam_eps_inside_sqrt", "rmsprop_eps_inside_sqrt"):
        variant = next(v for v in fc_optim.manifest.variants if v.id == vid)
        result = run_grade(fc_optim, variant_files(fc_optim, variant), process_sandbox, settings)
        assert result.score == 100, vid


FAULTS = {
    "nndl/optim.py": """
def adam(w, dw, config=None):
    while True:
        pass


def rmsprop(w, dw, config=None):
    hog = []
    while True:
        hog.append(bytearray(50 * 2**20))


def sgd_momentum(w, dw, config=None):
    import ctypes
    ctypes.string_at(0)


def sgd_nesterov_momentum(w, dw, config=None):
    import os
    os._exit(0)
""",
    "nndl/layers.py": """
def relu_forward(x):
    return relu_forward(x)


def affine_forward(x, w, b):
    import os
    while True:
        try:
            os.fork()
        except OSError:
            pass
""",
}


def test_faults_cost_only_their_todo(fc_optim, process_sandbox, settings):
    t0 = time.monotonic()
    result = run_grade(fc_optim, reference_with(fc_optim, FAULTS), process_sandbox, settings)
    elapsed = time.monotonic() - t0
    assert elapsed < 60, elapsed
    faulty = {"adam", "rmsprop", "sgd_momentum", "sgd_nesterov_momentum", "relu_forward",
              "affine_forward"}
    for t in result.todos:
        if t.id in faulty:
            assert t.score == 0, (t.id, t.feedback)
        else:
            # the sandwiches and the net call the broken layers: their calls are answered by
            # the reference, so those bugs are charged once, on the layers
            assert t.score == t.max_score, (t.id, t.feedback)
    statuses = {t.id: {c.status for c in t.checks} for t in result.todos}
    assert "timeout" in statuses["adam"]
    assert "crashed" in statuses["sgd_momentum"]  # SIGSEGV
    assert "crashed" in statuses["sgd_nesterov_momentum"]  # os._exit
    assert "error" in statuses["rmsprop"]  # MemoryError
    assert "error" in statuses["relu_forward"]  # RecursionError
    assert "timeout" in statuses["affine_forward"]  # fork bomb held by RLIMIT_NPROC
    seg = todo(result, "sgd_momentum").checks[0].feedback
    assert "segmentation fault" in seg
    assert "RecursionError" in todo(result, "relu_forward").checks[0].feedback
    assert "MemoryError" in todo(result, "rmsprop").checks[0].feedback


def test_syntax_error_costs_only_what_the_statement_defines(fc_optim, process_sandbox,
                                                            settings):
    files = reference_with(fc_optim, {})
    files["nndl/optim.py"] = files["nndl/optim.py"].replace(
        b"def adam(", b"def adam(:\n    pass\ndef _x(", 1)
    result = run_grade(fc_optim, files, process_sandbox, settings)
    assert [p.module for p in result.import_errors] == ["nndl.optim"]
    problem = result.import_errors[0]
    assert problem.file == "nndl/optim.py" and problem.line and "SyntaxError" in problem.message
    assert problem.names == ["adam"] and "`adam` is undefined" in problem.message
    for t in result.todos:
        if t.id == "adam":
            assert t.score == 0 and t.status == "not_graded"
            assert f"line {problem.line}" in t.feedback and "does not parse" in t.feedback
            # said once, on the TODO: each check only says "not graded"
            assert all(c.status == "import_error" for c in t.checks)
        else:
            # the module's other update rules are graded: one bad statement costs only itself
            assert t.score == t.max_score, (t.id, t.feedback)


def test_missing_module_and_exit_at_import(fc_optim, process_sandbox, settings):
    files = reference_with(fc_optim, {})
    files["nndl/layers.py"] = b"import nndl.does_not_exist\n" + files["nndl/layers.py"]
    files["nndl/optim.py"] = b"import sys\nsys.exit(3)\n" + files["nndl/optim.py"]
    result = run_grade(fc_optim, files, process_sandbox, settings)
    msgs = {p.module: p.message for p in result.import_errors}
    assert "No module named 'nndl.does_not_exist'" in msgs["nndl.layers"]
    assert "sys.exit(3)" in msgs["nndl.optim"]
    # each failing statement costs only the names it defines, which nothing graded needs
    assert set(msgs) == {"nndl.layers", "nndl.optim"}
    assert result.score == 100, [(t.id, t.feedback) for t in result.todos if t.score < t.max_score]


def test_unavailable_third_party_import_does_not_sink_unrelated_functions(
        fc_optim, process_sandbox, settings):
    files = reference_with(fc_optim, {"nndl/optim.py": """
def adam(w, dw, config=None):
    import torch
    return torch.tensor(w), config
"""})
    files["nndl/optim.py"] = b"import matplotlib.pyplot as plt\nimport pandas as pd\n" + \
        files["nndl/optim.py"]
    result = run_grade(fc_optim, files, process_sandbox, settings)
    assert todo(result, "adam").score == 0
    assert "module 'torch' is not installed" in todo(result, "adam").checks[0].feedback
    assert result.score == 100 - 13
    assert any("matplotlib" in n and "pandas" in n for n in result.notes)


def test_student_view_hides_hidden_values(fc_optim, process_sandbox, settings):
    variant = next(v for v in fc_optim.manifest.variants if v.id == "adam_no_bias_correction")
    result = run_grade(fc_optim, variant_files(fc_optim, variant), process_sandbox, settings)
    view = for_students(result)
    adam = todo(view, "adam")
    hidden = [c for c in adam.checks if c.visibility == "hidden"]
    visible = [c for c in adam.checks if c.visibility == "visible"]
    assert hidden and all(o.detail is None for c in hidden for o in c.outputs)
    assert any(o.detail for c in visible for o in c.outputs)
    assert all(c.internal is None for c in adam.checks)
