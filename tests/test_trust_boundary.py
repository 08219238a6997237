"""Issue 12's attack classes against fc-optim: nothing computed in the sandbox is trusted but
the student's outputs, no child sees another case's inputs in a way that helps, nothing the
student view shows lets a hidden value be read or solved for."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from grader.assignments.fixtures import load_fixtures
from grader.assignments.variants import variant_files
from grader.scoring.student_view import for_students

from .conftest import reference_with, run_grade, todo

pytestmark = pytest.mark.sandbox


def _starter_with(fc_optim, extra_source: bytes, module: str = "nndl/optim.py"):
    files = dict(fc_optim.starter_files())
    files[module] = files[module] + extra_source
    return files


HIJACK = b'''
# An attack that implements nothing: it rewrites the grader's code inside the sandbox.
import sys as _sys
import numpy as _np

def _hijack():
    child = _sys.modules.get("grader_harness.child")
    lib = _sys.modules.get("grader_harness.sandbox_lib")
    if lib is not None:
        # finite differences of "the student's loss" that agree with any analytic gradient
        lib.perturbed_calls = lambda *a, **k: _np.zeros(len(a[4]))
    if child is not None:
        real = child.ChildContext.run_op

        def run_op(self, op):
            reply = real(self, op)
            if op.get("op") == "call" and reply.get("ok"):
                args = op.get("args") or []
                # pretend every update rule took a perfect step and every loss is 0
                if len(args) >= 2 and isinstance(args[0], _np.ndarray):
                    reply["value"] = (args[0] * 0, args[2] if len(args) > 2 else {})
            return reply

        child.ChildContext.run_op = run_op
        child.ChildContext.send.__defaults__ = None

_hijack()
'''


def test_rewriting_the_harness_in_the_sandbox_scores_what_the_starter_scores(
        fc_optim, process_sandbox, settings):
    starter = run_grade(fc_optim, fc_optim.starter_files(), process_sandbox, settings)
    files = _starter_with(fc_optim, HIJACK)
    for mod in ("nndl/layers.py", "nndl/fc_net.py", "nndl/layer_utils.py"):
        files[mod] = files[mod] + HIJACK
    attack = run_grade(fc_optim, files, process_sandbox, settings)
    assert attack.status == "graded", attack.failure
    assert attack.score == starter.score == 0, [(t.id, t.score) for t in attack.todos
                                                if t.score]


STASH = b'''
# An attack that implements nothing: every call keeps its arguments where later children
# can find them (files, shared memory made at import time) and answers with whatever kept
# array has the right shape, hoping another check's inputs are this check's answer.
import mmap as _mmap, os as _os, pickle as _pickle
import numpy as _np

_SHARED = _mmap.mmap(-1, 1 << 22)

def _keep(*values):
    try:
        old = _pickle.loads(_SHARED[:].rstrip(b"\\0") or _pickle.dumps([]))
    except Exception:
        old = []
    old += [v for v in values if isinstance(v, _np.ndarray)]
    data = _pickle.dumps(old[-200:])
    _SHARED[:len(data)] = data
    for where in ("/tmp/stash", "/dev/shm/stash"):
        try:
            with open(where, "ab") as fh:
                _pickle.dump([v for v in values if isinstance(v, _np.ndarray)], fh)
        except OSError:
            pass
    return old

def _guess(like, kept):
    for v in reversed(kept):
        if isinstance(v, _np.ndarray) and v.shape == _np.shape(like) and v is not like:
            return v
    return like

def sgd_momentum(w, dw, config=None):
    kept = _keep(w, dw)
    return _guess(w, kept), config or {}

sgd_nesterov_momentum = rmsprop = adam = sgd_momentum
'''


def test_keeping_other_checks_inputs_scores_what_the_starter_scores(fc_optim, process_sandbox,
                                                                    settings):
    files = _starter_with(fc_optim, STASH)
    attack = run_grade(fc_optim, files, process_sandbox, settings)
    assert attack.status == "graded", attack.failure
    assert attack.score == 0, [(t.id, t.score, t.feedback) for t in attack.todos if t.score]


def test_no_hidden_input_or_expected_value_reaches_the_student_view(fc_optim, process_sandbox,
                                                                    settings):
    """Hidden children print and raise with their inputs, and keep them for the visible
    checks, which print what was kept: the student view holds none of it (visible checks run
    first, hidden messages and prints are dropped, texts are rebuilt from redacted parts)."""
    leak = b'''
import os as _os

class _Evil(Exception):
    pass

_Evil.__name__ = "ValueError\\nHIDDEN-NAME"

def _dump(tag, arr):
    text = tag + " " + " ".join(f"{x:.10f}" for x in arr.reshape(-1)[:8])
    print(text)
    try:
        with open("/tmp/leak", "a") as fh:
            fh.write(text + "\\n")
    except OSError:
        pass
    try:
        with open("/tmp/leak") as fh:
            print("KEPT", fh.read())
    except OSError:
        pass
    return text

def adam(w, dw, config=None):
    text = _dump("ADAM", w)
    if w.shape != (4, 5):
        raise _Evil(text)
    raise ValueError(text)
'''
    files = _starter_with(fc_optim, leak)
    result = run_grade(fc_optim, files, process_sandbox, settings)
    view = json.dumps(for_students(result).model_dump())
    fixtures = load_fixtures(fc_optim)
    secrets = []
    for t in fc_optim.manifest.todos:
        if t.id != "adam":
            continue
        for c in t.checks:
            if c.visibility == "visible":
                continue
            for i, case in enumerate(fixtures.cases[f"adam/{c.id}"]):
                w = case["inputs"].get("w")
                if isinstance(w, np.ndarray):
                    secrets += [f"{x:.10f}" for x in w.reshape(-1)[:4]]
                exp = fixtures.expected[f"adam/{c.id}#{i}"]
                if isinstance(exp, dict) and isinstance(exp.get("next_w"), np.ndarray):
                    secrets += [f"{x:.6f}" for x in exp["next_w"].reshape(-1)[:4]]
    assert secrets
    assert [s for s in secrets if s in view] == []
    assert "HIDDEN-NAME" not in view
    # the instructor still sees everything
    full = json.dumps(result.model_dump())
    assert any(s in full for s in secrets)


def test_hidden_checks_show_coarse_hints_only(fc_optim, process_sandbox, settings):
    """rel_error is not an oracle: no figure, position or value of a hidden check."""
    src = """
