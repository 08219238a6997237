import numpy as np
import pytest

from grader.assignments.manifest import Comparator
from grader.harness.codec import Unsupported
from grader.scoring.compare import compare_close, evaluate, rel_error


def test_rel_error_matches_the_notebooks_definition():
    x, y = np.array([1.0, 2.0]), np.array([1.0, 2.1])
    assert rel_error(x, y) == pytest.approx(0.1 / 4.1)
    assert rel_error(0.0, 0.0) == 0.0
    assert np.isnan(rel_error(np.nan, 1.0))


def test_layers_in_order():
    exp = np.arange(6.0).reshape(2, 3)
    assert compare_close(None, exp, 1e-6, "next_w").message.startswith(
        "next_w is None; expected an array of shape (2, 3)")
    assert "is a list" in compare_close([1, 2], exp, 1e-6, "x").message
    assert "Unsupported" not in compare_close(Unsupported("Liar"), exp, 1e-6, "x").message
    r = compare_close(exp.T, exp, 1e-6, "dw")
    assert r.status == "shape" and "transposed" in r.message
    r = compare_close(exp.ravel(), exp, 1e-6, "dx")
    assert r.status == "shape" and "only the shape differs" in r.message
    bad = exp.copy()
    bad[1, 2] = np.nan
    r = compare_close(bad, exp, 1e-6, "out")
    assert r.status == "nonfinite" and "[1, 2]" in r.message
    off = exp.copy()
    off[1, 1] += 1
    r = compare_close(off, exp, 1e-6, "out")
    assert r.status == "value" and r.worst_index == [1, 1] and r.wrong_elements == 1
    assert "got 5" in r.detail and "expected 4" in r.detail and "5" not in r.message.split(
        "worst")[0].replace("e-0", "")


def test_nan_never_passes_even_against_nan():
    assert not compare_close(np.array([np.nan]), np.array([np.nan]), 1.0, "x").ok


def test_scalar_leniency_and_ints():
    assert compare_close(np.array([2.0]), 2.0, 1e-9, "loss").ok
    assert compare_close(6, 6.0, 1e-9, "t").ok
    assert compare_close(6.0, 6, 1e-9, "t").ok


def test_evaluate_paths_and_missing_keys():
    spec = {"next_w": Comparator(), "config.v": Comparator()}
    exp = {"next_w": np.ones(2), "config": {"v": np.zeros(2), "lr": 1.0}}
    res = evaluate({"next_w": np.ones(2), "config": {"lr": 1.0}}, exp, spec, 1e-6)
    assert [r.ok for r in res] == [True, False]
    assert "config has no key 'v'" in res[1].message
    res = evaluate({"next_w": np.ones(2), "config": None}, exp, spec, 1e-6)
    assert "config is None" in res[1].message


def test_drop_comparator():
    spec = {"final": Comparator(kind="drop", baseline="initial", fraction=0.8)}
    exp = {"initial": 2.0, "final": 1.0}
    assert evaluate({"initial": 2.0, "final": 1.1}, exp, spec, 1e-6)[0].ok
    assert not evaluate({"initial": 2.0, "final": 1.5}, exp, spec, 1e-6)[0].ok
    assert not evaluate({"initial": 2.0, "final": float("nan")}, exp, spec, 1e-6)[0].ok


def test_kinks_accept_any_value_between_the_one_sided_derivatives():
    x = np.array([-1.0, 0.0, 0.0, 2.0])
    dout = np.array([3.0, 4.0, -2.0, 5.0])
    expected = {"dx": np.array([0.0, 0.0, 0.0, 5.0])}  # the reference's ReLU'(0) = 0
    spec = {"dx": Comparator(kink_input="x", kink_scale="dout")}
    for at_zero in ([4.0, -2.0], [2.0, -1.0], [0.0, 0.0], [4.0, 0.0]):
        got = {"dx": np.array([0.0, *at_zero, 5.0])}
        (r,) = evaluate(got, expected, spec, 1e-6, inputs={"x": x, "dout": dout})
        assert r.ok and r.extra.get("kink", 0) == sum(v != 0 for v in at_zero), at_zero
    for bad in ([5.0, 0.0], [-1.0, 0.0], [0.0, 1.0]):  # outside [0, dout] at the kink
        got = {"dx": np.array([0.0, *bad, 5.0])}
        (r,) = evaluate(got, expected, spec, 1e-6, inputs={"x": x, "dout": dout})
        assert not r.ok, bad
    # away from the kink nothing is relaxed
    got = {"dx": np.array([3.0, 0.0, 0.0, 5.0])}
    (r,) = evaluate(got, expected, spec, 1e-6, inputs={"x": x, "dout": dout})
    assert not r.ok


def test_mistakes_are_named_on_failing_outputs_only():
    from grader.assignments.manifest import Check, Variant
    from grader.scoring.mistakes import case_matches, rank

    check = Check(id="c", title="t", driver="d", cases="g",
                  compare={"next_w": Comparator(), "config.t": Comparator()})
    v = Variant(id="nobias", todo="adam", kind="wrong", file="f.py", mistake="no bias")
    other = Variant(id="late", todo="adam", kind="wrong", file="g.py", mistake="late t")
    expected = {"next_w": np.ones(3), "config": {"t": 6}}
    nobias = {"next_w": np.full(3, 2.0), "config": {"t": 6}}
    late = {"next_w": np.full(3, 3.0), "config": {"t": 6}}
    # the student forgot the bias correction AND never touched t: next_w matches the variant,
    # t matches neither: the variant explains half the failing outputs of each case
    got = {"next_w": np.full(3, 2.0), "config": {"t": 5}}
    failing = [r for r in evaluate(got, expected, check.compare, 1e-6) if not r.ok]
    matches = case_matches(got, failing, check, [v, other], {"nobias": nobias, "late": late},
                           1e-6, None)
    assert [(m.variant.id, m.share) for m in matches] == [("nobias", 0.5)]
    ranked = rank([matches] * 10 + [[]])
    assert ranked[0][0].id == "nobias" and ranked[0][2] == 10
    assert ranked[0][1] == pytest.approx(0.5 * 10 / 11)


def test_atol_for_statistics_near_zero():
    assert not compare_close(np.array([1e-3]), np.array([-1e-3]), 0.1, "mean").ok
    assert compare_close(np.array([1e-3]), np.array([-1e-3]), 0.1, "mean", atol=0.01).ok
