"""Notebook extraction: definitions only, last one wins, broken cells cost only themselves."""

from __future__ import annotations

import json

import pytest

from grader.notebook import NotebookError, NotebookTooLarge, notebook_to_module, reduce_notebook


def nb(*cells):
    return json.dumps({"nbformat": 4, "cells": [
        {"cell_type": c[0], "source": c[1], "metadata": {}} for c in cells]}).encode()


def test_keeps_imports_definitions_constants_and_last_definition_wins():
    data = nb(("code", "import numpy as np\n%matplotlib inline\n!pip install torch\nEPS = 1e-8"),
              ("markdown", "# text"),
              ("code", "def f(x):\n    return x + 1\n\nf(3)\nplt.plot([1])"),
              ("code", "class Base:\n    pass\nclass Child(Base):\n    pass"),
              ("code", "def f(x):\n    return x + 2\nfor i in range(10**9):\n    pass"),
              ("code", "%%bash\nrm -rf /"),
              ("code", "data = load_big_dataset()\nmodel.fit(data)"))
    source, notes = notebook_to_module(data)
    ns: dict = {}
    exec(compile(source, "<nb>", "exec"), ns)  # only defs/imports/constants: safe and fast
    assert ns["f"](1) == 3 and ns["EPS"] == 1e-8 and issubclass(ns["Child"], ns["Base"])
    assert "range(10**9)" not in source and "rm -rf" not in source and "load_big" not in source
    assert any("were not run" in n for n in notes)


def test_broken_cell_costs_only_itself():
    data = nb(("code", "def good():\n    return 1"), ("code", "def bad(:\n    pass"))
    source, notes = notebook_to_module(data)
    assert "def good" in source
    assert notes[0].startswith("notebook cell 2 does not parse (SyntaxError at line 1")


@pytest.mark.parametrize("data,message", [
    (b"\xff\xfe", "is not UTF-8 text"),
    (b"{not json", "its JSON does not parse"),
    (b'{"cells": 3}', "it has no list of cells"),
    (nb(("markdown", "only text")), "has no code cells"),
])
def test_malformed_notebooks(data, message):
    with pytest.raises(NotebookError, match=message):
        notebook_to_module(data, "hw.ipynb")


# --- constants written as expressions (issue 11 item 8) ----------------------------------


def _run(source: str) -> dict:
    ns: dict = {}
    exec(compile(source, "<nb>", "exec"), ns)  # only imports, defs and checked constants
    return ns


def test_expression_constants_are_kept_and_run_as_written():
    data = nb(("code", "import numpy as np\nimport math\nEPS = 10 ** -8\nBETA1, BETA2 = 0.9, "
                       "0.999; LR = 1e-3 * 2; train()"),
              ("code", "x0 = np.array([-1.5, 2.0])\nW = np.zeros((3, 4))\nCFG = {'lr': LR, "
                       "'eps': EPS}\nSTEP = CFG['lr'] * 2\nEPS_F = np.float64(1e-7)\n"
                       "HALF = float('0.5')\nN = int(2 ** 10)\nR2 = math.sqrt(2) / -2\n"
                       "TINY = np.finfo(float).eps\nGRID = np.linspace(-2, 2, 5)\nLR *= 0.5"),
              ("code", "def adam(w, dw, eps=EPS):\n    return w - LR * dw / (BETA2 + eps)\n"
                       "relu = lambda x: np.maximum(0, x)\nACT = relu"))
    red = reduce_notebook(data)
    ns = _run(red.source)
    assert ns["EPS"] == 1e-8 and (ns["BETA1"], ns["BETA2"]) == (0.9, 0.999)
    assert ns["LR"] == 1e-3 and ns["STEP"] == 4e-3 and ns["N"] == 1024
    assert ns["x0"].tolist() == [-1.5, 2.0] and ns["W"].shape == (3, 4)
    assert ns["EPS_F"] == 1e-7 and ns["HALF"] == 0.5 and ns["R2"] == -(2 ** 0.5) / 2
    assert ns["GRID"].tolist() == [-2, -1, 0, 1, 2] and ns["TINY"] > 0
    assert ns["adam"](1.0, 0.0) == 1.0 and ns["ACT"](-1) == 0
    assert "train()" not in red.source
    assert red.dropped_names == {}


