"""The Gradescope autograder zip, run in Gradescope's layout (bubblewrap stands in for their
container here; tests/sandbox adds the Docker run)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import jsonschema
import pytest

from grader.autograder.export import export_gradescope
from grader.scoring.penalties import Policy

from .conftest import REPO, reference_with

pytestmark = pytest.mark.sandbox
SCHEMA = json.loads((REPO / "tests/data/gradescope_results.schema.json").read_text())

MALICIOUS = '''
import glob, json, os
print("score: 100 / 100")
print(json.dumps({"score": 100}))
for path in ["/autograder/results/results.json", "/autograder/results.json"]:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            json.dump({"score": 100, "tests": []}, fh)
    except OSError:
        pass


def adam(w, dw, config=None):
    found = glob.glob("/autograder/source/src/assignments/*/fixtures/*")
    found += glob.glob("/autograder/**/*.npz", recursive=True)
    if found:
        import numpy as np
        raise RuntimeError("READ FIXTURES " + repr(found))
    return w, config or {}
'''


@pytest.fixture(scope="module")
def autograder_zip(fc_optim, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "autograder.zip"
    export_gradescope(fc_optim, out, policy=Policy(late_percent_per_day=10, max_submissions=3),
                      wheels=False)
    return out


def test_zip_layout(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as zf:
        names = zf.namelist()
        assert {"setup.sh", "run_autograder", "config.json", "requirements.txt"} <= set(names)
        assert zf.getinfo("run_autograder").external_attr >> 16 & 0o111
        assert not [n for n in names if "reference" in n.split("/")]
        assert any(n.startswith("src/assignments/fc-optim/fixtures/expected-") for n in names)
        assert json.loads(zf.read("config.json"))["policy"]["late_percent_per_day"] == 10


def _run_in_layout(tmp_path: Path, zip_path: Path, files: dict[str, bytes], meta: dict) -> dict:
    """Unpack like Gradescope, run setup.sh and run_autograder as root, return results.json."""
    if os.geteuid() != 0:
        pytest.skip("Gradescope runs the autograder as root; so must this test")
    ag = tmp_path / "autograder"
    (ag / "source").mkdir(parents=True)
    (ag / "results").mkdir()
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(ag / "source")
    for rel, data in files.items():
        p = ag / "submission" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    (ag / "submission_metadata.json").write_text(json.dumps(meta))
    # setup.sh would pip-install pydantic into /autograder/pylib; offline, copy ours
    (ag / "pylib").mkdir()
    for name in ("pydantic", "pydantic_core", "pydantic_settings", "typing_extensions",
                 "annotated_types", "typing_inspection", "dotenv"):
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin:
            continue
        origin = Path(spec.origin)
        if origin.name == "__init__.py":
            shutil.copytree(origin.parent, ag / "pylib" / origin.parent.name)
        else:
            shutil.copy(origin, ag / "pylib" / origin.name)
    script = "bash /autograder/source/run_autograder"
    res = subprocess.run(["bwrap", "--bind", "/", "/", "--bind", str(ag), "/autograder",
                          "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
                          "bash", "-c", script], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    return json.loads((ag / "results/results.json").read_text())


META = {"created_at": "2026-03-01T10:00:00Z", "assignment": {"due_date": "2026-03-02T23:59:00Z"},
        "previous_submissions": []}


def test_correct_buggy_and_malicious(fc_optim, autograder_zip, tmp_path):
    correct = _run_in_layout(tmp_path / "a", autograder_zip, reference_with(fc_optim, {}), META)
    jsonschema.validate(correct, SCHEMA)
    assert correct["score"] == 100 and len(correct["tests"]) == len(fc_optim.manifest.todos)

    variant = next(v for v in fc_optim.manifest.variants if v.id == "adam_no_bias_correction")
    from grader.assignments.variants import variant_files

    late = dict(META, created_at="2026-03-03T10:00:00Z")
    buggy = _run_in_layout(tmp_path / "b", autograder_zip, variant_files(fc_optim, variant),
                           late)
    jsonschema.validate(buggy, SCHEMA)
    adam = next(t for t in buggy["tests"] if t["name"].startswith("adam "))
    assert adam["status"] == "failed" and "Adam without bias correction" in adam["output"]
    raw = sum(t["score"] for t in buggy["tests"])
    assert raw < 100 and buggy["score"] == pytest.approx(round(raw * 0.9, 2), abs=0.011)
    assert "(-10%: 1 day(s) late)" in buggy["output"]

    files = reference_with(fc_optim, {"nndl/optim.py": MALICIOUS})
    files["nndl/optim.py"] = MALICIOUS.split("\n\ndef adam")[0].encode() + b"\n" + \
        files["nndl/optim.py"]
    evil = _run_in_layout(tmp_path / "c", autograder_zip, files, META)
    jsonschema.validate(evil, SCHEMA)
    assert evil["score"] == 100 - 13
    adam = next(t for t in evil["tests"] if t["name"].startswith("adam "))
    assert "READ FIXTURES" not in adam["output"] and adam["score"] == 0


def test_crash_still_writes_valid_results(fc_optim, autograder_zip, tmp_path):
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(autograder_zip) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "config.json":
                data = b"{not json"
            dst.writestr(item, data)
    out = _run_in_layout(tmp_path / "d", broken, reference_with(fc_optim, {}), META)
    jsonschema.validate(out, SCHEMA)
    assert out["score"] == 0
    visible = [t for t in out["tests"] if t["visibility"] == "visible"]
    hidden = [t for t in out["tests"] if t["visibility"] == "hidden"]
    assert visible[0]["name"] == "autograder failed"
    assert "JSONDecodeError" in hidden[0]["output"] and "Traceback" not in visible[0]["output"]


def test_over_the_submission_limit(fc_optim, autograder_zip, tmp_path):
    meta = dict(META, previous_submissions=[{}, {}, {}])
    out = _run_in_layout(tmp_path / "e", autograder_zip, reference_with(fc_optim, {}), meta)
    assert out["score"] == 0 and "used all 3 submissions" in out["output"]


