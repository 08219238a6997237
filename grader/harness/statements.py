"""Importing a student's module one top-level statement at a time.

A statement that fails (it does not parse, or it raises while running) costs the names it
would define and whatever needs them, not the whole module: ``def layer(..., act=ReLU())``
after a ``class ReLU`` that does not parse leaves ``layer`` and ``ReLU`` undefined, and every
other function of the module is still graded. Each failure is recorded with its line, the
names it would have defined and why, so the feedback can say once, where it matters, "line 12
(`class ReLU`) does not parse, so `ReLU` is undefined".

Parsing is tolerant: a file that does not parse as a whole is cut into top-level chunks (at
lines that start a statement in column 0), chunks that parse alone are kept, and neighbouring
chunks are joined back where a cut fell inside a statement (a string, a bracket).

This module runs inside the sandbox: stdlib only.
"""

from __future__ import annotations

import ast
import re
import sys
import types
from dataclasses import dataclass, field
from typing import Any

#: A line that may start a top-level statement: not indented, not a comment, not a closing
#: bracket or a continuation.
_STARTS = re.compile(r"^(?![\s#)\]}]|else\b|elif\b|except\b|finally\b)\S")
_DEFINES = re.compile(r"^(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)"
                      r"|^([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)", re.M)

#: How many following chunks a broken chunk may be joined with before it is given up.
MAX_JOIN = 40


@dataclass
class Failure:
    """A top-level statement that did not run."""

    line: int
    end_line: int
    names: list[str]
    kind: str  # "syntax" | "raised"
    error: dict[str, Any] = field(default_factory=dict)
    source_line: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "end_line": self.end_line, "names": self.names,
                "kind": self.kind, "error": self.error, "source_line": self.source_line}


@dataclass
class Chunk:
    """Top-level statements that parsed (``tree``) or did not (``error``), from ``line``."""

    line: int
    text: str
    tree: ast.Module | None = None
    error: SyntaxError | None = None


def names_defined(node: ast.stmt) -> list[str]:
    """The module-level names a statement binds."""
    out: list[str] = []
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            if alias.name == "*":
                continue
            out.append(alias.asname or alias.name.split(".")[0])
        return out
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    elif isinstance(node, (ast.For, ast.AsyncFor, ast.With, ast.AsyncWith, ast.If, ast.While,
                           ast.Try)):
        for sub in ast.walk(node):
            if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.append(sub.name)
            elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                out.append(sub.id)
        return sorted(set(out))
    for t in targets:
        for sub in ast.walk(t):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                out.append(sub.id)
    return out


def guess_names(text: str) -> list[str]:
    """Names a chunk that does not parse would define (``def``/``class``/assignments)."""
    names = []
    for m in _DEFINES.finditer(text):
        name = m.group(1) or m.group(2)
        if name and name not in names:
            names.append(name)
    return names


def _parse(text: str, filename: str, line: int) -> tuple[ast.Module | None, SyntaxError | None]:
    try:
        tree = ast.parse(text, filename=filename)
    except SyntaxError as exc:
        if exc.lineno is not None:
            exc.lineno += line - 1
        return None, exc
    except (ValueError, MemoryError, RecursionError) as exc:  # null bytes, deep nesting
        err = SyntaxError(str(exc))
        err.lineno = line
        err.filename = filename
        return None, err
    ast.increment_lineno(tree, line - 1)
    return tree, None


def split_chunks(source: str, filename: str) -> list[Chunk]:
    """The source as parsed chunks (one chunk when the whole file parses)."""
    tree, error = _parse(source, filename, 1)
    if tree is not None:
        return [Chunk(1, source, tree)]
    lines = source.splitlines(keepends=True)
    starts = [i for i, ln in enumerate(lines) if _STARTS.match(ln)]
    if not starts or starts[0] != 0:
        starts = [0] + starts
    pieces = [(starts[k], starts[k + 1] if k + 1 < len(starts) else len(lines))
              for k in range(len(starts))]
    chunks: list[Chunk] = []
    k = 0
    while k < len(pieces):
        begin = pieces[k][0]
        done = False
        for j in range(k, min(len(pieces), k + MAX_JOIN)):
            text = "".join(lines[begin:pieces[j][1]])
            t, e = _parse(text, filename, begin + 1)
            if t is not None:
                chunks.append(Chunk(begin + 1, text, t))
                k = j + 1
                done = True
                break
        if not done:
            text = "".join(lines[begin:pieces[k][1]])
            _, e = _parse(text, filename, begin + 1)
            chunks.append(Chunk(begin + 1, text, None, e))
            k += 1
    return chunks


