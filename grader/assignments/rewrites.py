"""Equivalent rewrites of the reference, generated (AST) and listed (manifest): each must get
full marks, or a correct student who wrote it differently would lose points.

Generated, for every composite TODO (one whose checks answer blocks with the reference):

- ``blocks-twice``: every statement that assigns the result of a block call is run twice (real
  students call a layer function again rather than keep its result);
- ``blocks-aliased``: the blocks are called through other names bound at import time
  (``af = affine_forward``), the way ``from .layers import affine_forward as af`` does.

Listed: the manifest's ``[[rewrites]]``, files under the reference folder in the variants'
format (inlined helpers, other call orders, loops instead of vector code, other attribute
names...).
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass

from .. import safe_ast
from .loader import Assignment, AssignmentError
from .manifest import Todo
from .variants import splice


@dataclass
class Rewrite:
    """An equivalent submission: the reference with one TODO rewritten."""

    id: str
    todo: str
    description: str
    files: dict[str, bytes]


def block_names(assignment: Assignment, todo: Todo) -> set[str]:
    """The names (functions, or methods' last parts) of the blocks a TODO's checks answer."""
    todos = {t.id: t for t in assignment.manifest.todos}
    names = set()
    for check in todo.checks:
        for tid in check.blocks:
            names.add((todos[tid].target or todos[tid].id).rpartition(".")[2])
    return names


def _find(tree: ast.Module, qual: str) -> ast.FunctionDef | None:
    cls, _, fn = qual.rpartition(".")
    body = tree.body
    if cls:
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name == cls:
                body = node.body
                break
        else:
            return None
    for node in body:
        if isinstance(node, ast.FunctionDef) and node.name == fn:
            return node
    return None


def _called(node: ast.AST) -> str | None:
    if isinstance(node, ast.Call):
        f = node.func
        if isinstance(f, ast.Name):
            return f.id
        if isinstance(f, ast.Attribute):
            return f.attr
    return None


def _stored(st: ast.Assign) -> set[str]:
    return {n.id for t in st.targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _loaded(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


class _Twice(ast.NodeTransformer):
    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.count = 0

    def _body(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for st in stmts:
            st = self.visit(st)
            if isinstance(st, ast.Assign) and _called(st.value) in self.names \
                    and not _stored(st) & _loaded(st.value):
                out.append(copy.deepcopy(st))
                self.count += 1
            out.append(st)
        return out

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(node, field, None)
            if isinstance(stmts, list) and stmts and isinstance(stmts[0], ast.stmt):
                setattr(node, field, self._body(stmts))
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.stmt):
                self.visit(child)
        return node


class _Alias(ast.NodeTransformer):
    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.used: set[str] = set()

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id in self.names:
            self.used.add(node.func.id)
            node.func = ast.Name(id=f"_grader_alias_{node.func.id}", ctx=ast.Load())
        return node


def _replacement(qual: str, fn: ast.FunctionDef) -> str:
    cls, _, _ = qual.rpartition(".")
    text = ast.unparse(fn)
    if not cls:
        return text + "\n"
    body = "\n".join("    " + line for line in text.splitlines())
    return f"class {cls}:\n{body}\n"


def generated(assignment: Assignment) -> list[Rewrite]:
    """The generated rewrites (see the module docstring)."""
    out = []
    base = assignment.reference_files()
    for todo in assignment.manifest.todos:
        names = block_names(assignment, todo)
        if not names:
            continue
        qual = todo.target or todo.id
        source = base[todo.file].decode()
        tree = safe_ast.parse(source)
        fn = _find(tree, qual)
        if fn is None:
            raise AssignmentError(f"{todo.file}: no {qual} in the reference")
        twice = _Twice(names)
        fn2 = twice.visit(copy.deepcopy(fn))
        if twice.count:
            files = dict(base)
            files[todo.file] = splice(source, _replacement(qual, fn2), todo.file).encode()
            out.append(Rewrite(f"{todo.id}:blocks-twice", todo.id,
                               "every block call made twice", files))
        alias = _Alias({n for n in names if "." not in n})
        fn3 = alias.visit(copy.deepcopy(fn))
        if alias.used:
            files = dict(base)
            text = splice(source, _replacement(qual, fn3), todo.file)
            text += "\n\n" + "\n".join(f"_grader_alias_{n} = {n}" for n in sorted(alias.used))
            files[todo.file] = (text + "\n").encode()
            out.append(Rewrite(f"{todo.id}:blocks-aliased", todo.id,
                               "blocks called through other names", files))
    return out


def listed(assignment: Assignment) -> list[Rewrite]:
    """The manifest's ``[[rewrites]]``."""
    out = []
    base = assignment.reference_files()
    ref = assignment.reference
    for r in assignment.manifest.rewrites:
        todo = assignment.manifest.todo(r.todo)
        if ref is None or not (ref / r.file).is_file():
            raise AssignmentError(f"rewrite {r.id}: file {r.file} not found in the reference")
        files = dict(base)
        files[todo.file] = splice(files[todo.file].decode(), (ref / r.file).read_text(),
                                  todo.file).encode()
        out.append(Rewrite(r.id, r.todo, r.description or r.id, files))
    return out
