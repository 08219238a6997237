"""Reducing a Jupyter notebook to a gradable module, without running any of it.

Code cells are read in document order and parsed one by one (by AST, never executed here).
Kept: imports (also ``try``/``except`` blocks made only of imports), ``def`` and ``class``
statements, and constant assignments: literals, and expressions over literals and names
already kept that ``grader.notebook_constants`` accepts (``EPS = 10 ** -8``, ``x0 =
np.array([-1.5, 2.0])``). Dropped: IPython magics and shell escapes, and every other top-level
statement (training loops, data loading, plotting). The last definition of a function or
class wins (students redefine functions in later cells), placed where the name was first
defined so that classes keep their base classes above them; constants stay in document order.
A cell that does not parse costs only what it defines; the notes say which cell and why, and
``Reduction.dropped_names`` says, for every name the notebook defines but the module does not,
which cell defined it and why it was not kept.

The work is linear in the notebook's size: each cell is split into lines once and every kept
statement is cut out of those lines by its AST positions (``ast.get_source_segment`` per
statement would rescan the cell each time: quadratic). It is also bounded: the code cells may
hold at most ``max_code_bytes`` of text (``NotebookTooLarge`` otherwise, before any parsing),
and the reduction stops with ``NotebookTooLarge`` once it has used ``max_cpu_seconds`` of CPU.
"""

from __future__ import annotations

import ast
import gc
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from . import safe_ast
from .notebook_constants import ConstantChecker, NotKept
from .notebook_names import bound_names, scan_names, statement_kind

MAGIC_PREFIXES = ("%", "!", "?")
#: Cell magics whose body is Python (timed or captured): only their first line is removed.
PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture", "%%prun")
#: At most this many names are explained in ``dropped_names``.
MAX_DROPPED_NAMES = 1000


class NotebookError(ValueError):
    """The file is not a readable notebook (the message says what is wrong)."""


class NotebookTooLarge(NotebookError):
    """The notebook is over a size or time bound of the reduction (the message names it)."""


@dataclass
class Reduction:
    """The module extracted from a notebook.

    ``dropped_names`` maps each top-level name the notebook defines but the module does not
    (including names a cell that does not parse would define) to a one-line reason, such as
    ``"cell 2: `EPS = load()` calls load(), so it was not kept"``.
    ``statements`` counts the top-level statements read.
    """

    source: str
    notes: list[str] = field(default_factory=list)
    dropped_names: dict[str, str] = field(default_factory=dict)
    statements: int = 0


def _cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    if isinstance(src, list):
        src = "".join(str(s) for s in src)
    if not isinstance(src, str):
        raise NotebookError("a cell's source is neither text nor a list of lines")
    return src


def _strip_magic_lines(lines: list[str]) -> tuple[list[str], list[str]]:
    """``lines`` with IPython magics and shell escapes blanked (line numbers preserved), and
    the blanked lines."""
    if lines and lines[0].lstrip().startswith("%%"):
        first = lines[0].strip().split()[0] if lines[0].strip() else ""
        if first in PYTHON_CELL_MAGICS:
            return [""] + lines[1:], [lines[0]]
        return [""] * len(lines), lines
    out, removed = [], []
    for line in lines:
        s = line.lstrip()
        if s.startswith(MAGIC_PREFIXES) or _is_magic_assignment(s) or s.endswith("?") and \
                s[:-1].replace(".", "").replace("_", "").isalnum():
            out.append("")
            removed.append(line)
        else:
            out.append(line)
    return out, removed


def strip_magics(source: str) -> tuple[str, int]:
    """Blank out IPython magics and shell escapes; returns the text and how many lines went.

    A cell magic (``%%bash`` ...) blanks the whole cell, except those whose body is Python
    (``%%time``, ``%%timeit``, ``%%capture``, ``%%prun``: only their first line goes).
    ``x = !ls`` and ``y = %time f()`` lines go too. Line numbers are preserved.
    """
    lines, removed = _strip_magic_lines(source.split("\n"))
    return "\n".join(lines), len(removed)


def _is_magic_assignment(s: str) -> bool:
    if "=" not in s:
        return False
    rhs = s.split("=", 1)[1].lstrip()
    return rhs.startswith(("!", "%")) and not s.split("=", 1)[0].rstrip().endswith(("!", "<", ">"))


def _slice_cols(line: str, start: int | None, end: int | None) -> str:
    """``line`` cut at UTF-8 byte offsets ``start``/``end`` (the AST's column unit)."""
    if line.isascii():
        return line[start:end]
    return line.encode("utf-8")[start:end].decode("utf-8", "replace")


