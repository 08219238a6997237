"""Fixtures: case inputs, reference outputs and variant outputs, stored as npz files.

``grader fixtures build SLUG`` runs the case generators and then the reference (and every
registered variant) through the harness, in the sandbox, and writes:

- ``fixtures/inputs-<sha>.npz``: every case's inputs (what the sandbox will receive);
- ``fixtures/expected-<sha>.npz``: the reference's outputs (never leaves trusted code);
- ``fixtures/variants-<sha>.npz``: each variant's outputs on its TODO's cases;
- ``fixtures/index.json``: the files' sha256, the case names, the source digest they were
  built from, and the interpreter/numpy versions that built them.

npz files are written and read with ``allow_pickle=False``. A value is stored as one JSON
skeleton entry (``<key>/__skel__``, uint8) plus one plain array entry per array.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Settings
from ..harness.codec import decode, encode
from ..jobs import cases_job, grade_job
from ..sandbox.base import Sandbox, SandboxRun
from .loader import Assignment, AssignmentError
from .variants import variant_files


class FixtureError(RuntimeError):
    """Fixtures are missing, stale, corrupt, or could not be built."""


@dataclass
class Fixtures:
    """Everything scoring needs besides the manifest."""

    digest: str
    cases: dict[str, list[dict]]  # "todo/check" -> [{"name", "inputs", "meta"}]
    expected: dict[str, Any]  # case key -> outputs
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> key -> outputs
    info: dict[str, Any] = field(default_factory=dict)


# --- npz storage -----------------------------------------------------------------------


def _to_npz(values: dict[str, Any]) -> bytes:
    arrays: dict[str, np.ndarray] = {}
    for key, value in values.items():
        skel, buffers = encode(value)
        arrays[f"{key}/__skel__"] = np.frombuffer(json.dumps(skel).encode(), dtype=np.uint8)
        _attach(skel, buffers, key, arrays)
    out = io.BytesIO()
    np.savez_compressed(out, **arrays)
    return out.getvalue()


def _attach(skel: Any, buffers: list[bytes], key: str, arrays: dict[str, np.ndarray]) -> None:
    if isinstance(skel, dict):
        if skel.get("t") in ("ndarray",) and "buf" in skel:
            arr = np.frombuffer(buffers[skel["buf"]], dtype=np.dtype(skel["dtype"]))
            arrays[f"{key}/{skel['buf']}"] = arr.reshape(skel["shape"])
        elif skel.get("t") == "bytes":
            arrays[f"{key}/{skel['buf']}"] = np.frombuffer(buffers[skel["buf"]], dtype=np.uint8)
        for v in skel.get("items", []):
            _attach(v[1] if isinstance(v, list) else v, buffers, key, arrays)


def _from_npz(data: bytes) -> dict[str, Any]:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        entries = {name: npz[name] for name in npz.files}
    out = {}
    for name, arr in entries.items():
        if not name.endswith("/__skel__"):
            continue
        key = name[: -len("/__skel__")]
        skel = json.loads(arr.tobytes().decode())
        buffers: dict[int, bytes] = {}
        prefix = key + "/"
        for other, a in entries.items():
            tail = other[len(prefix):]
            if other.startswith(prefix) and tail.isdigit():
                buffers[int(tail)] = np.ascontiguousarray(a).tobytes()
        ordered = [buffers.get(i, b"") for i in range(max(buffers, default=-1) + 1)]
        out[key] = decode(skel, ordered)
    return out


def _write(dirpath: Path, role: str, data: bytes) -> tuple[str, str]:
    sha = hashlib.sha256(data).hexdigest()
    name = f"{role}-{sha[:16]}.npz"
    (dirpath / name).write_bytes(data)
    return name, sha


# --- loading -----------------------------------------------------------------------------


def load_fixtures(assignment: Assignment, check_fresh: bool = True) -> Fixtures:
    """Read an assignment's fixtures, verifying hashes (and freshness, if the sources are here).

    Raises:
        FixtureError: missing, corrupt or stale (the message names the command to rebuild).
    """
    d = assignment.fixtures_dir
    index_path = d / "index.json"
    rebuild = f"run `grader fixtures build {assignment.slug}`"
    if not index_path.is_file():
        raise FixtureError(f"{assignment.slug} has no fixtures yet; {rebuild}")
    index = json.loads(index_path.read_text())
    if check_fresh and assignment.reference is not None \
            and index.get("source_digest") != assignment.source_digest():
        raise FixtureError(f"the fixtures of {assignment.slug} are older than its manifest, "
                           f"cases, drivers or reference; {rebuild}")
    blobs = {}
    for role in ("inputs", "expected", "variants"):
        name = index["files"][role]
        data = (d / name).read_bytes()
        if hashlib.sha256(data).hexdigest() != index["sha256"][role]:
            raise FixtureError(f"fixture file {name} does not match its recorded hash; {rebuild}")
        try:
            blobs[role] = _from_npz(data)
        except (ValueError, OSError, zipfile.BadZipFile) as exc:
            raise FixtureError(f"fixture file {name} is corrupt ({exc}); {rebuild}") from exc
    cases: dict[str, list[dict]] = {}
    for group, entries in index["cases"].items():
        cases[group] = [
            {"name": e["name"], "meta": e.get("meta", {}),
             "inputs": blobs["inputs"][f"{group}#{i}"]}
            for i, e in enumerate(entries)
        ]
    variants: dict[str, dict[str, Any]] = {}
    for key, value in blobs["variants"].items():
        vid, _, case = key.partition("::")
        variants.setdefault(vid, {})[case] = value
    return Fixtures(digest=index["source_digest"], cases=cases, expected=blobs["expected"],
                    variants=variants, info=index)


# --- building ----------------------------------------------------------------------------


def _run_ok(run: SandboxRun, what: str) -> None:
    if not run.finished:
        why = "timed out" if run.timed_out else f"ended early (code {run.returncode})"
        raise FixtureError(f"{what}: the harness {why}; stderr: {run.stderr[-1500:]}")


def collect_cases(assignment: Assignment, sandbox: Sandbox, settings: Settings
                  ) -> dict[str, list[dict]]:
    """Run the case generators in the sandbox."""
    run = sandbox.run(cases_job(assignment, settings), wall_seconds=600)
    _run_ok(run, "case generators")
    failed = [f for f in run.frames if f.get("type") == "cases_failed"]
    if failed:
        raise FixtureError(f"case generators failed: {failed[0].get('message')}\n"
                           f"{failed[0].get('output', '')[-1500:]}")
    cases: dict[str, list[dict]] = {}
    for frame in run.frames:
        if frame.get("type") != "cases":
            continue
        if frame.get("status") != "ok":
            err = frame.get("error") or {}
            raise FixtureError(f"case generator for {frame.get('check')} failed: "
                               f"{err.get('type')}: {err.get('message')}\n"
                               f"{err.get('traceback', '')}")
        cases[frame["check"]] = frame["cases"]
    for todo in assignment.manifest.todos:
        for check in todo.checks:
            group = f"{todo.id}/{check.id}"
            if not cases.get(group):
                raise FixtureError(f"case generator {check.cases} produced no case for {group}")
    return cases


def outputs_of(run: SandboxRun) -> dict[str, dict]:
    """``case key -> check frame`` of a grade run."""
    return {f["check"]: f for f in run.frames if f.get("type") == "check"}


def build_fixtures(assignment: Assignment, sandbox: Sandbox, settings: Settings,
                   log: Any = print) -> Fixtures:
    """Build and store the fixtures of ``assignment`` (see the module docstring).

    Raises:
        FixtureError: a generator failed, or the reference (or an accepted variant) did not
            produce every output.
    """
    t0 = time.monotonic()
    cases = collect_cases(assignment, sandbox, settings)
    n = sum(len(v) for v in cases.values())
    log(f"cases: {n} cases in {len(cases)} checks ({time.monotonic() - t0:.1f} s)")

    ref_run = sandbox.run(grade_job(assignment, assignment.reference_files(), cases, settings),
                          wall_seconds=settings.grading_seconds * 4)
    _run_ok(ref_run, "reference run")
    results = outputs_of(ref_run)
    bad = {k: f for k, f in results.items() if f.get("status") != "ok"}
    if bad or not results:
        k, f = next(iter(bad.items())) if bad else ("?", {})
        err = f.get("error") or {}
        raise FixtureError(
            f"the reference failed {len(bad)} case(s); first: {k}: {f.get('status')} "
            f"{err.get('type', '')}: {err.get('message', f.get('reason', ''))}\n"
            f"{err.get('internal', err.get('traceback', ''))}")
    expected = {k: f["outputs"] for k, f in results.items()}
    info = next((f for f in ref_run.frames if f.get("type") == "hello"), {})
    log(f"reference: {len(expected)} cases ({ref_run.seconds:.1f} s in {ref_run.sandbox})")

    variant_out: dict[str, Any] = {}
    for variant in assignment.manifest.variants:
        run = sandbox.run(grade_job(assignment, variant_files(assignment, variant), cases,
                                    settings, todo_ids=[variant.todo]),
                          wall_seconds=settings.grading_seconds * 2)
        _run_ok(run, f"variant {variant.id}")
        frames = outputs_of(run)
        ok = {k: f["outputs"] for k, f in frames.items() if f.get("status") == "ok"}
        if variant.kind == "accepted" and len(ok) != len(frames):
            raise FixtureError(f"accepted variant {variant.id} failed on "
                               f"{len(frames) - len(ok)} case(s)")
        for k, v in ok.items():
            variant_out[f"{variant.id}::{k}"] = v
        log(f"variant {variant.id} ({variant.kind}): {len(ok)}/{len(frames)} cases ran")

    d = assignment.fixtures_dir
    d.mkdir(parents=True, exist_ok=True)
    for old in d.glob("*.npz"):
        old.unlink()
    inputs = {f"{g}#{i}": c["inputs"] for g, lst in cases.items() for i, c in enumerate(lst)}
    files, shas = {}, {}
    for role, values in (("inputs", inputs), ("expected", expected), ("variants", variant_out)):
        files[role], shas[role] = _write(d, role, _to_npz(values))
    index = {
        "slug": assignment.slug,
        "source_digest": assignment.source_digest(),
        "built_by": {"sandbox": ref_run.sandbox, "python": info.get("python"),
                     "numpy": info.get("numpy")},
        "files": files,
        "sha256": shas,
        "cases": {g: [{"name": c["name"], "meta": c.get("meta") or {}} for c in lst]
                  for g, lst in cases.items()},
    }
    (d / "index.json").write_text(json.dumps(index, indent=1, sort_keys=True) + "\n")
    log(f"fixtures written to {d} ({time.monotonic() - t0:.1f} s)")
    return load_fixtures(assignment)


def ensure_known(assignment: Assignment) -> None:
    """Raise ``AssignmentError`` early when a reference is needed but absent."""
    if assignment.reference is None:
        raise AssignmentError(f"{assignment.slug} has no reference folder")