def test_constants_that_would_run_code_or_blow_up_are_dropped_with_their_reason():
    data = nb(("code", "import numpy as np\ndata = load()\nB = data + 1\nfor i in range(3):\n"
                       "    pass\nBIG = 10 ** 10 ** 8\nL = [0] * 10**9\nZ = np.zeros((10**5, "
                       "10**5))\nS = 'x' * 10**8\nD = 1 / 0\nR = np.random.randn(3)\n"
                       "F = f'{EPS}'\nK = {'a': 1}['b']\nLATER = EARLY\nEARLY = 1"))
    red = reduce_notebook(data)
    assert red.dropped_names == {
        "data": "cell 1: `data = load()` calls load(), so it was not kept",
        "B": "cell 1: `B = data + 1` uses `data`, which was not kept (cell 1), so it was not "
             "kept",
        "i": "cell 1: `for i in range(3):` is a for loop, which the grader does not run",
        "BIG": "cell 1: `BIG = 10 ** 10 ** 8` computes an integer of more than 10000 bits, so "
               "it was not kept",
        "L": "cell 1: `L = [0] * 10**9` builds a sequence of more than 1,000,000 elements, so "
             "it was not kept",
        "Z": "cell 1: `Z = np.zeros((10**5, 10**5))` calls np.zeros() for more than 1,000,000 "
             "elements, so it was not kept",
        "S": "cell 1: `S = 'x' * 10**8` builds a sequence of more than 1,000,000 elements, so "
             "it was not kept",
        "D": "cell 1: `D = 1 / 0` raises ZeroDivisionError (`1 / 0`), so it was not kept",
        "R": "cell 1: `R = np.random.randn(3)` calls np.random.randn(), so it was not kept",
        "F": "cell 1: `F = f'{EPS}'` formats a string, so it was not kept",
        "K": "cell 1: `K = {'a': 1}['b']` reads `{'a': 1}['b']`, a key the dict does not have "
             "(KeyError), so it was not kept",
        "LATER": "cell 1: `LATER = EARLY` uses `EARLY`, which the notebook does not define "
                 "before cell 1, so it was not kept",
    }
    ns = _run(red.source)  # what was kept runs, fast
    assert ns["EARLY"] == 1 and "data" not in ns and "BIG" not in ns


def test_kept_constants_are_bounded_in_total():
    lines = "\n".join(f"A{i} = [0.0] * 900000" for i in range(12))
    red = reduce_notebook(nb(("code", lines)))
    kept = [f"A{i}" for i in range(12) if f"A{i}" not in red.dropped_names]
    assert len(kept) == 11  # 11 x 900,000 elements fit in 10,000,000; the 12th does not
    assert red.dropped_names["A11"] == (
        "cell 1: `A11 = [0.0] * 900000` would bring the constants kept from this notebook "
        "above 10,000,000 elements, so it was not kept")


def test_names_of_a_cell_that_does_not_parse_and_of_magics_are_explained():
    data = nb(("code", "import numpy as np"),
              ("markdown", "text"),
              ("code", "class ReLU:\n    def __call__(self, x):\n        return np.maximum(0, x)"
                       "\nEPS, DELTA = 1e-8, 1e-5\nfrom math import sqrt as root, pi\n"
                       "def broken(:\n    pass"),
              ("code", "files = !ls\n%time x = 3\ndef layer(x, act=ReLU()):\n    return act(x)"))
    red = reduce_notebook(data)
    why = "cell 3 does not parse (SyntaxError at line 6: invalid syntax), so nothing in it " \
          "was kept"
    assert red.dropped_names == {
        "ReLU": why, "EPS": why, "DELTA": why, "root": why, "pi": why, "broken": why,
        "files": "cell 4: `files = !ls` is an IPython magic or shell command, which the "
                 "grader does not run",
        "x": "cell 4: `%time x = 3` is an IPython magic or shell command, which the grader "
             "does not run"}
    assert "def layer" in red.source  # the module keeps what it can; ReLU is explained


def test_a_name_kept_later_is_not_reported_and_last_definition_wins():
    data = nb(("code", "EPS = load()\ndef f():\n    return 1"),
              ("code", "EPS = 1e-8\ndef f():\n    return 2"))
    red = reduce_notebook(data)
    ns = _run(red.source)
    assert red.dropped_names == {} and ns["EPS"] == 1e-8 and ns["f"]() == 2