def segment(lines: list[str], node: ast.stmt) -> str:
    """The source of top-level statement ``node`` (decorators included) cut out of the
    cell's ``lines``: O(length of the statement)."""
    decorators = getattr(node, "decorator_list", None)
    if decorators:  # a top-level decorator line starts at column 0 with its "@"
        l0, c0 = decorators[0].lineno - 1, 0
    else:  # a simple statement may follow another on its line, after a ";"
        l0, c0 = node.lineno - 1, node.col_offset
    l1, c1 = (node.end_lineno or node.lineno) - 1, node.end_col_offset
    if l0 == l1:
        return _slice_cols(lines[l0], c0, c1)
    return "\n".join([_slice_cols(lines[l0], c0, None), *lines[l0 + 1:l1],
                      _slice_cols(lines[l1], None, c1)])


def _first_line(text: str, limit: int = 60) -> str:
    line = text.strip().split("\n", 1)[0].strip()
    return line if len(line) <= limit else line[:limit - 1] + "…"


def _imports_only(node: ast.Try) -> bool:
    """A ``try`` whose every branch holds only imports and ``pass`` (optional modules)."""
    bodies = [node.body, node.orelse, node.finalbody] + [h.body for h in node.handlers]
    return bool(node.body) and all(isinstance(s, (ast.Import, ast.ImportFrom, ast.Pass))
                                   for body in bodies for s in body)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: a large cell's AST is hundreds of thousands of
    new objects without cycles, and collections triggered while it is built would rescan
    them all again and again (they double the time of ``ast.parse``)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load(data: bytes, name: str) -> list[dict]:
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
    return nb["cells"]


class _Reducer:
    """One pass over the code cells (see the module docstring)."""

    def __init__(self, name: str, max_cpu_seconds: float | None) -> None:
        self.name = name
        self.max_cpu_seconds = max_cpu_seconds
        self.started = time.thread_time()
        self.future: list[str] = []
        self.imports: list[str] = []
        self.seen_imports: set[str] = set()
        # items in document order: (position, cell, source); defs keep their first position
        self.items: list[list[Any]] = []
        self.defs: dict[str, int] = {}  # def/class name -> index in items
        self.kept: set[str] = set()
        self.dropped: dict[str, str] = {}  # first reason per name not kept (so far)
        self.dropped_cells: list[int] = []
        self.notes: list[str] = []
        self.statements = 0
        self.cell = 0
        self.checker = ConstantChecker(self._missing)

    def _missing(self, name: str) -> str:
        if name in self.dropped:
            return f"which was not kept ({self.dropped[name].split(':', 1)[0]})"
        return f"which the notebook does not define before cell {self.cell}"

    def _tick(self) -> None:
        if self.max_cpu_seconds is not None and \
                time.thread_time() - self.started > self.max_cpu_seconds:
            raise NotebookTooLarge(
                f"{self.name} took more than {self.max_cpu_seconds:g} s of CPU to reduce to "
                f"its definitions (stopped in cell {self.cell} after {self.statements} "
                "top-level statements); remove generated or pasted code cells and submit "
                "again")

    def _drop(self, names: list[str], reason: str) -> None:
        for n in names:
            if n not in self.kept and n not in self.dropped:
                self.dropped[n] = reason

    def _keep(self, names: list[str]) -> None:
        for n in names:
            self.kept.add(n)
            self.dropped.pop(n, None)

    def cell_source(self, number: int, source: str) -> None:
        self.cell = number
        self._tick()
        lines, removed = _strip_magic_lines(source.split("\n"))
        for line in removed:
            magic = line.lstrip()
            if magic.startswith("%") and not magic.startswith("%%"):
                magic = magic.split(None, 1)[1] if " " in magic else ""  # %time x = 3
            names = scan_names(magic)
            if names:
                self._drop(names, f"cell {number}: `{_first_line(line)}` is an IPython "
                                  "magic or shell command, which the grader does not run")
        text = "\n".join(lines)
        try:
            with _no_cyclic_gc():
                tree = safe_ast.parse(text)
        except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
            line = getattr(exc, "lineno", None)
            msg = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
            where = f" at line {line}" if line else ""
            self.notes.append(f"notebook cell {number} does not parse ({type(exc).__name__}"
                              f"{where}: {msg}); what it defines was not graded")
            self._drop(scan_names(text), f"cell {number} does not parse "
                                         f"({type(exc).__name__}{where}: {msg}), so nothing "
                                         "in it was kept")
            return
        dropped = False
        for index, node in enumerate(tree.body):
            self.statements += 1
            if self.statements % 256 == 0:
                self._tick()
            if not self.statement((number, index), number, node, lines):
                dropped = True
        if dropped:
            self.dropped_cells.append(number)

    def statement(self, position: tuple[int, int], number: int, node: ast.stmt,
                  lines: list[str]) -> bool:
        """Keep or drop one top-level statement; True if kept."""
        if isinstance(node, (ast.Import, ast.ImportFrom)) or (
                isinstance(node, ast.Try) and _imports_only(node)):
            text = segment(lines, node)
            future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
            if text not in self.seen_imports:
                self.seen_imports.add(text)
                (self.future if future else self.imports).append(text)
            names = bound_names(node)
            for sub in ([node] if not isinstance(node, ast.Try) else ast.walk(node)):
                if isinstance(sub, (ast.Import, ast.ImportFrom)):
                    self.checker.bind_import(sub)
            self._keep(names)
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            text = segment(lines, node)
            if node.name in self.defs:
                self.items[self.defs[node.name]][1:] = [number, text]
            else:
                self.defs[node.name] = len(self.items)
                self.items.append([position, number, text])
            self.checker.bind_definition(node.name, "class" if isinstance(node, ast.ClassDef)
                                         else "def")
            self._keep([node.name])
            return True
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            try:
                names = self.checker.check(node)
            except NotKept as exc:
                snippet = _first_line(segment(lines, node))
                self._drop(bound_names(node),
                           f"cell {number}: `{snippet}` {exc.reason}, so it was not kept")
                return False
            self.items.append([position, number, segment(lines, node)])
            self._keep(names)
            return True
        names = bound_names(node)
        if names:
            snippet = _first_line(segment(lines, node))
            self._drop(names, f"cell {number}: `{snippet}` {statement_kind(node)}")
        return False

    def module(self) -> str:
        parts = ["# Module extracted from the notebook by the grader: imports, definitions and",
                 "# constants only; nothing else in the notebook was run.", ""]
        parts += self.future + self.imports + [""]
        last_cell = None
        for _, number, text in sorted(self.items, key=lambda item: item[0]):
            if number != last_cell:
                parts.append(f"# --- notebook cell {number} ---")
                last_cell = number
            parts.append(text.rstrip() + ("\n" if "\n" in text.strip() else ""))
        return "\n".join(parts) + "\n"


