"""Notebook extraction: definitions only, last one wins, broken cells cost only themselves."""

from __future__ import annotations

import json

import pytest

from grader.notebook import NotebookError, notebook_to_module


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
