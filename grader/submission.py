"""Turning what a student hands in (folder, ``.py``, ``.zip``, ``.ipynb``) into files to grade.

The result is a map of relative paths to bytes laid out as the assignment expects
(``nndl/optim.py``...), plus notes for the feedback: files taken from the starter because
they were not submitted, given files replaced by the assignment's copy, files ignored.
Every limit (file count, file size, total size, archive entries, compression ratio) raises a
``SubmissionError`` that says what was wrong and what to do; nothing is written to disk.
"""

from __future__ import annotations

import ast
import io
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from . import safe_ast
from .assignments.loader import Assignment
from .config import Settings


class SubmissionError(ValueError):
    """The submission cannot be graded as handed in (the message says why and what to do)."""


class SubmissionTooLarge(SubmissionError):
    """Over a size or count limit (the message names the limit)."""


@dataclass
class Submission:
    """Files to grade and notes about how they were obtained.

    ``dropped_names`` (notebooks only): each top-level name the notebook defines that the
    extracted module does not, with a one-line reason naming its cell ("cell 2: `EPS =
    load()` calls load(), so it was not kept"), to explain a NameError in the feedback.
    """

    files: dict[str, bytes]
    notes: list[str] = field(default_factory=list)
    submitted: list[str] = field(default_factory=list)
    dropped_names: dict[str, str] = field(default_factory=dict)


# --- reading the raw files -------------------------------------------------------------


def _check_name(rel: str) -> str:
    p = PurePosixPath(rel.replace("\\", "/"))
    if p.is_absolute() or ".." in p.parts or rel.startswith("/"):
        raise SubmissionError(f"archive entry {rel!r} points outside the submission folder; "
                              "re-create the zip from inside your project folder")
    return p.as_posix().lstrip("./") if p.as_posix().startswith("./") else p.as_posix()


def _skip(rel: str) -> bool:
    parts = PurePosixPath(rel).parts
    return any(x.startswith(".") or x in ("__pycache__", "__MACOSX") for x in parts)


