"""Reducing a Jupyter notebook to a gradable module, without running any of it.

Code cells are read in document order and parsed one by one (by AST, never executed here).
Kept: imports, ``def`` and ``class`` statements, and simple constant assignments (literals).
Dropped: IPython magics and shell escapes, and every other top-level statement (training
loops, data loading, plotting). The last definition of a name wins (students redefine
functions in later cells), placed where the name was first defined so that classes keep
their base classes above them. A cell that does not parse costs only what it defines; the
notes say which cell and why.
"""

from __future__ import annotations

import ast
import json
from typing import Any

MAGIC_PREFIXES = ("%", "!", "?")


class NotebookError(ValueError):
    """The file is not a readable notebook (the message says what is wrong)."""


def _cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    if isinstance(src, list):
        src = "".join(str(s) for s in src)
    if not isinstance(src, str):
        raise NotebookError("a cell's source is neither text nor a list of lines")
    return src


def strip_magics(source: str) -> tuple[str, int]:
    """Blank out IPython magics and shell escapes; returns the text and how many lines went.

    A cell magic (``%%bash`` ...) blanks the whole cell. ``x = !ls`` and ``y = %time f()``
    lines go too. Line numbers are preserved (lines become empty).
    """
    lines = source.split("\n")
    if lines and lines[0].lstrip().startswith("%%"):
        return "\n" * (len(lines) - 1), len(lines)
    out, removed = [], 0
    for line in lines:
        s = line.lstrip()
        if s.startswith(MAGIC_PREFIXES) or _is_magic_assignment(s) or s.endswith("?") and \
                s[:-1].replace(".", "").replace("_", "").isalnum():
            out.append("")
            removed += 1
        else:
            out.append(line)
    return "\n".join(out), removed


def _is_magic_assignment(s: str) -> bool:
    if "=" not in s:
        return False
    rhs = s.split("=", 1)[1].lstrip()
    return rhs.startswith(("!", "%")) and not s.split("=", 1)[0].rstrip().endswith(("!", "<", ">"))


def _is_literal(node: ast.AST) -> bool:
    try:
        ast.literal_eval(node)
        return True
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False


def _kept(node: ast.stmt) -> tuple[str, list[str]] | None:
    """(kind, names) for a statement worth keeping, else None."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return "import", []
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return "def", [node.name]
    if isinstance(node, ast.Assign) and _is_literal(node.value):
        names = []
        for t in node.targets:
            elts = t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t]
            if not all(isinstance(e, ast.Name) for e in elts):
                return None
            names += [e.id for e in elts]  # type: ignore[union-attr]
        return "const", names
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
            and node.value is not None and _is_literal(node.value):
        return "const", [node.target.id]
    return None


def notebook_to_module(data: bytes, name: str = "notebook.ipynb") -> tuple[str, list[str]]:
    """Turn notebook bytes into module source; returns ``(source, notes)``.

    Raises:
        NotebookError: not UTF-8, not JSON, or not shaped like a notebook.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotebookError(f"{name} is not UTF-8 text (byte offset {exc.start}); save the "
                            "notebook again from Jupyter and resubmit") from exc
    try:
        nb: Any = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise NotebookError(f"{name} is not a valid notebook: its JSON does not parse "
                            f"({exc})") from exc
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookError(f"{name} is not a valid notebook: it has no list of cells "
                            "(nbformat 4 expected)")
    notes: list[str] = []
    imports: list[str] = []
    seen_imports: set[str] = set()
    order: list[str] = []  # names in order of first definition
    latest: dict[str, tuple[int, str]] = {}  # name -> (cell number, source)
    dropped_cells: list[int] = []
    code_cells = 0
    for number, cell in enumerate(nb["cells"], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        code_cells += 1
        source, _ = strip_magics(_cell_source(cell))
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
            line = getattr(exc, "lineno", None)
            msg = getattr(exc, "msg", str(exc))
            notes.append(f"notebook cell {number} does not parse ({type(exc).__name__}"
                         f"{f' at line {line}' if line else ''}: {msg}); what it defines "
                         "was not graded")
            continue
        dropped = False
        for node in tree.body:
            kept = _kept(node)
            if kept is None:
                dropped = True
                continue
            kind, names = kept
            segment = ast.get_source_segment(source, node, padded=True) or ""
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                    and node.decorator_list:
                first = node.decorator_list[0]
                segment = "\n".join(source.split("\n")[first.lineno - 1:node.end_lineno])
            if kind == "import":
                if segment not in seen_imports:
                    seen_imports.add(segment)
                    imports.append(segment)
                continue
            key = names[0] if kind == "def" else "const:" + ",".join(names)
            if key not in latest:
                order.append(key)
            latest[key] = (number, segment)
        if dropped:
            dropped_cells.append(number)
    if code_cells == 0:
        raise NotebookError(f"{name} has no code cells")
    parts = ["# Module extracted from the notebook by the grader: imports, definitions and",
             "# constants only; nothing else in the notebook was run.", ""]
    parts += imports + [""]
    for key in order:
        number, segment = latest[key]
        parts.append(f"# --- notebook cell {number} ---")
        parts.append(segment.rstrip() + "\n")
    if dropped_cells:
        shown = ", ".join(str(c) for c in dropped_cells[:12])
        more = "..." if len(dropped_cells) > 12 else ""
        notes.append(f"top-level statements in notebook cells {shown}{more} (training loops, "
                     "plots, tests) were not run; only imports, definitions and constants "
                     "are graded")
    return "\n".join(parts) + "\n", notes
