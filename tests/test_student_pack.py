"""Student packs: visible checks only, no hidden value inside, the service's feedback."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile

import numpy as np
import pytest

from grader.assignments.fixtures import load_fixtures
from grader.assignments.pack import build_pack
from grader.assignments.variants import variant_files

from .conftest import REPO, reference_with

pytestmark = pytest.mark.sandbox
GRADER = str(REPO / ".venv" / "bin" / "grader")


@pytest.fixture(scope="module")
def pack(fc_optim, tmp_path_factory):
    return build_pack(fc_optim, tmp_path_factory.mktemp("pack") / "pack.zip")


def _contents(path) -> bytes:
    out = b""
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            raw = zf.read(name)
            if name.endswith(".npz"):
                with zipfile.ZipFile(io.BytesIO(raw)) as inner:
                    raw = b"".join(inner.read(n) for n in inner.namelist())
            out += raw
    return out


def _arrays(value):
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _arrays(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _arrays(v)


def test_the_pack_holds_no_hidden_value_nor_the_reference(fc_optim, pack):
    data = _contents(pack)
    fx = load_fixtures(fc_optim)
    hidden = {f"{t.id}/{c.id}" for t in fc_optim.manifest.todos for c in t.checks
              if c.visibility != "visible"}
    checked = 0
    for key, value in list(fx.expected.items()) + [
            (f"{g}#{i}", c["inputs"]) for g, lst in fx.cases.items() for i, c in enumerate(lst)]:
        if key.rpartition("#")[0] not in hidden:
            continue
        for arr in _arrays(value):
            if arr.size >= 4:
                checked += 1
                assert arr.tobytes() not in data, key
    assert checked > 50
    with zipfile.ZipFile(pack) as zf:
        names = zf.namelist()
    assert not [n for n in names if "reference" in n or n.endswith("cases.py")]
    for rel in ("nndl/optim.py", "nndl/layers.py", "nndl/fc_net.py"):
        starter = {line.strip() for line in
                   (REPO / "assignments/fc-optim/starter" / rel).read_text().splitlines()}
        solution = [line.strip() for line in (REPO / "reference/fc-optim" / rel).read_text()
                    .splitlines() if len(line.strip()) > 25 and line.strip() not in starter]
        assert solution and not [line for line in solution if line.encode() in data], rel


def _check_local(pack, folder, *extra):
    return subprocess.run([GRADER, "check-local", str(pack), str(folder), *extra],
                          capture_output=True, text=True, timeout=600)


def _write(tmp_path, files):
    for rel, data in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    return tmp_path


def test_check_local_gives_the_services_visible_feedback(fc_optim, pack, tmp_path):
    variant = next(v for v in fc_optim.manifest.variants if v.id == "adam_no_bias_correction")
    folder = _write(tmp_path / "sub", variant_files(fc_optim, variant))
    out = _check_local(pack, folder, "--format", "json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    adam = next(t for t in result["todos"] if t["id"] == "adam")
    assert adam["score"] < adam["max_score"] and adam["mistakes"][0]["id"] == variant.id
    assert all(c["visibility"] == "visible" for t in result["todos"] for c in t["checks"])
    others = [t["id"] for t in result["todos"] if t["id"] != "adam"
              and t["score"] < t["max_score"]]
    assert others == []


def test_composites_locally_are_judged_with_the_recorded_answers(fc_optim, pack, tmp_path):
    broken = reference_with(fc_optim, {"nndl/layers.py": """
def affine_forward(x, w, b):
    raise RuntimeError("not done yet")
"""})
    out = _check_local(pack, _write(tmp_path / "b", broken), "--format", "json")
    result = json.loads(out.stdout)
    scores = {t["id"]: t["score"] for t in result["todos"]}
    assert scores["affine_forward"] == 0
    assert scores["affine_relu_forward"] == 4 and scores["FullyConnectedNet.loss"] == 17


def test_show_hidden_and_non_packs_are_refused(fc_optim, pack, tmp_path):
    out = _check_local(pack, tmp_path, "--show-hidden")
    assert out.returncode == 2
    assert out.stderr == (
        "error: a student pack holds no hidden checks, and their values never leave the "
        "grading service: --show-hidden is for instructors grading with the full assignment "
        "(`grader grade SLUG ... --show-hidden`)\n")
    assert out.stdout == ""  # nothing was checked
    out = _check_local(REPO / "assignments" / "fc-optim", REPO / "reference" / "fc-optim")
    assert out.returncode == 2 and "is not a student pack" in out.stderr


@pytest.fixture(scope="module")
def mlp_pack(settings, tmp_path_factory):
    from grader.assignments.loader import load_assignment

    mlp = load_assignment("mlp-backprop", settings)
    return mlp, build_pack(mlp, tmp_path_factory.mktemp("mlp-pack") / "pack.zip")


def test_a_training_loops_table_is_left_out_and_the_feedback_says_so(mlp_pack, tmp_path):
    """mlp-backprop's training checks make 300 and 600 block calls: their tables (4.1 and
    7.3 MB) stay out of the pack, which keeps the small ones (a gradient check's)."""
    mlp, pack = mlp_pack
    assert pack.stat().st_size < 1_000_000
    with zipfile.ZipFile(pack) as zf:
        index = json.loads(zf.read("fixtures/index.json"))
    assert index["blocks_omitted"] == ["Hidden.backward_pass/training#0",
                                       "Hidden_Vondrick.backward_pass/training#0"]
    fx = load_fixtures(mlp)
    assert fx.blocks_omitted == set(index["blocks_omitted"])
    assert "Hidden.backward_pass/network-gradcheck#0" in fx.blocks
    assert not fx.blocks_omitted & set(fx.blocks)

    # the derivative raises: a tabled check is answered from the table and passes, the
    # training check (no table) runs the student's own derivative and says why it fails here
    broken = reference_with(mlp, {"mlp_backprop.py": """
class Hidden:
    def leaky_relu_derivative(self, h):
        raise RuntimeError("not done yet")
"""})
    out = _check_local(pack, _write(tmp_path / "b", broken), "--format", "json")
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    checks = {c["name"]: c for t in result["todos"] if t["id"] == "Hidden.backward_pass"
              for c in t["checks"]}
    gradcheck = [c for n, c in checks.items() if "gradient" in n.lower()]
    training = [c for n, c in checks.items() if "train" in n.lower()]
    assert gradcheck and all(c["status"] == "passed" for c in gradcheck), checks
    assert len(training) == 1 and training[0]["status"] != "passed"
    feedback = training[0]["feedback"]
    assert feedback.startswith("raised RuntimeError: not done yet (note: this check makes too "
                               "many calls to ")
    assert "Hidden.leaky_relu_derivative" in feedback and "for the student pack to carry" in \
        feedback
    assert "the grading service answers such calls with the reference's values" in feedback