def test_module_order_future_imports_semicolons_and_python_cell_magics():
    data = nb(("code", "import numpy as np"),
              ("code", "from __future__ import annotations\nA = 1; B = A + 1; print(B)"),
              ("code", "%%time\ndef timed():\n    return B"),
              ("code", "%%bash\necho hi"),
              ("code", "@staticmethod\ndef deco():\n    return 3"),
              ("code", "try:\n    import autograd.numpy as anp\nexcept ImportError:\n"
                       "    import numpy as anp"))
    red = reduce_notebook(data)
    ns = _run(red.source)
    assert ns["timed"]() == 2 and ns["anp"] is ns["np"] and "echo" not in red.source
    body = [line for line in red.source.split("\n") if line and not line.startswith("#")]
    assert body[0] == "from __future__ import annotations"


# --- bounds and linear work (issue 12 item 6) --------------------------------------------

BLOCK = '''def step_{i}(w, dw, config=None):
    """Update rule {i}: w <- w - lr * dw."""
    lr = config.get("learning_rate", 1e-2) if config else 1e-2
    return w - lr * dw, config

EPS_{i} = 10 ** -8
for epoch in range(3):
    loss = step_{i}(1.0, 0.5)
plt.plot([1, 2, 3])
'''


def dense_notebook(code_chars: int, output_chars: int = 0, per_cell: int | None = 20
                   ) -> bytes:
    """A notebook of about ``code_chars`` of realistic code (blocks of a def, a constant, a
    loop and a plot) in cells of ``per_cell`` blocks (None: all in one cell), plus one image
    output of ``output_chars``."""
    blocks = [BLOCK.format(i=n) for n in range(-(-code_chars // len(BLOCK.format(i=0))))]
    step = per_cell or len(blocks)
    cells = [{"cell_type": "code", "source": "".join(blocks[i:i + step]), "metadata": {},
              "outputs": [], "execution_count": None} for i in range(0, len(blocks), step)]
    if output_chars:
        cells[0]["outputs"] = [{"output_type": "display_data", "metadata": {},
                                "data": {"image/png": "A" * output_chars}}]
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                       "cells": cells}).encode()


def _traced_lines(data: bytes) -> int:
    """Python lines executed while reducing ``data`` (the grader's and the standard
    library's: ``ast.get_source_segment`` per statement would show here as quadratic)."""
    import sys

    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        reduce_notebook(data)
    finally:
        sys.settrace(None)
    return count


def test_reduction_work_is_linear_in_the_size_of_a_cell():
    # one big cell, as in the attack: the work per statement must not grow with the cell
    small = _traced_lines(dense_notebook(20_000, per_cell=None))
    large = _traced_lines(dense_notebook(80_000, per_cell=None))
    assert large < 4.4 * small, (small, large)


def test_reduction_work_is_linear_in_the_number_of_cells():
    small = _traced_lines(dense_notebook(20_000))
    large = _traced_lines(dense_notebook(80_000))
    assert large < 4.4 * small, (small, large)


def test_a_1mb_notebook_reduces_in_time_proportional_to_its_size():
    import time

    def cpu(data: bytes) -> float:
        best = float("inf")
        for _ in range(3):
            t0 = time.thread_time()
            reduce_notebook(data, max_code_bytes=256 << 10)
            best = min(best, time.thread_time() - t0)
        return best

    tiny = dense_notebook(2_500)  # 1% of the code of the large one
    large = dense_notebook(250_000, output_chars=750_000)
    assert len(large) > 1_000_000
    ratio = cpu(large) / cpu(tiny)
    # linear: about 100; the quadratic reduction of before: about 10,000
    assert ratio < 1000, ratio


def test_bounds_on_code_size_and_cpu_time():
    data = dense_notebook(300_000)
    with pytest.raises(NotebookTooLarge) as exc:
        reduce_notebook(data, "hw.ipynb", max_code_bytes=256 << 10)
    size = sum(len(c["source"]) for c in json.loads(data)["cells"])
    assert str(exc.value) == (
        f"the code cells of hw.ipynb hold {size:,} characters of code; the limit is 262,144 "
        "(outputs and text cells do not count). Remove generated or pasted code cells and "
        "submit again")
    with pytest.raises(NotebookTooLarge) as exc:
        reduce_notebook(dense_notebook(2_000), "hw.ipynb", max_cpu_seconds=1e-9)
    assert str(exc.value) == (
        "hw.ipynb took more than 1e-09 s of CPU to reduce to its definitions (stopped in "
        "cell 1 after 0 top-level statements); remove generated or pasted code cells and "
        "submit again")
