"""Assignment bundles: an instructor's assignment folder uploaded as one zip.

A bundle holds what ``assignments/<slug>/`` and ``reference/<slug>/`` hold for a built-in:
``manifest.toml``, the starter folder, ``cases.py``, ``drivers.py`` and a ``reference/``
folder (with ``reference/variants/`` if the manifest lists variants), at the top of the zip or
inside one folder. ``prepare_bundle`` unpacks it safely, builds its fixtures in the sandbox and
runs ``grader check``'s validations; only a bundle that passes them can be stored. The stored
form (``pack_folder``) is the validated folder with its fixtures, zipped, so that any worker
can ``materialize`` it without building anything.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..config import Settings
from ..sandbox.base import Sandbox
from ..submission import SubmissionError, read_zip
from .check import CheckReport, check_assignment
from .fixtures import FixtureError, build_fixtures
from .loader import Assignment, AssignmentError, load_assignment

BUNDLE_FILES = (".py", ".toml", ".txt", ".md", ".json", ".ipynb", ".csv", ".cfg")


class BundleError(ValueError):
    """The bundle cannot be used (the message says why and what to fix)."""


@dataclass
class PreparedBundle:
    """A bundle that was unpacked, built and validated (``report.ok`` may still be False)."""

    assignment: Assignment
    report: CheckReport
    folder: Path
    build_log: list[str]


def unpack(data: bytes, dest: Path, settings: Settings) -> Path:
    """Unpack the bundle zip ``data`` under ``dest``; returns the folder with the manifest.

    Raises:
        SubmissionTooLarge: over the bundle size limits.
        BundleError: not a zip, unsafe entries, no or several manifests.
    """
    limit = settings.max_bundle_kb << 10
    try:
        files = read_zip(data, settings, keep=BUNDLE_FILES, max_file_bytes=limit,
                         max_total_bytes=limit)
    except SubmissionError as exc:
        if type(exc) is not SubmissionError:
            raise
        raise BundleError(f"bundle: {exc}") from exc
    manifests = [p for p in files if PurePosixPath(p).name == "manifest.toml"
                 and len(PurePosixPath(p).parts) <= 2]
    if len(manifests) != 1:
        found = ", ".join(sorted(manifests)) or "none"
        raise BundleError("a bundle holds exactly one manifest.toml, at its top or in one "
                          f"top folder (found: {found})")
    prefix = str(PurePosixPath(manifests[0]).parent)
    prefix = "" if prefix == "." else prefix + "/"
    root = dest / "bundle"
    for rel, content in files.items():
        if not rel.startswith(prefix) or not rel.endswith(BUNDLE_FILES):
            continue
        target = root / rel[len(prefix):]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return root


def _inside(root: Path, rel: str, what: str) -> None:
    target = (root / rel).resolve()
    if target != root and root not in target.parents:
        raise BundleError(f"manifest: {what} {rel!r} points outside the bundle")


def check_paths(a: Assignment) -> None:
    """Every path the manifest names stays inside the bundle and exists.

    Raises:
        BundleError: a path escapes the bundle or is missing.
    """
    m = a.manifest
    root = a.root.resolve()
    for what, rel in (("starter", m.starter), ("drivers", m.drivers), ("cases", m.cases)):
        _inside(root, rel, what)
        if not (root / rel).exists():
            raise BundleError(f"manifest: {what} {rel!r} is not in the bundle")
    if a.reference is None or a.reference.resolve().parent != root:
        raise BundleError("the bundle has no reference/ folder (the instructor's solution, "
                          "needed to build fixtures)")
    for v in m.variants:
        _inside(root, f"reference/{v.file}", f"variant {v.id} file")
    for rel in list(m.submission_files) + list(m.given_files):
        _inside(root, f"{m.starter}/{rel}", "file")
        if not (a.starter / rel).is_file():
            raise BundleError(f"manifest: {rel} is not in the starter folder {m.starter}/")


def prepare_bundle(data: bytes, workdir: Path, sandbox: Sandbox,
                   settings: Settings) -> PreparedBundle:
    """Unpack ``data`` in ``workdir``, build fixtures in ``sandbox``, run the validations.

    Raises:
        BundleError: the bundle is unusable (bad zip, manifest, paths, failing generators or
            reference); the message says what to fix.
        SubmissionTooLarge: over the bundle size limits.
    """
    root = unpack(data, workdir, settings)
    try:
        a = load_assignment(root, settings)
    except AssignmentError as exc:
        raise BundleError(str(exc)) from exc
    check_paths(a)
    log: list[str] = []
    try:
        build_fixtures(a, sandbox, settings, log=log.append)
        report = check_assignment(a, sandbox, settings)
    except (FixtureError, AssignmentError) as exc:
        raise BundleError(f"building the fixtures failed: {exc}") from exc
    return PreparedBundle(assignment=a, report=report, folder=root, build_log=log)


def pack_folder(folder: Path) -> tuple[bytes, str]:
    """The folder as a zip (sorted, fixed timestamps) and its sha256."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                info = zipfile.ZipInfo(p.relative_to(folder).as_posix(), (1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, p.read_bytes())
    data = out.getvalue()
    return data, hashlib.sha256(data).hexdigest()


def materialize(data: bytes, sha: str, cache: Path) -> Path:
    """The stored bundle unpacked at ``cache/<sha>`` (unpacked once; safe under concurrency)."""
    target = cache / sha
    if (target / "manifest.toml").is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{sha[:12]}-", dir=cache))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                rel = PurePosixPath(info.filename)
                if rel.is_absolute() or ".." in rel.parts:
                    raise BundleError(f"stored bundle {sha[:12]} holds an unsafe entry")
                dest = tmp / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(zf.read(info))
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / "manifest.toml").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
