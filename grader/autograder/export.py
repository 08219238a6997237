"""``grader export-gradescope SLUG -o autograder.zip``: an assignment as a Gradescope autograder.

The zip follows Gradescope's documented layout: ``setup.sh`` and ``run_autograder`` at its
root (Gradescope unpacks it to ``/autograder/source``). Beside them:

- ``src/grader/``: this grader (the runner grades with the same engine as everywhere);
- ``src/assignments/<slug>/``: manifest, starter, drivers, case generators and the built
  fixtures;
- ``src/reference/<slug>/``: the reference solution (with its variants, which the fixtures'
  freshness check reads): composite TODOs are judged with their blocks answered by the
  reference, outside the student's sandbox. The runner closes ``/autograder`` (``0700``) and
  runs student code as a fresh unprivileged uid (in bubblewrap where it can), so it is never
  readable by the submission;
- ``config.json``: slug, late policy and submission limit (``scoring.penalties.Policy``), and
  per-student extensions keyed by the student's Gradescope email, name or SID
  (``scoring.penalties.Extension``; the runner applies the one of the submitting user);
- ``requirements.txt`` and, unless ``wheels=False``, ``wheels/`` with the dependencies and pip
  itself for the target Python versions, so ``setup.sh`` needs no network.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from ..assignments.fixtures import load_fixtures
from ..assignments.loader import Assignment
from ..scoring.penalties import Extension, Policy

REQUIREMENTS = ["pydantic>=2.5", "tomli>=2; python_version < '3.11'"]
TEMPLATES = Path(__file__).resolve().parent / "templates"
PACKAGE = Path(__file__).resolve().parent.parent


class ExportError(RuntimeError):
    """The autograder zip could not be built (the message says why)."""


def _add_tree(zf: zipfile.ZipFile, root: Path, prefix: str, skip: tuple[str, ...] = ()) -> None:
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or "__pycache__" in rel.parts or any(
                rel.as_posix().startswith(s) for s in skip):
            continue
        zf.write(path, f"{prefix}/{rel.as_posix()}")


def _download_wheels(dest: Path, python_versions: list[str]) -> None:
    reqs = [r for r in REQUIREMENTS]
    for version in python_versions:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:",
               "--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_17_x86_64",
               "--python-version", version, "--dest", str(dest), "pip", *reqs]
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if res.returncode != 0:
            raise ExportError(f"could not download wheels for Python {version} (use "
                              f"--no-wheels to let setup.sh install from the index): "
                              f"{res.stderr.strip()[-600:]}")


def extensions_config(extensions: dict[str, Extension]) -> dict[str, dict]:
    """Extensions as ``config.json`` stores them."""
    return {key: {"due_at": e.due_at.isoformat() if e.due_at else None,
                  "extra_late_days": e.extra_late_days,
                  "extra_submissions": e.extra_submissions}
            for key, e in sorted(extensions.items())}


def export_gradescope(assignment: Assignment, output: Path, *, policy: Policy | None = None,
                      extensions: dict[str, Extension] | None = None,
                      wheels: bool = True,
                      python_versions: tuple[str, ...] = ("3.10", "3.11", "3.12")) -> Path:
    """Write the autograder zip for ``assignment`` to ``output`` (``extensions``: by the
    student's email, name or SID as Gradescope knows them).

    Raises:
        ExportError: fixtures missing or stale, or wheels could not be fetched.
    """
    try:
        load_fixtures(assignment)
    except Exception as exc:  # noqa: BLE001 - say why in the export's terms
        raise ExportError(f"cannot export {assignment.slug}: {exc}") from exc
    policy = policy or Policy()
    config = {"slug": assignment.slug, "policy": {
        "late_percent_per_day": policy.late_percent_per_day,
        "late_cap_percent": policy.late_cap_percent,
        "late_days_accepted": policy.late_days_accepted,
        "max_submissions": policy.max_submissions,
        "resubmission_penalty_percent": policy.resubmission_penalty_percent},
        "extensions": extensions_config(extensions or {})}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ("setup.sh", "run_autograder"):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o100755 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, (TEMPLATES / name).read_bytes())
        zf.writestr("config.json", json.dumps(config, indent=1))
        zf.writestr("requirements.txt", "\n".join(REQUIREMENTS) + "\n")
        _add_tree(zf, PACKAGE, "src/grader", skip=("service", "store", "queue", "web", "portal"))
        _add_tree(zf, assignment.root, f"src/assignments/{assignment.slug}",
                  skip=("reference",))
        if assignment.reference is not None:
            _add_tree(zf, assignment.reference, f"src/reference/{assignment.slug}")
        if wheels:
            with tempfile.TemporaryDirectory() as tmp:
                _download_wheels(Path(tmp), list(python_versions))
                for whl in sorted(Path(tmp).glob("*.whl")):
                    zf.write(whl, f"wheels/{whl.name}")
    output.write_bytes(buf.getvalue())
    return output
