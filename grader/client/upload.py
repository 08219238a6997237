"""What ``grader submit PATH`` uploads: a ``.py`` file, a ``.zip`` or an ``.ipynb`` as it is,
or a folder as one zip of its files (hidden folders, ``__pycache__``, notebook checkpoints
and virtualenvs left out; the service keeps the files the assignment grades)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ..exit_codes import EXIT_REFUSED
from .api import ClientError

KINDS = (".py", ".zip", ".ipynb")
SKIPPED = {"__pycache__", ".ipynb_checkpoints", "node_modules", "venv", ".venv", "env"}


def _kept(rel: Path) -> bool:
    return not any(part in SKIPPED or part.startswith(".") for part in rel.parts)


def folder_zip(folder: Path) -> bytes:
    """The folder's files (but the skipped ones) as a zip, paths relative to it.

    Raises:
        ClientError: it holds no .py file and no notebook.
    """
    files = sorted(p for p in folder.rglob("*")
                   if p.is_file() and _kept(p.relative_to(folder)))
    if not any(p.suffix in (".py", ".ipynb") for p in files):
        raise ClientError(f"{folder} holds no .py file and no notebook: submit the folder "
                          "with your code (for example the one holding nndl/)", EXIT_REFUSED)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in files:
            zf.write(p, p.relative_to(folder).as_posix())
    return out.getvalue()


def upload_files(path: Path) -> list[tuple[str, bytes]]:
    """The (name, content) pairs to upload for ``path``.

    Raises:
        ClientError: no such path, or a kind of file the service does not grade.
    """
    if path.is_dir():
        return [(f"{path.resolve().name or 'submission'}.zip", folder_zip(path))]
    if not path.exists():
        raise ClientError(f"no such file or folder: {path}", EXIT_REFUSED)
    if path.suffix.lower() not in KINDS:
        raise ClientError(f"{path.name}: submit a folder, a .py file, a .zip or an .ipynb "
                          "notebook", EXIT_REFUSED)
    return [(path.name, path.read_bytes())]
