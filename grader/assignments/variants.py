"""Splicing a variant (an alternative implementation of one TODO) into a copy of the code.

A variant file holds the replacement definitions only: a top-level ``def name(...)``, or a
``class Name:`` whose methods replace the same-named methods of ``Name``. Splicing works on
source text, so the result is an ordinary submission that goes through the real sandbox like
any student's.
"""

from __future__ import annotations

import ast
import textwrap

from .. import safe_ast
from .loader import Assignment, AssignmentError
from .manifest import Variant


def _top_level(tree: ast.Module) -> dict[str, ast.stmt]:
    return {n.name: n for n in tree.body
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def _span(node: ast.stmt) -> tuple[int, int]:
    start = min([d.lineno for d in getattr(node, "decorator_list", [])] + [node.lineno])
    return start - 1, node.end_lineno or node.lineno


def splice(target_source: str, replacement_source: str, filename: str = "<target>") -> str:
    """Replace definitions in ``target_source`` by those in ``replacement_source``.

    Raises:
        AssignmentError: a replaced name does not exist in the target.
    """
    target = safe_ast.parse(target_source, filename=filename)
    repl = safe_ast.parse(replacement_source)
    lines = target_source.splitlines(keepends=True)
    repl_lines = replacement_source.splitlines(keepends=True)
    edits: list[tuple[int, int, str]] = []
    tops = _top_level(target)
    for node in repl.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name not in tops:
                raise AssignmentError(f"{filename}: no top-level function {node.name} to replace")
            s, e = _span(node)
            ts, te = _span(tops[node.name])
            edits.append((ts, te, "".join(repl_lines[s:e])))
        elif isinstance(node, ast.ClassDef):
            cls = tops.get(node.name)
            if not isinstance(cls, ast.ClassDef):
                raise AssignmentError(f"{filename}: no class {node.name} to patch")
            methods = {m.name: m for m in cls.body
                       if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))}
            for m in node.body:
                if not isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                if m.name not in methods:
                    raise AssignmentError(f"{filename}: class {node.name} has no method {m.name}")
                s, e = _span(m)
                ts, te = _span(methods[m.name])
                body = textwrap.dedent("".join(repl_lines[s:e]))
                indent = lines[ts][: len(lines[ts]) - len(lines[ts].lstrip())]
                edits.append((ts, te, textwrap.indent(body, indent)))
    for ts, te, text in sorted(edits, reverse=True):
        lines[ts:te] = [text if text.endswith("\n") else text + "\n"]
    return "".join(lines)


def variant_files(assignment: Assignment, variant: Variant) -> dict[str, bytes]:
    """The reference solution with ``variant`` spliced into its TODO's file."""
    files = assignment.reference_files()
    todo = assignment.manifest.todo(variant.todo)
    assert assignment.reference is not None
    path = assignment.reference / variant.file
    if not path.is_file():
        raise AssignmentError(f"variant {variant.id}: file {path} not found")
    files[todo.file] = splice(files[todo.file].decode(), path.read_text(), todo.file).encode()
    return files
