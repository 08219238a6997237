"""Building a student-like notebook from a module's source (for notebook-submission tests).

The module is split into code cells, one per top-level statement group, in source order, and
interleaved with what real notebooks hold besides definitions: markdown, IPython magics, shell
escapes, and experiment cells (data loading, training loops, plots) that the grader must never
run. ``poison`` cells make that observable: running one would raise at import time.
"""

from __future__ import annotations

import ast
import json

POISON = ("raise RuntimeError('the grader ran a notebook cell that is not a definition')\n")


def code(source: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": source.splitlines(keepends=True)}


def markdown(source: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": source.splitlines(keepends=True)}


def cells_of(source: str) -> list[dict]:
    """One code cell per top-level definition (imports gathered in the first cell)."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    out: list[dict] = []
    imports: list[str] = []
    for node in tree.body:
        start = min([d.lineno for d in getattr(node, "decorator_list", [])] + [node.lineno])
        text = "".join(lines[start - 1:node.end_lineno])
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.append(text)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            out.append(markdown(str(node.value.value)))
        else:
            out.append(code(text))
    return [code("".join(imports) + "%matplotlib inline\n")] + out


def notebook(cells: list[dict]) -> bytes:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3"}}, "cells": cells},
        indent=1).encode()


def with_experiments(source: str, after: dict[str, list[str]], head: list[str]) -> bytes:
    """The module as a notebook: ``head`` cells first (imports of the notebook's libraries,
    magics), then each definition, followed by the experiment cells listed in ``after`` under
    its name (tests, training loops, plots), plus a poison cell that must never run."""
    cells = [code(h) for h in head]
    for cell in cells_of(source):
        cells.append(cell)
        text = "".join(cell["source"])
        for name, extra in after.items():
            if text.startswith((f"def {name}(", f"class {name}(", f"class {name}:")):
                cells += [code(e) for e in extra]
    cells.append(markdown("## Experiments\nNothing below may run when grading."))
    cells.append(code(POISON))
    return notebook(cells)
