"""Fixtures: case inputs, reference outputs and variant outputs, stored as npz files.

``grader fixtures build SLUG`` runs the case generators and then the reference (and every
registered variant) through the harness, in the sandbox, and writes:

- ``fixtures/inputs-<sha>.npz``: every case's inputs (what the sandbox will receive);
- ``fixtures/expected-<sha>.npz``: the reference's outputs (never leaves trusted code);
- ``fixtures/variants-<sha>.npz``: each variant's outputs on its TODO's cases;
- ``fixtures/blocks-<sha>.npz``: for visible composite cases, the block calls the reference
  made and their answers (what a student pack answers block calls from). A case whose table
  encodes to more than ``BLOCK_TABLE_MAX_BYTES`` (a training loop's thousands of calls) is
  left out and listed under ``blocks_omitted`` in the index: a pack answers its calls with
  the student's own functions, and the feedback says so;
- ``fixtures/index.json``: the files' sha256, the case names, the source digest they were
  built from, and the interpreter/numpy versions that built them.

npz files are written and read with ``allow_pickle=False``; each value is one uint8 array
holding its encoding in the harness's safe codec. The index also records the order checks run
in (``audit.py``: a check whose expected output appears in another's inputs runs first).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Settings
from ..harness.codec import decode, encode
from ..sandbox.base import Sandbox
from ..sandbox.payloads import cases_job
from .loader import Assignment, AssignmentError
from .variants import variant_files

#: A visible case's recorded block table is kept (for student packs) only below this size,
#: encoded: the largest kept today is fc-optim's gradient check (0.44 MB); mlp-backprop's two
#: training checks (4.1 and 7.3 MB, 300 and 600 calls) are left out.
BLOCK_TABLE_MAX_BYTES = 1 << 20


class FixtureError(RuntimeError):
    """Fixtures are missing, stale, corrupt, or could not be built."""


@dataclass
class Fixtures:
    """Everything scoring needs besides the manifest."""

    digest: str
    cases: dict[str, list[dict]]  # "todo/check" -> [{"name", "inputs", "meta"}]
    expected: dict[str, Any]  # case key -> outputs
    info: dict[str, Any] = field(default_factory=dict)
    #: reads the variants' outputs (see ``variants``) when first asked for
    variants_loader: Callable[[], dict[str, dict[str, Any]]] | None = field(default=None,
                                                                           repr=False)
    _variants: dict[str, dict[str, Any]] | None = field(default=None, repr=False)
    #: reads the block tables (see ``blocks``) when first asked for
    blocks_loader: Callable[[], dict[str, list]] | None = field(default=None, repr=False)
    _blocks: dict[str, list] | None = field(default=None, repr=False)

    @property
    def variants(self) -> dict[str, dict[str, Any]]:
        """Each variant's outputs on its TODO's cases (variant id -> case key -> outputs).

        Read on first use: scoring needs them only for a case that does not pass (an
        accepted variant's outputs, or a known mistake's), so a correct submission's grading
        never pays for them (fc-optim: 0.4 MB, about 45 ms to read).

        Raises:
            FixtureError: the file is missing, corrupt or does not match its hash.
        """
        if self._variants is None:
            self._variants = self.variants_loader() if self.variants_loader is not None else {}
        return self._variants

    @property
    def blocks(self) -> dict[str, list]:
        """Visible composite cases: the block calls the reference made and their answers.

        Read on first use: only a local check and the student pack need them, and they can
        be large (every call a training loop makes), so grading never pays for them.

        Raises:
            FixtureError: the file is missing, corrupt or does not match its hash.
        """
        if self._blocks is None:
            self._blocks = self.blocks_loader() if self.blocks_loader is not None else {}
        return self._blocks

    @property
    def blocks_omitted(self) -> set[str]:
        """Visible cases (``todo/check#i``) whose block table was too large to record."""
        return {str(k) for k in self.info.get("blocks_omitted") or []}

    @property
    def order(self) -> list[str] | None:
        """The order checks run in (``todo/check`` groups), decided when they were built."""
        order = self.info.get("order")
        return list(order) if isinstance(order, list) else None


# --- npz storage -----------------------------------------------------------------------


def _to_npz(values: dict[str, Any]) -> bytes:
    """Each value as one uint8 array holding its safe encoding (``codec.encode``)."""
    arrays = {key: np.frombuffer(encode(value), dtype=np.uint8) for key, value in values.items()}
    out = io.BytesIO()
    np.savez_compressed(out, **arrays)
    return out.getvalue()


#: The header ``np.save`` writes for the 1-D uint8 arrays of ``_to_npz`` (padded with spaces).
_NPY_U8 = re.compile(rb"\{'descr': '\|u1', 'fortran_order': False, 'shape': \((\d+),\), \} *\n")


def _npy_u8_payload(raw: bytes) -> bytes | None:
    """The data of ``.npy`` file ``raw`` if it is a 1-D uint8 array as ``_to_npz`` writes
    them (format 1.0-3.0), else None. Read without numpy's header parser, which evaluates
    each header as a Python literal (half the time of reading fc-optim's fixtures)."""
    if raw[:6] != b"\x93NUMPY" or len(raw) < 10 or raw[6] not in (1, 2, 3):
        return None
    size = 2 if raw[6] == 1 else 4
    start = 8 + size
    end = start + int.from_bytes(raw[8:start], "little")
    m = _NPY_U8.fullmatch(raw, start, end)
    if m is None or int(m.group(1)) != len(raw) - end:
        return None
    return raw[end:]


def _from_npz(data: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            raw = zf.read(info)
            payload = _npy_u8_payload(raw)
            if payload is None:  # written some other way: numpy reads it
                payload = np.lib.format.read_array(io.BytesIO(raw),
                                                   allow_pickle=False).tobytes()
            out[info.filename.removesuffix(".npy")] = decode(payload)
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
    if index.get("format") != 2:
        raise FixtureError(f"the fixtures of {assignment.slug} were built by an older grader; "
                           f"{rebuild}")
    if check_fresh and assignment.reference is not None \
            and index.get("source_digest") != assignment.source_digest():
        raise FixtureError(f"the fixtures of {assignment.slug} are older than its manifest, "
                           f"cases, drivers or reference; {rebuild}")

    def read(role: str) -> dict[str, Any]:
        if role not in index["files"]:
            return {}
        name = index["files"][role]
        try:
            data = (d / name).read_bytes()
        except OSError as exc:
            raise FixtureError(f"fixture file {name} cannot be read ({exc.strerror}); "
                               f"{rebuild}") from exc
        if hashlib.sha256(data).hexdigest() != index["sha256"][role]:
            raise FixtureError(f"fixture file {name} does not match its recorded hash; {rebuild}")
        try:
            return _from_npz(data)
        except (ValueError, OSError, zipfile.BadZipFile) as exc:
            raise FixtureError(f"fixture file {name} is corrupt ({exc}); {rebuild}") from exc

    blobs = {role: read(role) for role in ("inputs", "expected")}
    cases: dict[str, list[dict]] = {}
    for group, entries in index["cases"].items():
        cases[group] = [
            {"name": e["name"], "meta": e.get("meta", {}),
             "inputs": blobs["inputs"][f"{group}#{i}"]}
            for i, e in enumerate(entries)
        ]

    def read_variants() -> dict[str, dict[str, Any]]:
        variants: dict[str, dict[str, Any]] = {}
        for key, value in read("variants").items():
            vid, _, case = key.partition("::")
            variants.setdefault(vid, {})[case] = value
        return variants

    return Fixtures(digest=index["source_digest"], cases=cases, expected=blobs["expected"],
                    info=index, variants_loader=read_variants,
                    blocks_loader=lambda: read("blocks"))


# --- building ----------------------------------------------------------------------------


def collect_cases(assignment: Assignment, sandbox: Sandbox, settings: Settings
                  ) -> dict[str, list[dict]]:
    """Run the case generators in the sandbox."""
    frames, end = sandbox.run_cases(cases_job(assignment, settings), wall_seconds=600)
    if not any(f.get("type") == "done" for f in frames):
        why = "timed out" if end.timed_out else f"ended early (code {end.returncode})"
        raise FixtureError(f"case generators: the harness {why}; stderr: {end.stderr[-1500:]}")
    failed = [f for f in frames if f.get("type") == "cases_failed"]
    if failed:
        raise FixtureError(f"case generators failed: {failed[0].get('message')}\n"
                           f"{str(failed[0].get('output', ''))[-1500:]}")
    cases: dict[str, list[dict]] = {}
    for frame in frames:
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


def _describe(outcome: Any) -> str:
    err = outcome.error or {}
    detail = err.get("internal", err.get("traceback", ""))
    return f"{outcome.status} {err.get('type', '')}: {err.get('message', outcome.reason)}\n{detail}"


def build_fixtures(assignment: Assignment, sandbox: Sandbox, settings: Settings,
                   log: Any = print) -> Fixtures:
    """Build and store the fixtures of ``assignment`` (see the module docstring).

    Raises:
        FixtureError: a generator failed, or the reference (or an accepted variant) did not
            produce every output, or an input gives another check's expected output away
            (``audit.py``).
    """
    from ..engine import host_for

    t0 = time.monotonic()
    cases = collect_cases(assignment, sandbox, settings)
    n = sum(len(v) for v in cases.values())
    log(f"cases: {n} cases in {len(cases)} checks ({time.monotonic() - t0:.1f} s)")
    host = host_for(assignment, sandbox, settings)
    try:
        return _build(assignment, sandbox, settings, log, cases, host, t0)
    finally:
        if not assignment.trusted:
            host.close()


def _build(assignment: Assignment, sandbox: Sandbox, settings: Settings, log: Any,
           cases: dict[str, list[dict]], host: Any, t0: float) -> Fixtures:
    from ..engine import run_submission
    from .audit import audit_leaks, order_checks

    big = settings.model_copy(update={"grading_seconds": settings.grading_seconds * 4})
    if hasattr(host, "record"):
        host.record = True
    try:
        ref_run = run_submission(assignment, assignment.reference_files(), sandbox, big, cases,
                                 host)
    finally:
        if hasattr(host, "record"):
            host.record = False
    answered = {k: o.blocks for k, o in ref_run.outcomes.items() if o.blocks}
    visible = {f"{t.id}/{c.id}" for t in assignment.manifest.todos for c in t.checks
               if c.visibility == "visible"}
    blocks, omitted = {}, []
    for k, v in answered.items():
        if k.rpartition("#")[0] not in visible:
            continue
        if len(encode(v)) > BLOCK_TABLE_MAX_BYTES:
            omitted.append(k)
        else:
            blocks[k] = v
    if omitted:
        log(f"block tables left out of student packs (over {BLOCK_TABLE_MAX_BYTES} bytes): "
            f"{', '.join(sorted(omitted))}")
    bad = {k: o for k, o in ref_run.outcomes.items() if o.status != "ok"}
    if bad or not ref_run.outcomes:
        k, o = next(iter(bad.items())) if bad else ("?", None)
        raise FixtureError(f"the reference failed {len(bad)} case(s); first: {k}: "
                           f"{_describe(o) if o else 'no case ran'}")
    expected = {k: o.outputs for k, o in ref_run.outcomes.items()}
    info = ref_run.imports.hello
    log(f"reference: {len(expected)} cases ({ref_run.seconds:.1f} s in {ref_run.sandbox})")
    problems = audit_leaks(assignment, cases, expected, answered)
    order = order_checks(assignment, problems)
    unordered = [p for p in problems if not p.allowed(order)]
    if unordered:
        raise FixtureError("inputs give expected outputs away:\n" +
                           "\n".join(p.describe() for p in unordered[:12]))

    variant_out: dict[str, Any] = {}
    for variant in assignment.manifest.variants:
        vrun = run_submission(assignment, variant_files(assignment, variant), sandbox,
                              settings.model_copy(update={
                                  "grading_seconds": settings.grading_seconds * 2}),
                              cases, host, todo_ids=[variant.todo], order=order)
        ok = {k: o.outputs for k, o in vrun.outcomes.items() if o.status == "ok"}
        if variant.kind == "accepted" and len(ok) != len(vrun.outcomes):
            first = next(k for k, o in vrun.outcomes.items() if o.status != "ok")
            raise FixtureError(f"accepted variant {variant.id} failed on "
                               f"{len(vrun.outcomes) - len(ok)} case(s); first: {first}: "
                               f"{_describe(vrun.outcomes[first])}")
        for k, v in ok.items():
            variant_out[f"{variant.id}::{k}"] = v
        log(f"variant {variant.id} ({variant.kind}): {len(ok)}/{len(vrun.outcomes)} cases ran")

    d = assignment.fixtures_dir
    d.mkdir(parents=True, exist_ok=True)
    for old in d.glob("*.npz"):
        old.unlink()
    inputs = {f"{g}#{i}": c["inputs"] for g, lst in cases.items() for i, c in enumerate(lst)}
    files, shas = {}, {}
    for role, values in (("inputs", inputs), ("expected", expected), ("variants", variant_out),
                         ("blocks", blocks)):
        files[role], shas[role] = _write(d, role, _to_npz(values))
    index = {
        "slug": assignment.slug,
        "format": 2,
        "source_digest": assignment.source_digest(),
        "built_by": {"sandbox": ref_run.sandbox, "python": info.get("python"),
                     "numpy": info.get("numpy")},
        "files": files,
        "sha256": shas,
        "order": order,
        "blocks_omitted": sorted(omitted),
        "shared_values": [p.as_dict() for p in problems],
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
