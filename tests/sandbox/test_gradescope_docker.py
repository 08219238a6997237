"""The exported Gradescope autograder, run as Gradescope runs it: in a container from our base
image (Debian, python3 + numpy, no network), `setup.sh` then `run_autograder` as root."""

from __future__ import annotations

import io
import json
import tarfile
import time
import zipfile

import jsonschema
import pytest

from grader.assignments.variants import variant_files
from grader.autograder.export import export_gradescope
from grader.config import Settings
from grader.scoring.penalties import Policy

from ..conftest import REPO, reference_with
from ..test_gradescope_export import MALICIOUS

pytestmark = pytest.mark.docker
SCHEMA = json.loads((REPO / "tests/data/gradescope_results.schema.json").read_text())


def _tar(files: dict[str, tuple[bytes, int]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, (data, mode) in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture(scope="module")
def gradescope_container(fc_optim, tmp_path_factory):
    from grader.sandbox.docker import docker_ping, engine
    from grader.sandbox.images import image_present

    settings = Settings()
    if not docker_ping():
        pytest.skip("no Docker engine answers (scripts/docker-setup.sh starts one)")
    api = engine()
    if not image_present(api, settings.docker_base_image):
        pytest.skip(f"base image {settings.docker_base_image} not built (grader sandbox build)")
    out = tmp_path_factory.mktemp("gs") / "autograder.zip"
    export_gradescope(fc_optim, out, policy=Policy(late_percent_per_day=10),
                      python_versions=("3.11",))
    with zipfile.ZipFile(out) as zf:
        source = {f"autograder/source/{i.filename}": (zf.read(i), (i.external_attr >> 16) or 0o644)
                  for i in zf.infolist() if not i.is_dir()}
    box = api.create_container(settings.docker_base_image, command=["sleep", "3600"],
                               network_disabled=True, labels={"org.dl-autograder.test": "gs"},
                               host_config=api.create_host_config(network_mode="none",
                                                                  auto_remove=False))
    cid = box["Id"]
    api.start(cid)
    try:
        api.put_archive(cid, "/", _tar(source))
        setup = api.exec_create(cid, ["bash", "/autograder/source/setup.sh"])
        output = api.exec_start(setup["Id"]).decode(errors="replace")
        assert api.exec_inspect(setup["Id"])["ExitCode"] == 0, output
        assert "autograder ready" in output
        yield api, cid
    finally:
        api.remove_container(cid, force=True)


def _run(container, files: dict[str, bytes], meta: dict) -> dict:
    api, cid = container
    reset = api.exec_create(cid, ["bash", "-c", "chmod 755 /autograder; rm -rf "
                                  "/autograder/submission /autograder/results "
                                  "/autograder/submission_metadata.json; mkdir -p "
                                  "/autograder/results"])
    api.exec_start(reset["Id"])
    payload = {f"autograder/submission/{k}": (v, 0o644) for k, v in files.items()}
    payload["autograder/submission_metadata.json"] = (json.dumps(meta).encode(), 0o644)
    api.put_archive(cid, "/", _tar(payload))
    run = api.exec_create(cid, ["bash", "/autograder/source/run_autograder"])
    log = api.exec_start(run["Id"]).decode(errors="replace")
    assert api.exec_inspect(run["Id"])["ExitCode"] == 0, log
    stream, _ = api.get_archive(cid, "/autograder/results/results.json")
    with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
        return json.loads(tar.extractfile("results.json").read())


META = {"created_at": "2026-03-01T10:00:00Z", "assignment": {"due_date": "2026-03-02T23:59:00Z"},
        "previous_submissions": []}


def test_correct_buggy_and_malicious_in_gradescopes_layout(fc_optim, gradescope_container):
    correct = _run(gradescope_container, reference_with(fc_optim, {}), META)
    jsonschema.validate(correct, SCHEMA)
    assert correct["score"] == 100, correct["output"]
    assert "Graded in the 'user' sandbox" in correct["output"]

    variant = next(v for v in fc_optim.manifest.variants if v.id == "adam_no_bias_correction")
    late = dict(META, created_at="2026-03-03T10:00:00Z")
    buggy = _run(gradescope_container, variant_files(fc_optim, variant), late)
    jsonschema.validate(buggy, SCHEMA)
    adam = next(t for t in buggy["tests"] if t["name"].startswith("adam "))
    assert adam["status"] == "failed" and "Adam without bias correction" in adam["output"]
    assert "(-10%: 1 day(s) late)" in buggy["output"]

    files = reference_with(fc_optim, {"nndl/optim.py": MALICIOUS})
    files["nndl/optim.py"] = MALICIOUS.split("\n\ndef adam")[0].encode() + b"\n" + \
        files["nndl/optim.py"]
    evil = _run(gradescope_container, files, META)
    jsonschema.validate(evil, SCHEMA)
    assert evil["score"] == 100 - 13
    adam = next(t for t in evil["tests"] if t["name"].startswith("adam "))
    assert adam["score"] == 0 and "READ FIXTURES" not in adam["output"]
    assert "score: 100 / 100" not in evil["output"]