def _line_of(source_lines: list[str], line: int) -> str:
    if 1 <= line <= len(source_lines):
        return source_lines[line - 1].strip()[:200]
    return ""


def exec_statements(module: types.ModuleType, source: str, filename: str,
                    describe: Any, progress: Any = None,
                    skip: dict[int, str] | None = None, shown_name: str | None = None
                    ) -> list[Failure]:
    """Run ``source`` in ``module`` statement by statement; the failures, in order.

    ``describe(exc)`` turns an exception into the harness's error dict; ``progress(line)`` is
    called before each statement (so a statement that ends the process can be named);
    statements starting on a line in ``skip`` are not run (they ended the process, or did not
    finish, before: ``skip`` maps the line to why).
    """
    skip = skip or {}
    failures: list[Failure] = []
    src_lines = source.splitlines()
    for chunk in split_chunks(source, filename):
        if chunk.tree is None:
            err = chunk.error
            line = (err.lineno if err and err.lineno else chunk.line)
            failures.append(Failure(
                line=chunk.line, end_line=chunk.line + chunk.text.count("\n"),
                names=guess_names(chunk.text), kind="syntax",
                error={"type": type(err).__name__ if err else "SyntaxError",
                       "message": (err.msg if err and err.msg else "invalid syntax"),
                       "file": shown_name, "line": line, "function": None,
                       "traceback": f"  line {line}\n    {_line_of(src_lines, line)}"},
                source_line=_line_of(src_lines, chunk.line)))
            continue
        for node in chunk.tree.body:
            start = min([d.lineno for d in getattr(node, "decorator_list", [])] + [node.lineno])
            if start in skip:
                failures.append(Failure(
                    line=start, end_line=node.end_lineno or start, names=names_defined(node),
                    kind="raised", error={"type": "ImportAborted", "message": skip[start],
                                          "file": None, "line": start, "function": None,
                                          "traceback": ""},
                    source_line=_line_of(src_lines, start)))
                continue
            if progress is not None:
                progress(start)
            code = compile(ast.Module(body=[node], type_ignores=[]), filename, "exec")
            try:
                exec(code, module.__dict__)  # noqa: S102 - student code, inside the sandbox
            except BaseException as exc:  # noqa: BLE001 - SystemExit at import is a fault too
                error = describe(exc)
                if isinstance(exc, SystemExit):
                    error["message"] = f"the module called sys.exit({exc.code!r}) while being " \
                                       "imported"
                failures.append(Failure(line=start, end_line=node.end_lineno or start,
                                        names=names_defined(node), kind="raised", error=error,
                                        source_line=_line_of(src_lines, start)))
    return failures


class StatementLoader:
    """An importlib loader for the submission's own ``.py`` files (see the module docstring).

    ``failures`` maps module names to their failed statements.
    """

    def __init__(self, path: str, describe: Any, registry: dict[str, list[Failure]],
                 progress: Any = None, skip: dict[str, dict[int, str]] | None = None,
                 shown_name: str | None = None) -> None:
        self.path = path
        self.shown_name = shown_name
        self.describe = describe
        self.registry = registry
        self.progress = progress
        self.skip = skip or {}

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        with open(self.path, "rb") as fh:
            raw = fh.read()
        try:
            source = raw.decode("utf-8")
        except UnicodeDecodeError:
            source = raw.decode("latin-1")
        name = module.__name__
        prog = (lambda line: self.progress(name, line)) if self.progress else None
        failures = exec_statements(module, source, self.path, self.describe, prog,
                                   self.skip.get(name) or {}, self.shown_name)
        self.registry[name] = failures
        sys.modules.setdefault(name, module)