def reduce_notebook(data: bytes, name: str = "notebook.ipynb", *,
                    max_code_bytes: int | None = None,
                    max_cpu_seconds: float | None = None) -> Reduction:
    """Reduce notebook bytes to module source, with notes and the names left out.

    Raises:
        NotebookError: not UTF-8, not JSON, not shaped like a notebook, no code cells.
        NotebookTooLarge: its code cells hold more than ``max_code_bytes`` of text, or the
            reduction used more than ``max_cpu_seconds`` of CPU.
    """
    cells = _load(data, name)
    code = []
    for number, cell in enumerate(cells, start=1):
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            code.append((number, _cell_source(cell)))
    if not code:
        raise NotebookError(f"{name} has no code cells")
    if max_code_bytes is not None:
        size = sum(len(src) for _, src in code)
        if size > max_code_bytes:
            raise NotebookTooLarge(
                f"the code cells of {name} hold {size:,} characters of code; the limit is "
                f"{max_code_bytes:,} (outputs and text cells do not count). Remove generated "
                "or pasted code cells and submit again")
    reducer = _Reducer(name, max_cpu_seconds)
    for number, source in code:
        reducer.cell_source(number, source)
    notes = reducer.notes
    if reducer.dropped_cells:
        cells_ = reducer.dropped_cells
        shown = ", ".join(str(c) for c in cells_[:12])
        more = "..." if len(cells_) > 12 else ""
        notes.append(f"top-level statements in notebook cells {shown}{more} (training loops, "
                     "plots, tests) were not run; only imports, definitions and constants "
                     "are graded")
    dropped = dict(list(reducer.dropped.items())[:MAX_DROPPED_NAMES])
    return Reduction(source=reducer.module(), notes=notes, dropped_names=dropped,
                     statements=reducer.statements)


def notebook_to_module(data: bytes, name: str = "notebook.ipynb") -> tuple[str, list[str]]:
    """Turn notebook bytes into module source; returns ``(source, notes)`` (no bounds; see
    ``reduce_notebook``).

    Raises:
        NotebookError: not UTF-8, not JSON, or not shaped like a notebook.
    """
    reduction = reduce_notebook(data, name)
    return reduction.source, reduction.notes
