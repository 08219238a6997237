"""Issue 12's score-inflation classes against every built-in assignment: a submission that
implements nothing scores what the untouched starter scores (0), whatever it rewrites inside
the sandbox or keeps from one check for the next.

Each attack is appended to every submitted module of the starter, so it runs at import time
in the zygote and in every child forked from it.
"""

from __future__ import annotations

import pytest

from grader.assignments.loader import builtin_slugs, load_assignment

from .conftest import run_grade

pytestmark = pytest.mark.sandbox

# Rewrites the harness's own modules inside the sandbox: every reply of a call claims the
# student's function returned its first argument scaled by 0 (a "perfect step", a zero loss,
# a zero gradient), every sandbox-side helper returns zeros.
HIJACK = b'''
import sys as _sys
import numpy as _np

def _zero_like(v):
    if isinstance(v, _np.ndarray):
        return v * 0
    if isinstance(v, (tuple, list)):
        return type(v)(_zero_like(x) for x in v)
    if isinstance(v, dict):
        return {k: _zero_like(x) for k, x in v.items()}
    return v

def _hijack():
    for name, mod in list(_sys.modules.items()):
        if not name.startswith("grader_harness"):
            continue
        for attr in dir(mod):
            if attr.startswith("perturbed") or attr in ("many", "seed_all"):
                setattr(mod, attr, lambda *a, **k: _np.zeros(8))
    child = _sys.modules.get("grader_harness.child")
    if child is not None and hasattr(child, "ChildContext"):
        real = child.ChildContext.run_op

        def run_op(self, op):
            reply = real(self, op)
            if isinstance(reply, dict) and isinstance(op, dict):
                args = op.get("args") or []
                if args:
                    reply["ok"] = True
                    reply["value"] = _zero_like(args[0])
            return reply

        child.ChildContext.run_op = run_op

_hijack()
'''

# Keeps every array any call receives (shared memory made at import time, files) and answers
# each call with a kept array of the right shape: another check's input might be this check's
# expected output.
STASH = b'''
import mmap as _mmap, pickle as _pickle, functools as _functools, inspect as _inspect
import numpy as _np

_SHARED = globals().get("_SHARED") or _mmap.mmap(-1, 1 << 22)

def _keep(values):
    try:
        old = _pickle.loads(_SHARED[:].rstrip(b"\\0") or _pickle.dumps([]))
    except Exception:
        old = []
    old += [v for v in values if isinstance(v, _np.ndarray)]
    data = _pickle.dumps(old[-100:])
    if len(data) < len(_SHARED):
        _SHARED[:len(data)] = data
    try:
        with open("/tmp/stash", "ab") as fh:
            _pickle.dump([v for v in values if isinstance(v, _np.ndarray)], fh)
    except OSError:
        pass
    return old

def _guess(like, kept):
    for v in reversed(kept):
        if isinstance(v, _np.ndarray) and v.shape == _np.shape(like) and v is not like:
            return v.copy()
    return like

def _stashing(fn):
    @_functools.wraps(fn)
    def wrapper(*args, **kwargs):
        values = [a for a in list(args) + list(kwargs.values())]
        for a in list(values):
            if isinstance(a, dict):
                values += list(a.values())
            elif hasattr(a, "__dict__"):
                values += list(vars(a).values())
        kept = _keep(values)
        arrays = [a for a in values if isinstance(a, _np.ndarray)]
        if not arrays:
            return kept[-1].copy() if kept else 0.0
        first = _guess(arrays[0], kept)
        if not _TUPLES:
            return first
        return (first, *(_guess(a, kept) for a in arrays[1:2]))
    return wrapper

def _wrap_everything():
    g = globals()
    for name, obj in list(g.items()):
        if name.startswith("_") or getattr(obj, "__module__", None) != __name__:
            continue
        if _inspect.isfunction(obj):
            g[name] = _stashing(obj)
        elif _inspect.isclass(obj):
            for attr, fn in list(vars(obj).items()):
                if _inspect.isfunction(fn) and not attr.startswith("__"):
                    setattr(obj, attr, _stashing(fn))

_wrap_everything()
'''


def _attacked(assignment, attack: bytes) -> dict[str, bytes]:
    files = dict(assignment.starter_files())
    for rel in assignment.manifest.submission_files:
        if rel.endswith(".py") and rel in files:
            files[rel] = files[rel] + b"\n" + attack
    return files


@pytest.fixture(scope="module", params=builtin_slugs(), ids=str)
def builtin(request, settings):
    return load_assignment(request.param, settings)


@pytest.mark.parametrize("attack", [HIJACK, b"_TUPLES = False" + STASH, b"_TUPLES = True" + STASH],
                         ids=["hijack-harness", "stash-answer-array", "stash-answer-tuple"])
def test_implementing_nothing_scores_what_the_starter_scores(builtin, attack, process_sandbox,
                                                             settings):
    starter = run_grade(builtin, builtin.starter_files(), process_sandbox, settings)
    assert starter.status == "graded" and starter.score == 0, starter.failure
    result = run_grade(builtin, _attacked(builtin, attack), process_sandbox, settings)
    assert result.status == "graded", result.failure
    assert result.score == 0, [(t.id, t.score, t.feedback[:200]) for t in result.todos
                               if t.score]