def read_zip(data: bytes, settings: Settings, keep: tuple[str, ...] = (".py", ".ipynb"),
             max_file_bytes: int | None = None, max_total_bytes: int | None = None,
             ) -> dict[str, bytes]:
    """Safely read a zip archive held in memory.

    Only entries whose names end with one of ``keep`` are extracted; others are listed with
    empty content (reported as ignored). The limits default to the submission limits.

    Raises:
        SubmissionError: not a zip, an entry escaping the folder, a symlink, or a suspicious
            compression ratio. SubmissionTooLarge: too many entries, or an entry or the total
            over the size limit.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise SubmissionError(f"the file is not a valid zip archive ({exc})") from exc
    infos = zf.infolist()
    if len(infos) > settings.max_archive_members:
        raise SubmissionTooLarge(f"the zip has {len(infos)} entries; the limit is "
                                 f"{settings.max_archive_members}")
    max_file = max_file_bytes or settings.max_file_kb << 10
    max_total = max_total_bytes or settings.max_submission_kb << 10
    files: dict[str, bytes] = {}
    total = 0
    for info in infos:
        rel = _check_name(info.filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise SubmissionError(f"the zip entry {info.filename!r} is a symbolic link; "
                                  "submit regular files only")
        if info.is_dir() or _skip(rel):
            continue
        if info.file_size > max_file and rel.endswith(keep):
            raise SubmissionTooLarge(f"{rel} is {info.file_size} bytes uncompressed; the limit "
                                     f"is {max_file} bytes per file")
        if not rel.endswith(keep):
            files[rel] = b""  # counted and reported as ignored, never extracted
            continue
        if info.compress_size and info.file_size / info.compress_size > 200:
            ratio = info.file_size // max(1, info.compress_size)
            raise SubmissionError(f"the zip entry {rel} expands {ratio}-fold; this looks like "
                                  "a zip bomb and was refused")
        total += info.file_size
        if total > max_total:
            raise SubmissionTooLarge(f"the zip holds more than {max_total} bytes of files to "
                                     f"read; the limit is {max_total >> 10} KB")
        with zf.open(info) as fh:
            content = fh.read(max_file + 1)
        if len(content) > max_file:
            raise SubmissionTooLarge(f"{rel} is larger than {max_file} bytes; the limit is "
                                     f"{max_file} bytes per file")
        files[rel] = content
    return files


def read_folder(folder: Path, settings: Settings) -> dict[str, bytes]:
    """Read the relevant files of a folder (symlinks refused, limits as for zips)."""
    files: dict[str, bytes] = {}
    total = 0
    count = 0
    max_file = settings.max_file_kb << 10
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if _skip(rel):
            continue
        count += 1
        if count > settings.max_archive_members:
            raise SubmissionError(f"the folder has more than {settings.max_archive_members} "
                                  "entries")
        if path.is_symlink():
            raise SubmissionError(f"{rel} is a symbolic link; submit regular files only")
        if not path.is_file():
            continue
        if not rel.endswith((".py", ".ipynb")):
            files[rel] = b""
            continue
        size = path.stat().st_size
        if size > max_file:
            raise SubmissionError(f"{rel} is {size} bytes; the limit is {max_file} bytes per "
                                  "file")
        total += size
        if total > settings.max_submission_kb << 10:
            raise SubmissionError(f"the folder holds more than {settings.max_submission_kb} KB "
                                  "of Python and notebook files")
        files[rel] = path.read_bytes()
    return files


# --- laying the files out as the assignment expects --------------------------------------


def _find_root(paths: list[str], expected: list[str]) -> str:
    """The folder prefix under which the most expected files are found."""
    best, best_hits = "", -1
    prefixes = {""}
    for p in paths:
        parts = PurePosixPath(p).parts
        for i in range(1, len(parts)):
            prefixes.add("/".join(parts[:i]) + "/")
    for prefix in sorted(prefixes, key=len):
        hits = sum(1 for e in expected if prefix + e in paths)
        if hits > best_hits:
            best, best_hits = prefix, hits
    if best_hits <= 0:
        # a flat folder of the right file names (optim.py, layers.py...)
        return ""
    return best


def _decode_check(rel: str, data: bytes) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SubmissionError(
            f"{rel} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save it with UTF-8 encoding and submit again") from exc


def _got_files(names: list[str], shown: int = 8) -> str:
    """What a submission without any graded file held: "got the Python file(s) a.py, b.py"
    (at most ``shown`` names), or "got no Python file"."""
    if not names:
        return "got no Python file"
    listed = ", ".join(names[:shown])
    if len(names) > shown:
        listed += f" and {len(names) - shown} more"
    return f"got the Python file{'s' if len(names) > 1 else ''} {listed}"


def layout(raw: dict[str, bytes], assignment: Assignment, settings: Settings) -> Submission:
    """Arrange raw files into the assignment's layout and add starter/given files."""
    m = assignment.manifest
    notes: list[str] = []
    py = {k: v for k, v in raw.items() if k.endswith(".py")}
    ignored = sorted(k for k in raw if not k.endswith(".py"))
    notebooks = [k for k in ignored if k.endswith(".ipynb")]
    if not py and notebooks:
        if len(notebooks) > 1:
            raise SubmissionError(f"the submission holds {len(notebooks)} notebooks "
                                  f"({', '.join(notebooks[:5])}); submit exactly one")
        return from_notebook(raw[notebooks[0]], notebooks[0], assignment, settings)
    if len(py) > settings.max_submission_files:
        raise SubmissionTooLarge(f"the submission has {len(py)} Python files; the limit is "
                                 f"{settings.max_submission_files}. Submit only your code")
    root = _find_root(list(py), m.submission_files)
    files: dict[str, bytes] = {}
    if root == "" and not any(f in py for f in m.submission_files):
        by_name = {PurePosixPath(e).name: e for e in m.submission_files}
        for rel, data in py.items():
            target = by_name.get(PurePosixPath(rel).name)
            if target and target not in files:
                files[target] = data
            else:
                files[rel] = data
    else:
        for rel, data in py.items():
            if rel.startswith(root):
                files[rel[len(root):]] = data
            else:
                ignored.append(rel)
    submitted = sorted(f for f in files if f in m.submission_files)
    if not submitted:
        raise SubmissionError(f"none of the files this assignment grades was found "
                              f"(expected {', '.join(m.submission_files)}); "
                              f"{_got_files(sorted(py))}")
    for rel, data in files.items():
        _decode_check(rel, data)
    starter = assignment.starter_files()
    for rel in m.submission_files:
        if rel not in files:
            files[rel] = starter[rel]
            notes.append(f"{rel} was not submitted; the starter's copy was graded in its place")
    for rel in m.given_files:
        if rel in files and code_differs(files[rel], starter[rel]):
            notes.append(f"{rel} is given code: your copy was replaced by the assignment's")
        files[rel] = starter[rel]
    for rel in sorted(starter):
        if rel.endswith(".py") and rel not in files and rel.endswith("__init__.py"):
            files[rel] = starter[rel]
    if ignored:
        shown = ", ".join(ignored[:5]) + (f" and {len(ignored) - 5} more" if len(ignored) > 5
                                          else "")
        notes.append(f"ignored {len(ignored)} file(s) that are not graded: {shown}")
    return Submission(files=files, notes=notes, submitted=submitted)


def _code_of(data: bytes) -> str | None:
    """A canonical dump of the module's AST without docstrings (None if it does not
    parse); the empty string for a module with no code (comments, docstrings, blanks)."""
    try:
        tree = safe_ast.parse(data.decode("utf-8"))
    except (SyntaxError, ValueError, UnicodeDecodeError, MemoryError, RecursionError):
        return None
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) \
                and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or ([ast.Pass()] if not isinstance(node, ast.Module) else [])
    if not tree.body:
        return ""
    return ast.dump(tree, annotate_fields=False, include_attributes=False)


def code_differs(submitted: bytes, given: bytes) -> bool:
    """Whether a submitted copy of a given file held code that matters: it has code (not
    only comments, docstrings and blank lines) and that code differs from the given copy's
    (compared as ASTs without docstrings). A copy that does not parse counts as different
    unless it is blank."""
    if submitted == given:
        return False
    mine = _code_of(submitted)
    if mine == "":
        return False
    if mine is None:
        return bool(submitted.strip())
    return mine != _code_of(given)


