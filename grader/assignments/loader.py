"""Finding an assignment (built-in slug or folder) and the files around its manifest."""

from __future__ import annotations

import ast
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from .. import safe_ast
from ..config import Settings, get_settings
from .manifest import Manifest, load_manifest, module_of


class AssignmentError(LookupError):
    """The assignment does not exist or is malformed (the message says what to do)."""


@dataclass(frozen=True)
class Assignment:
    """An assignment folder with its manifest.

    Attributes:
        root: ``assignments/<slug>/`` (manifest, starter, drivers, cases, fixtures).
        reference: ``reference/<slug>/`` (may be missing where only grading is deployed).
    """

    root: Path
    manifest: Manifest
    reference: Path | None
    #: Whether the assignment's own code (drivers, helpers, reference) may run in the grader's
    #: process: the built-ins and folders a local user grades from their command line; not an
    #: assignment uploaded to the service (its code runs in a sandbox of its own).
    trusted: bool = True

    @property
    def slug(self) -> str:
        return self.manifest.slug

    @property
    def starter(self) -> Path:
        return self.root / self.manifest.starter

    @property
    def fixtures_dir(self) -> Path:
        return self.root / "fixtures"

    def drivers_source(self) -> str:
        return (self.root / self.manifest.drivers).read_text()

    def cases_source(self) -> str:
        return (self.root / self.manifest.cases).read_text()

    def helpers_source(self) -> str | None:
        """The sandbox helpers' source, if the assignment has any."""
        path = self.root / self.manifest.helpers
        return path.read_text() if path.is_file() else None

    def starter_files(self) -> dict[str, bytes]:
        """Every file of the starter, by relative path."""
        return {
            p.relative_to(self.starter).as_posix(): p.read_bytes()
            for p in sorted(self.starter.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts
        }

    def reference_files(self) -> dict[str, bytes]:
        """The reference solution's files (starter files it does not override included)."""
        if self.reference is None or not self.reference.is_dir():
            raise AssignmentError(
                f"no reference solution for {self.slug} (looked for {self.reference}); "
                "fixtures can only be built where the reference is present")
        files = self.starter_files()
        for p in sorted(self.reference.rglob("*.py")):
            rel = p.relative_to(self.reference).as_posix()
            if "__pycache__" in p.parts or rel.startswith(("variants/", "rewrites/")):
                continue
            files[rel] = p.read_bytes()
        return files

    def given_sources(self) -> dict[str, str]:
        """Source text of the given functions/classes, per module, cut from the starter."""
        out = {}
        for rel, names in self.manifest.given_functions.items():
            path = self.starter / rel
            st = path.stat()
            out[module_of(rel)] = _given_definitions(str(path), st.st_mtime_ns, st.st_size,
                                                     tuple(names), rel)
        return out

    def source_digest(self) -> str:
        """Hash of everything fixtures are built from (manifest, cases, drivers, starter,
        reference, variants), to tell whether stored fixtures are stale."""
        h = hashlib.sha256()
        items = [("manifest.toml", self.root / "manifest.toml"),
                 ("cases", self.root / self.manifest.cases),
                 ("drivers", self.root / self.manifest.drivers)]
        if (self.root / self.manifest.helpers).is_file():
            items.append(("helpers", self.root / self.manifest.helpers))
        items += [(f"starter/{p.relative_to(self.starter).as_posix()}", p)
                  for p in sorted(self.starter.rglob("*.py")) if "__pycache__" not in p.parts]
        if self.reference and self.reference.is_dir():
            items += [(f"reference/{p.relative_to(self.reference).as_posix()}", p)
                      for p in sorted(self.reference.rglob("*.py"))
                      if "__pycache__" not in p.parts]
        for name, p in items:
            h.update(name.encode() + b"\0" + p.read_bytes() + b"\0")
        return h.hexdigest()


@functools.lru_cache(maxsize=256)
def _given_definitions(path: str, mtime_ns: int, size: int, names: tuple[str, ...],
                       rel: str) -> str:
    """``extract_definitions`` of the file at ``path``, parsed once per version of the file
    (every grading sends the given code; the service grades many against one starter)."""
    return extract_definitions(Path(path).read_text(), list(names), rel)


def extract_definitions(source: str, names: list[str], filename: str) -> str:
    """Source of the top-level ``def``/``class`` statements called ``names`` in ``source``.

    Raises:
        AssignmentError: a name is not defined at the top level of ``source``.
    """
    tree = safe_ast.parse(source, filename=filename)
    lines = source.splitlines(keepends=True)
    chunks = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)) \
                and node.name in names:
            start = min([d.lineno for d in node.decorator_list] + [node.lineno]) - 1
            chunks[node.name] = "".join(lines[start:node.end_lineno])
    missing = [n for n in names if n not in chunks]
    if missing:
        raise AssignmentError(f"{filename}: given definitions not found: {', '.join(missing)}")
    return "\n\n".join(chunks[n] for n in names)


def load_assignment(name_or_path: str | Path, settings: Settings | None = None,
                    trusted: bool | None = None) -> Assignment:
    """Load a built-in assignment by slug, or any assignment folder by path.

    ``trusted`` (see ``Assignment.trusted``): built-ins are; a folder given by path is only
    when the caller says so (the command line does, the service never).

    Raises:
        AssignmentError: nothing is there, or the manifest is invalid.
    """
    settings = settings or get_settings()
    candidate = Path(name_or_path)
    builtin = False
    if (candidate / "manifest.toml").is_file():
        root = candidate.resolve()
    else:
        builtin = True
        root = settings.builtin_assignments / str(name_or_path)
        if not (root / "manifest.toml").is_file():
            known = ", ".join(builtin_slugs(settings)) or "none"
            raise AssignmentError(
                f"unknown assignment {str(name_or_path)!r}: not a built-in slug (known: "
                f"{known}) and not a folder with a manifest.toml")
    try:
        manifest = load_manifest(root / "manifest.toml")
    except ValueError as exc:
        raise AssignmentError(f"invalid manifest: {exc}") from exc
    reference = root / "reference"
    if not reference.is_dir():
        reference = settings.builtin_references / manifest.slug
    if manifest.student_pack:
        reference = root / "no-reference-in-a-pack"
    if trusted is None:
        trusted = builtin or root.parent == settings.builtin_assignments.resolve()
    return Assignment(root=root, manifest=manifest,
                      reference=reference if reference.is_dir() else None, trusted=trusted)


def builtin_slugs(settings: Settings | None = None) -> list[str]:
    """Slugs of the built-in assignments."""
    settings = settings or get_settings()
    base = settings.builtin_assignments
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if (p / "manifest.toml").is_file())
