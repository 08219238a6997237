"""Names a notebook's statements would define, for explaining the ones the grader dropped.

When a graded function needs a name the reduction did not keep, the student is told which
cell defined it and why it was not kept. These helpers find those names: the top-level
bindings of a parsed statement (``bound_names``), and, for a cell that does not parse, a
tolerant line scan of its unindented ``def``, ``class``, ``import`` and assignment lines
(``scan_names``). Both are linear in the text they read.
"""

from __future__ import annotations

import ast
import re

_DEF = re.compile(r"(?:async[ \t]+)?(?:def|class)[ \t]+([A-Za-z_]\w*)")
_IMPORT = re.compile(r"import[ \t]+(.+)")
_FROM = re.compile(r"from[ \t]+[.\w]+[ \t]+import[ \t]+(.+)")
_IDENT = re.compile(r"[A-Za-z_]\w*")


def _target_names(node: ast.AST, out: list[str]) -> None:
    if isinstance(node, ast.Name):
        out.append(node.id)
    elif isinstance(node, (ast.Tuple, ast.List)):
        for elt in node.elts:
            _target_names(elt, out)
    elif isinstance(node, ast.Starred):
        _target_names(node.value, out)


def bound_names(node: ast.stmt) -> list[str]:
    """Names ``node`` binds at module level (assignment, loop and ``with`` targets, imports,
    definitions, also inside top-level ``if``/``for``/``while``/``with``/``try`` blocks;
    not inside functions or classes)."""
    out: list[str] = []
    stack: list[ast.AST] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.append(n.name)
        elif isinstance(n, (ast.Import, ast.ImportFrom)):
            for alias in n.names:
                if alias.name != "*":
                    out.append(alias.asname or alias.name.split(".")[0])
        elif isinstance(n, ast.Assign):
            for t in n.targets:
                _target_names(t, out)
        elif isinstance(n, (ast.AnnAssign, ast.AugAssign)):
            _target_names(n.target, out)
        elif isinstance(n, (ast.For, ast.AsyncFor)):
            _target_names(n.target, out)
            stack.extend(reversed(n.body + n.orelse))
        elif isinstance(n, (ast.With, ast.AsyncWith)):
            for item in n.items:
                if item.optional_vars is not None:
                    _target_names(item.optional_vars, out)
            stack.extend(reversed(n.body))
        elif isinstance(n, (ast.If, ast.While)):
            stack.extend(reversed(n.body + n.orelse))
        elif isinstance(n, ast.Try) or type(n).__name__ == "TryStar":
            for h in n.handlers:  # type: ignore[attr-defined]
                if h.name:
                    out.append(h.name)
                stack.extend(reversed(h.body))
            stack.extend(reversed(n.body + n.orelse + n.finalbody))  # type: ignore[attr-defined]
    return list(dict.fromkeys(out))


def statement_kind(node: ast.stmt) -> str:
    """Why a statement that is neither an import, a definition nor an assignment was not
    kept, in a few words ("is a for loop, which the grader does not run")."""
    words = {ast.For: "a for loop", ast.AsyncFor: "a for loop", ast.While: "a while loop",
             ast.If: "an if block", ast.With: "a with block", ast.AsyncWith: "a with block",
             ast.Try: "a try block", ast.Expr: "an expression", ast.Delete: "a del statement"}
    for kind, what in words.items():
        if isinstance(node, kind):
            return f"is {what}, which the grader does not run"
    return "is not an import, a definition or a constant, so the grader does not run it"


def _import_names(text: str, from_import: bool) -> list[str]:
    text = text.split("#", 1)[0].strip().strip("()\\").strip()
    out = []
    for part in text.split(","):
        words = part.split()
        if not words or words[0] == "*":
            continue
        if len(words) >= 3 and words[1] == "as":
            out.append(words[2])
        elif from_import:
            out.append(words[0])
        else:
            out.append(words[0].split(".")[0])
    return [n for n in out if _IDENT.fullmatch(n)]


def _assigned_names(line: str) -> list[str]:
    """``a, b`` of an unindented ``a, b = ...`` or ``a: int = ...`` line (no regex
    backtracking: one split at the first ``=``)."""
    eq = line.find("=")
    if eq <= 0 or line[eq + 1:eq + 2] == "=" or line[eq - 1] in "=!<>+-*/%&|^@":
        return []  # no assignment, a comparison, or an augmented assignment
    left = line[:eq].split(":", 1)[0].strip().strip("()[]")
    names = [p.strip().strip("()[]*").strip() for p in left.split(",")]
    return names if names and all(_IDENT.fullmatch(n) for n in names) else []


def scan_names(source: str) -> list[str]:
    """Names an unparsable cell would define, from its unindented lines: ``def``/``class``
    names, imported names and simple assignment targets (best effort)."""
    out: list[str] = []
    for line in source.split("\n"):
        if not line or line[0] in " \t#)]}" or line.startswith(("'", '"')):
            continue
        m = _DEF.match(line)
        if m:
            out.append(m.group(1))
            continue
        m = _FROM.match(line)
        if m:
            out += _import_names(m.group(1), from_import=True)
            continue
        m = _IMPORT.match(line)
        if m:
            out += _import_names(m.group(1), from_import=False)
            continue
        out += _assigned_names(line)
    return list(dict.fromkeys(out))