def from_notebook(data: bytes, name: str, assignment: Assignment,
                  settings: Settings) -> Submission:
    """Reduce a notebook to the assignment's module (see ``grader.notebook``), within the
    settings' bounds (``notebook_code_kb``, ``notebook_cpu_seconds``).

    Raises:
        SubmissionTooLarge: over a bound of the reduction. SubmissionError: not a notebook,
            or an assignment that is not graded from one.
    """
    from .notebook import NotebookError, NotebookTooLarge, reduce_notebook

    m = assignment.manifest
    if not m.notebook_module:
        raise SubmissionError(
            f"{m.slug} is graded from your {', '.join(m.submission_files)}; submit those files "
            "(a folder or a zip), not a notebook")
    try:
        reduction = reduce_notebook(data, name, max_code_bytes=settings.notebook_code_kb << 10,
                                    max_cpu_seconds=settings.notebook_cpu_seconds)
    except NotebookTooLarge as exc:
        raise SubmissionTooLarge(str(exc)) from exc
    except NotebookError as exc:
        raise SubmissionError(str(exc)) from exc
    files = {m.notebook_module: reduction.source.encode()}
    starter = assignment.starter_files()
    for rel in m.given_files:
        files[rel] = starter[rel]
    return Submission(files=files, notes=reduction.notes, submitted=[m.notebook_module],
                      dropped_names=reduction.dropped_names)


def load_submission(path: Path, assignment: Assignment, settings: Settings) -> Submission:
    """Read a submission from a folder, a ``.py``, a ``.zip`` or an ``.ipynb``.

    Raises:
        SubmissionError: unreadable, over a limit, or not what the assignment grades.
    """
    if not path.exists():
        raise SubmissionError(f"{path} does not exist")
    if path.is_symlink():
        raise SubmissionError(f"{path} is a symbolic link; submit regular files only")
    if path.is_dir():
        return layout(read_folder(path, settings), assignment, settings)
    size = path.stat().st_size
    name = path.name
    if name.endswith(".zip"):
        if size > settings.max_submission_kb << 10:
            raise SubmissionError(f"{name} is {size} bytes; the limit is "
                                  f"{settings.max_submission_kb} KB")
        return layout(read_zip(path.read_bytes(), settings), assignment, settings)
    if size > settings.max_file_kb << 10:
        raise SubmissionError(f"{name} is {size} bytes; the limit is {settings.max_file_kb} KB")
    if name.endswith(".ipynb"):
        return from_notebook(path.read_bytes(), name, assignment, settings)
    if name.endswith(".py"):
        return layout({name: path.read_bytes()}, assignment, settings)
    raise SubmissionError(f"{name}: submit a folder, a .py file, a .zip or an .ipynb notebook")


def files_submission(files: dict[str, bytes], assignment: Assignment,
                     settings: Settings) -> Submission:
    """A submission from in-memory files (already laid out or not)."""
    return layout(dict(files), assignment, settings)


UPLOAD_KINDS = (".py", ".zip", ".ipynb")


def read_uploads(uploads: list[tuple[str, bytes]], settings: Settings) -> dict[str, bytes]:
    """Raw files from uploaded ``(file name, content)`` pairs: ``.py`` files (a name may hold
    a relative folder, ``nndl/optim.py``), a folder as a ``.zip``, or an ``.ipynb``.

    Raises:
        SubmissionTooLarge: too many files, a file or the total over the limits.
        SubmissionError: no file, an unknown kind, a name escaping the folder, a duplicate
            name, or a bad zip (see ``read_zip``).
    """
    if not uploads:
        raise SubmissionError("no file was uploaded; send .py files, a .zip or an .ipynb in "
                              "the multipart field 'files'")
    if len(uploads) > settings.max_submission_files:
        raise SubmissionTooLarge(f"{len(uploads)} files were uploaded; the limit is "
                                 f"{settings.max_submission_files} files")
    max_file = settings.max_file_kb << 10
    max_total = settings.max_submission_kb << 10
    if sum(len(data) for _, data in uploads) > max_total:
        raise SubmissionTooLarge(f"the upload holds more than {max_total} bytes; the limit is "
                                 f"{settings.max_submission_kb} KB in all")
    files: dict[str, bytes] = {}
    for name, data in uploads:
        rel = _check_name(name or "")
        if not rel or rel.endswith("/") or not rel.endswith(UPLOAD_KINDS):
            raise SubmissionError(f"{name!r}: submit .py files, a folder as a .zip, or an "
                                  ".ipynb notebook")
        if rel.endswith(".zip"):
            if len(uploads) > 1:
                raise SubmissionError("send a .zip on its own, not with other files")
            return read_zip(data, settings)
        if len(data) > max_file:
            raise SubmissionTooLarge(f"{rel} is {len(data)} bytes; the limit is "
                                     f"{settings.max_file_kb} KB per file")
        if rel in files:
            raise SubmissionError(f"{rel} was uploaded twice; send each file once")
        files[rel] = data
    return files