def adam(w, dw, config=None):
    import numpy as np
    config = dict(config or {})
    return w + 1e6, config
"""
    result = run_grade(fc_optim, reference_with(fc_optim, {"nndl/optim.py": src}),
                       process_sandbox, settings)
    view = for_students(result)
    hidden = [c for c in todo(view, "adam").checks if c.visibility != "visible"]
    assert hidden
    for c in hidden:
        for o in c.outputs:
            assert o.rel_error is None and o.worst_index is None and o.detail is None
            assert o.wrong_elements is None and o.shape is None and o.wrong_mask is None
            assert not re.search(r"\d\.\d+e[+-]\d\d", o.message), o.message
        assert not re.search(r"\d\.\d+e[+-]\d\d", c.feedback), c.feedback
        assert "index" not in c.feedback
    full_hidden = [c for c in todo(result, "adam").checks if c.visibility != "visible"]
    assert any(o.rel_error is not None for c in full_hidden for o in c.outputs)


def test_breaking_a_block_on_purpose_never_raises_a_composite(fc_optim, process_sandbox,
                                                              settings):
    """FullyConnectedNet.loss without the regularization gradient, with correct layers and
    with every layer broken: the same score for the loss (its blocks are the reference's)."""
    variant = next(v for v in fc_optim.manifest.variants if v.id == "fc_loss_no_reg_gradient")
    files = variant_files(fc_optim, variant)
    honest = run_grade(fc_optim, files, process_sandbox, settings)
    broken = dict(files)
    broken["nndl/layers.py"] = broken["nndl/layers.py"] + b'''
def affine_forward(x, w, b):
    raise RuntimeError("broken on purpose")

def affine_backward(dout, cache):
    raise RuntimeError("broken on purpose")

def relu_forward(x):
    raise RuntimeError("broken on purpose")

def relu_backward(dout, x):
    raise RuntimeError("broken on purpose")
'''
    steered = run_grade(fc_optim, broken, process_sandbox, settings)
    loss_h, loss_s = todo(honest, "FullyConnectedNet.loss"), todo(steered, "FullyConnectedNet.loss")
    assert 0 < loss_h.score < loss_h.max_score
    assert loss_s.score <= loss_h.score
    assert todo(steered, "affine_forward").score == 0
    assert all(c.status != "excused" for t in steered.todos for c in t.checks)


def test_a_child_cannot_reach_the_supervisor(fc_optim, process_sandbox, settings):
    """ptrace, /proc/<pid>/mem and the supervisor's pipes are closed to a check's child."""
    src = """
def adam(w, dw, config=None):
    import ctypes, os
    def parent_of(pid):
        with open(f"/proc/{pid}/stat") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[1])
    sup = parent_of(os.getppid())  # the child's parent is the zygote, whose parent supervises
    found = []
    for fd in range(0, 16):
        try:
            f = os.open(f"/proc/{sup}/fd/{fd}", os.O_WRONLY)
            os.write(f, b"G2R\\x00\\x00\\x00\\x00")
            found.append(f"fd{fd}")
        except OSError:
            pass
    for name in ("mem", "environ"):
        try:
            with open(f"/proc/{sup}/{name}", "rb") as fh:
                fh.read(1)
            found.append(name)
        except OSError:
            pass
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.ptrace(16, sup, 0, 0) == 0:  # PTRACE_ATTACH
        found.append("ptrace")
        libc.ptrace(17, sup, 0, 0)
    raise RuntimeError("REACHED " + " ".join(found) if found else "NOTHING REACHED")
"""
    result = run_grade(fc_optim, reference_with(fc_optim, {"nndl/optim.py": src}),
                       process_sandbox, settings)
    assert result.status == "graded"
    errors = {c.error.split(" (")[0].split("\n")[0] for c in todo(result, "adam").checks
              if c.error}
    assert errors == {"RuntimeError: NOTHING REACHED"}, errors
    assert result.score == 100 - 13


def test_huge_results_end_the_check_with_a_clear_verdict(fc_optim, process_sandbox, settings):
    src = """
def adam(w, dw, config=None):
    import numpy as np
    return np.ones((10, 1000, 1000)), config or {}
"""
    result = run_grade(fc_optim, reference_with(fc_optim, {"nndl/optim.py": src}),
                       process_sandbox, settings.model_copy(update={"result_mb": 16}))
    assert result.status == "graded"
    adam = todo(result, "adam")
    assert adam.score == 0
    assert any("too large" in c.feedback for c in adam.checks), adam.checks[0].feedback
    assert result.score == 100 - 13
