"""Student packs: the visible half of an assignment, for ``grader check-local``.

``grader pack SLUG -o pack.zip`` (instructors) writes a zip a student can check their work
with on their own machine, with the same feedback the service gives on visible checks:

- the manifest, with every hidden check left out (and ``student_pack = true``);
- the starter, the drivers and the sandbox helpers (the grader's code, no solution);
- fixtures of the visible cases only: their inputs, the reference's outputs, the registered
  variants' outputs (to name mistakes), and the block calls the reference answered in the
  visible composite checks with their answers (a pack carries no reference: a composite's
  calls are answered from that table, and a call the reference never made is answered by the
  student's own function, which the feedback says).

Never in a pack: the reference, the case generators, hidden inputs or outputs, the variants'
code. ``build_pack`` checks its own zip for every hidden expected array before it returns.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .fixtures import _to_npz, load_fixtures
from .loader import Assignment
from .manifest import tomllib


class PackError(RuntimeError):
    """The pack could not be made (or would have given a hidden value away)."""


def _manifest_text(assignment: Assignment) -> str:
    data = tomllib.loads((assignment.root / "manifest.toml").read_text())
    data["student_pack"] = True
    data.pop("cases", None)
    todos = []
    for t in data.get("todos", []):
        checks = [c for c in t.get("checks", []) if c.get("visibility") == "visible"]
        if checks:
            todos.append({**t, "checks": checks})
    data["todos"] = todos
    ids = {t["id"] for t in todos}
    data["variants"] = [{k: v for k, v in var.items()} for var in data.get("variants", [])
                        if var.get("todo") in ids]
    data.pop("rewrites", None)
    return _toml(data)


def _toml(data: dict) -> str:
    """A small TOML writer for manifests (tables, arrays of tables, inline values)."""
    lines: list[str] = []
    scalars = {k: v for k, v in data.items() if not isinstance(v, (dict, list)) or
               (isinstance(v, list) and not (v and isinstance(v[0], dict)))}
    for k, v in scalars.items():
        lines.append(f"{k} = {_value(v)}")
    for k, v in data.items():
        if isinstance(v, dict):
            lines.append(f"\n[{k}]")
            lines += [f"{_key(kk)} = {_value(vv)}" for kk, vv in v.items()]
    for k, v in data.items():
        if isinstance(v, list) and v and isinstance(v[0], dict):
            for item in v:
                lines.append(f"\n[[{k}]]")
                nested = {kk: vv for kk, vv in item.items()
                          if isinstance(vv, list) and vv and isinstance(vv[0], dict)}
                for kk, vv in item.items():
                    if kk not in nested:
                        lines.append(f"{_key(kk)} = {_value(vv)}")
                for kk, vv in nested.items():
                    for sub in vv:
                        lines.append(f"\n[[{k}.{kk}]]")
                        lines += [f"{_key(a)} = {_value(b)}" for a, b in sub.items()]
    return "\n".join(lines) + "\n"


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() else json.dumps(k)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    raise PackError(f"cannot write {v!r} in a manifest")


def build_pack(assignment: Assignment, output: Path) -> Path:
    """Write the student pack of ``assignment`` (see the module docstring).

    Raises:
        PackError: no visible check, or a hidden value found in the pack.
    """
    fx = load_fixtures(assignment)
    m = assignment.manifest
    visible = {f"{t.id}/{c.id}" for t in m.todos for c in t.checks if c.visibility == "visible"}
    if not visible:
        raise PackError(f"{assignment.slug} has no visible check to pack")
    cases = {g: lst for g, lst in fx.cases.items() if g in visible}
    inputs = {f"{g}#{i}": c["inputs"] for g, lst in cases.items() for i, c in enumerate(lst)}
    expected = {k: v for k, v in fx.expected.items() if k.rpartition("#")[0] in visible}
    variants = {f"{vid}::{k}": v for vid, per in fx.variants.items() for k, v in per.items()
                if k.rpartition("#")[0] in visible}
    blocks = {k: v for k, v in fx.blocks.items() if k.rpartition("#")[0] in visible}
    import hashlib

    files, shas, blobs = {}, {}, {}
    for role, values in (("inputs", inputs), ("expected", expected), ("variants", variants),
                         ("blocks", blocks)):
        data = _to_npz(values)
        sha = hashlib.sha256(data).hexdigest()
        files[role], shas[role] = f"{role}-{sha[:16]}.npz", sha
        blobs[files[role]] = data
    index = {**{k: v for k, v in fx.info.items() if k not in ("files", "sha256", "cases",
                                                             "shared_values")},
             "format": 2, "student_pack": True, "files": files, "sha256": shas,
             "order": [g for g in (fx.order or []) if g in visible],
             "blocks_omitted": sorted(k for k in fx.blocks_omitted
                                     if k.rpartition("#")[0] in visible),
             "cases": {g: [{"name": c["name"], "meta": c.get("meta") or {}} for c in lst]
                       for g, lst in cases.items()}}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.toml", _manifest_text(assignment))
        for p in sorted(assignment.starter.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                zf.write(p, f"{m.starter}/{p.relative_to(assignment.starter).as_posix()}")
        zf.writestr(m.drivers, assignment.drivers_source())
        helpers = assignment.helpers_source()
        if helpers:
            zf.writestr(m.helpers, helpers)
        for name, data in blobs.items():
            zf.writestr(f"fixtures/{name}", data)
        zf.writestr("fixtures/index.json", json.dumps(index, indent=1, sort_keys=True))
    data = buf.getvalue()
    leaked = hidden_values_in(fx, visible, data)
    if leaked:
        raise PackError(f"the pack would hold hidden values ({leaked[:3]}); not written")
    output.write_bytes(data)
    return output


def hidden_values_in(fx: Any, visible: set[str], pack: bytes) -> list[str]:
    """Hidden expected arrays (their raw bytes) found in the pack's files, uncompressed."""
    contents = b""
    with zipfile.ZipFile(io.BytesIO(pack)) as zf:
        for name in zf.namelist():
            raw = zf.read(name)
            if name.endswith(".npz"):
                with zipfile.ZipFile(io.BytesIO(raw)) as inner:
                    raw = b"".join(inner.read(n) for n in inner.namelist())
            contents += raw
    found = []
    for key, value in fx.expected.items():
        if key.rpartition("#")[0] in visible:
            continue
        for arr in _arrays(value):
            if arr.size >= 4 and not _constant(arr) and arr.tobytes() in contents:
                found.append(key)
                break
    return found


def _constant(arr: np.ndarray) -> bool:
    """An array of one repeated value (zero biases): its bytes are in every pack, and it
    gives nothing away (the leak audit leaves such arrays out too)."""
    flat = arr.reshape(-1)
    try:
        return bool(np.all(flat == flat[0]))
    except (TypeError, ValueError):
        return False


def _arrays(value: Any) -> list[np.ndarray]:
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, dict):
        return [a for v in value.values() for a in _arrays(v)]
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in _arrays(v)]
    return []
