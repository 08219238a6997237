"""Stored fixtures: fresh, hash-verified, and faithful to the notebook's printed values."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from grader.assignments.fixtures import FixtureError, load_fixtures
from grader.assignments.loader import load_assignment
from grader.scoring.compare import rel_error


def test_fixtures_are_fresh_and_verified(fc_optim):
    fx = load_fixtures(fc_optim)
    assert fx.digest == fc_optim.source_digest()
    assert sum(len(v) for v in fx.cases.values()) == len(fx.expected)


def test_corrupt_or_stale_fixtures_are_refused(fc_optim, tmp_path, settings):
    copy = tmp_path / "fc-optim"
    shutil.copytree(fc_optim.root, copy)
    shutil.copytree(fc_optim.reference, copy / "reference")
    a = load_assignment(copy, settings)
    load_fixtures(a)
    index = json.loads((copy / "fixtures/index.json").read_text())
    victim = copy / "fixtures" / index["files"]["expected"]
    victim.write_bytes(victim.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(FixtureError, match="does not match its recorded hash; run `grader "
                                           "fixtures build fc-optim`"):
        load_fixtures(a)
    (copy / "cases.py").write_text((copy / "cases.py").read_text() + "\n# changed\n")
    with pytest.raises(FixtureError, match="older than its manifest, cases, drivers or "
                                           "reference"):
        load_fixtures(a)


@pytest.mark.sandbox
def test_variant_outputs_are_read_only_when_a_case_fails(fc_optim, tmp_path, settings,
                                                         process_sandbox):
    """A correct submission is graded without reading the variants file; a wrong one reads
    it (to name the mistake), and a corrupt file then fails its grading with the reason."""
    from grader.assignments.variants import variant_files

    from .conftest import run_grade

    copy = tmp_path / "fc-optim"
    shutil.copytree(fc_optim.root, copy)
    shutil.copytree(fc_optim.reference, copy / "reference")
    a = load_assignment(copy, settings)
    assert load_fixtures(a).variants["adam_no_bias_correction"]
    index = json.loads((copy / "fixtures/index.json").read_text())
    victim = copy / "fixtures" / index["files"]["variants"]
    victim.write_bytes(victim.read_bytes()[:-10] + b"0123456789")
    fx = load_fixtures(a)
    with pytest.raises(FixtureError, match=f"fixture file {victim.name} does not match its "
                                           "recorded hash; run `grader fixtures build "
                                           "fc-optim`"):
        fx.variants  # noqa: B018
    right = run_grade(a, a.reference_files(), process_sandbox, settings)
    assert right.status == "graded" and right.score == a.manifest.max_score
    variant = next(v for v in a.manifest.variants if v.id == "adam_no_bias_correction")
    wrong = run_grade(a, variant_files(a, variant), process_sandbox, settings)
    assert wrong.status == "failed" and wrong.score == 0.0
    assert f"fixture file {victim.name} does not match its recorded hash" in wrong.failure


N, D = 4, 5
NOTEBOOK = {
    # (todo, output): (printed expected array, printed rel_error)
    ("sgd_momentum", "next_w"): ([
        [0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789],
        [0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526],
        [0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263],
        [1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096]], 8.882347033505819e-09),
    ("sgd_nesterov_momentum", "next_w"): ([
        [0.08714, 0.15246105, 0.21778211, 0.28310316, 0.34842421],
        [0.41374526, 0.47906632, 0.54438737, 0.60970842, 0.67502947],
        [0.74035053, 0.80567158, 0.87099263, 0.93631368, 1.00163474],
        [1.06695579, 1.13227684, 1.19759789, 1.26291895, 1.32824]], 1.0875186845081027e-08),
    ("rmsprop", "next_w"): ([
        [-0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247],
        [-0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774],
        [0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447],
        [0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619]], 9.524687511038133e-08),
    ("adam", "next_w"): ([
        [-0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977],
        [-0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929],
        [0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969],
        [0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459]], 1.1395691798535431e-07),
}


@pytest.mark.parametrize("todo_id,output", list(NOTEBOOK))
def test_reference_reproduces_the_notebooks_printed_errors(fc_optim, todo_id, output):
    fx = load_fixtures(fc_optim)
    got = fx.expected[f"{todo_id}/visible#0"][output]
    printed, printed_error = NOTEBOOK[(todo_id, output)]
    # the notebook printed rel_error(expected, ours): we must reproduce it to its digits
    assert rel_error(np.array(printed), got) == pytest.approx(printed_error, rel=1e-6)


def test_adam_and_velocity_state_errors(fc_optim):
    fx = load_fixtures(fc_optim)
    out = fx.expected["adam/visible#0"]["config"]
    expected_v = np.linspace(0.48, 0.85, N * D).reshape(N, D)
    assert rel_error(expected_v, out["v"]) < 1e-8 and out["t"] == 6
    vel = fx.expected["sgd_momentum/visible#0"]["config"]["velocity"]
    printed = np.array([[0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158],
                        [0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105],
                        [0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053],
                        [0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096]])
    assert rel_error(printed, vel) == pytest.approx(4.269287743278663e-09, rel=1e-6)
    relu = fx.expected["relu_forward/visible#0"]["out"]
    correct = np.array([[0., 0., 0., 0.], [0., 0., 0.04545455, 0.13636364],
                        [0.22727273, 0.31818182, 0.40909091, 0.5]])
    assert rel_error(relu, correct) == pytest.approx(4.999999798022158e-08, rel=1e-6)
    aff = fx.expected["affine_forward/visible#0"]["out"]
    correct = np.array([[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327,
                                                                3.77273342]])
    assert rel_error(aff, correct) < 1e-9  # printed 9.77e-10; last digits depend on the BLAS


def test_fixture_arrays_numpy_writes_otherwise_are_read_too():
    """``_to_npz``'s 1-D uint8 members are read without numpy's header parser; a member
    stored in another layout is read by numpy, with the same values."""
    import io

    from grader.assignments.fixtures import _from_npz, _npy_u8_payload, _to_npz
    from grader.harness.codec import encode

    values = {"a#0": {"x": np.arange(6.0).reshape(2, 3), "n": 3}, "b#1": [1.5, "s"]}
    data = _to_npz(values)
    got = _from_npz(data)
    assert got.keys() == values.keys() and got["b#1"] == [1.5, "s"]
    assert np.array_equal(got["a#0"]["x"], values["a#0"]["x"]) and got["a#0"]["n"] == 3
    out = io.BytesIO()
    np.savez(out, **{"c#0": np.frombuffer(encode({"y": 2}), dtype=np.uint8).reshape(-1, 1)})
    assert _from_npz(out.getvalue()) == {"c#0": {"y": 2}}
    assert _npy_u8_payload(b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f8', }") is None
