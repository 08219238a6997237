"""A statement that fails costs the names it defines, not the module."""

from __future__ import annotations

import types

from grader.harness.importer import describe_exception
from grader.harness.statements import exec_statements, split_chunks

SOURCE = '''
import numpy as np
EPS = 1e-8

class ReLU:
    def forward(self, x)
        return np.maximum(x, 0)

def layer(x, act=ReLU()):
    return act.forward(x)

def adam(w):
    return w - EPS

TEXT = """a string
def not_a_def():
"""

x = undefined_name + 1

def after():
    return TEXT
'''


def test_failures_cost_their_names_only():
    mod = types.ModuleType("m")
    fails = exec_statements(mod, SOURCE, "m.py", lambda e: describe_exception(e, "/nowhere"))
    assert [(f.kind, f.names) for f in fails] == [("syntax", ["ReLU"]), ("raised", ["layer"]),
                                                   ("raised", ["x"])]
    assert fails[0].line == 5 and "class ReLU" in fails[0].source_line
    assert fails[1].error["type"] == "NameError"
    assert mod.adam(1.0) == 1.0 - 1e-8 and mod.after().startswith("a string")
    assert not hasattr(mod, "ReLU") and not hasattr(mod, "layer")


def test_a_cut_inside_a_string_is_joined_back():
    chunks = split_chunks(SOURCE, "m.py")
    texts = [c.text for c in chunks if c.tree is not None]
    assert any('TEXT = """a string' in t and "def not_a_def" in t for t in texts)


def test_skipped_statements_are_reported_with_the_reason():
    mod = types.ModuleType("m")
    src = "A = 1\nwhile True:\n    pass\nB = 2\n"
    fails = exec_statements(mod, src, "m.py", lambda e: {}, skip={2: "did not finish"})
    assert mod.A == 1 and mod.B == 2
    assert fails[0].error["message"] == "did not finish"
