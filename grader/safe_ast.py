"""``ast.parse`` behind one lock per process.

CPython 3.11 before 3.11.8 (gh-106905) keeps the AST validator's recursion depth in
interpreter-wide state, so two threads parsing at once can fail with ``SystemError: AST
constructor recursion depth mismatch``. The service grades in threads (the embedded worker
pool), so every parse of the grader's trusted side goes through here.
"""

from __future__ import annotations

import ast
import sys
import threading
from typing import Any

_LOCK = threading.Lock()
_NEEDS_LOCK = sys.version_info < (3, 11, 8)


def parse(source: str | bytes, filename: str = "<unknown>", **kwargs: Any) -> ast.Module:
    """``ast.parse(source, filename, **kwargs)``, serialised where the interpreter needs it."""
    if not _NEEDS_LOCK:
        return ast.parse(source, filename=filename, **kwargs)
    with _LOCK:
        return ast.parse(source, filename=filename, **kwargs)
