"""Plots and class statistics (pure): contours, masks of wrong elements, plot data kept in
results, what the student view drops, the SVG figures and the dashboard's numbers."""

from __future__ import annotations

import math
import re

import numpy as np

from grader.portal.charts import histogram_chart, pass_rate_chart
from grader.portal.contours import contour_segments, join_segments
from grader.portal.plots import check_plots, wrong_elements_plot
from grader.portal.stats import Outcome, TodoOutcome, class_stats
from grader.report.models import CheckResult, GradeResult, OutputResult, PlotData, TodoResult
from grader.scoring.compare import compare_close, pack_mask, unpack_mask
from grader.scoring.plotdata import PLOT_MAX_ELEMENTS, plot_data
from grader.scoring.score import for_students
from grader.service.views import student_view


def test_contours_of_a_circle_lie_on_it():
    xs = np.linspace(-2, 2, 41)
    ys = np.linspace(-2, 2, 41)
    X, Y = np.meshgrid(xs, ys)
    segs = contour_segments(xs, ys, X ** 2 + Y ** 2, 1.0)
    points = [p for seg in segs for p in seg]
    radii = [math.hypot(*p) for p in points]
    assert len(segs) > 40 and max(abs(r - 1) for r in radii) < 0.01
    lines = join_segments(segs)
    assert len(lines) == 1 and lines[0][0] == lines[0][-1]  # one closed loop
    assert contour_segments(xs, ys, X ** 2 + Y ** 2, 100.0) == []


def test_wrong_element_masks_round_trip_and_are_capped():
    mask = np.zeros((4, 5), dtype=bool)
    mask[1, 3] = mask[2, 0] = True
    shape, bits = pack_mask(mask)
    assert shape == [4, 5] and np.array_equal(unpack_mask(shape, bits), mask)
    assert pack_mask(np.zeros(10001, dtype=bool)) == (None, None)
    assert pack_mask(np.array(True)) == (None, None)
    exp = np.arange(12.0).reshape(3, 4) + 1
    got = exp.copy()
    got[2, 1] += 5
    res = compare_close(got, exp, 1e-6, "out")
    assert res.shape == [3, 4] and res.worst_index == [2, 1]
    assert np.argwhere(unpack_mask(res.shape, res.wrong_mask)).tolist() == [[2, 1]]


def test_plot_data_keeps_numbers_and_visible_inputs_only():
    case = {"name": "c", "meta": {"plot": "trajectory_2d", "function": "f"},
            "inputs": {"A": np.eye(2), "start": np.array([1.0, 2.0]), "steps": 3,
                       "data": np.zeros(500), "name": "text"}}
    got = {"path": np.array([[1.0, 2.0], [np.nan, np.inf]]), "big": np.zeros(PLOT_MAX_ELEMENTS + 1),
           "flag": True, "values": np.array([0.123456789])}
    data = plot_data(case, True, got, {"path": np.ones((2, 2))})
    assert data.kind == "trajectory_2d" and data.meta == {"function": "f"}
    assert data.got == {"path": [[1.0, 2.0], [None, None]], "values": [0.123457]}
    assert set(data.inputs) == {"A", "start", "steps"}  # no data set, no text
    hidden = plot_data(case, False, got, {"path": np.ones((2, 2))})
    assert hidden.inputs == {} and hidden.expected == {"path": [[1.0, 1.0], [1.0, 1.0]]}
    assert plot_data({"name": "x", "meta": {}, "inputs": {}}, True, got, got) is None


def _result() -> GradeResult:
    plot = PlotData(kind="trajectory_2d", got={"path": [[0, 0], [1, 1]]},
                    expected={"path": [[0, 0], [1, 2]]}, inputs={"A": [[1, 0], [0, 1]],
                                                                 "b": [0, 0]})
    out = OutputResult(path="path", ok=False, status="value", message="m", detail="d",
                       shape=[2, 2], wrong_mask="20", worst_index=[1, 1], wrong_elements=1,
                       total_elements=4)
    checks = [CheckResult(id=f"t/{v}#0", name=v, visibility=v, status="failed", score=0,
                          max_score=1, feedback="f", outputs=[out.model_copy()],
                          plot=plot.model_copy()) for v in ("visible", "hidden")]
    todo = TodoResult(id="t", title="T", file="f.py", score=0, max_score=2, status="failed",
                      feedback="f", checks=checks)
    return GradeResult(assignment="a", title="A", score=0, max_score=2, todos=[todo],
                       sandbox="process", grader_version="x", execution_time=0)


def test_students_never_get_pictures_of_hidden_checks():
    for view in (for_students(_result()), student_view(_result(), released=True)):
        visible, hidden = view.todos[0].checks
        assert visible.plot is not None and visible.outputs[0].wrong_mask == "20"
        assert hidden.plot is None
        assert hidden.outputs[0].wrong_mask is None and hidden.outputs[0].shape is None
    released = student_view(_result(), released=True)
    assert released.todos[0].checks[1].outputs[0].detail == "d"  # values once released
    assert for_students(_result()).todos[0].checks[1].outputs[0].detail is None


def test_trajectory_plot_draws_both_paths_over_contours():
    check = _result().todos[0].checks[0]
    plots = check_plots(check)
    assert [p.kind for p in plots] == ["data", "wrong_elements"]
    svg = str(plots[0].svg)
    assert svg.count('class="contour"') >= 3
    assert 'polyline class="ref"' in svg and 'polyline class="got"' in svg
    assert re.search(r"<title id=\"fig\d+-title\">visible: path of the iterates</title>", svg)
    assert "yours ends at (1, 1)" in plots[0].caption


def test_trajectory_without_inputs_has_no_contours():
    check = _result().todos[0].checks[0]
    check.plot.inputs = {}
    svg = str(check_plots(check)[0].svg)
    assert 'class="contour"' not in svg and 'polyline class="ref"' in svg


def test_wrong_elements_map_outlines_the_worst():
    mask = np.zeros((2, 3), dtype=bool)
    mask[0, 2] = mask[1, 1] = True
    shape, bits = pack_mask(mask)
    out = OutputResult(path="dx <b>", ok=False, status="value", message="m", shape=shape,
                       wrong_mask=bits, worst_index=[1, 1])
    check = CheckResult(id="t/c#0", name="c", visibility="visible", status="failed", score=0,
                        max_score=1, feedback="f", outputs=[out])
    plot = wrong_elements_plot(check, out)
    svg = str(plot.svg)
    assert svg.count('class="cell wrong"') == 2 and svg.count('class="cell right"') == 4
    assert 'class="worst"' in svg and "<b>" not in svg and "dx &lt;b&gt;" in svg
    assert plot.caption.startswith("2 of 6 elements of dx <b> are off")
    out.ok = True
    assert wrong_elements_plot(check, out) is None


def test_loss_curve_on_log_scale_and_divergence():
    plot = PlotData(kind="loss_curve", got={"losses": [1.0, 0.5, None, None]},
                    expected={"losses": [1.0, 0.1, 0.01, 0.001]})
    check = CheckResult(id="t/training#0", name="training", visibility="visible",
                        status="failed", score=0, max_score=1, feedback="f", plot=plot)
    (p,) = check_plots(check)
    assert "loss (log scale)" in str(p.svg)
    assert "Yours becomes NaN or infinite (it diverges)." in p.caption


def _outcome(score: float, adam: str, mistakes: tuple = ()) -> Outcome:
    return Outcome("graded", score, 20, (
        TodoOutcome("sgd", "SGD", "passed", 10, 10, ()),
        TodoOutcome("adam", "Adam", adam, 10 if adam == "passed" else 5, 10, mistakes)))


def test_class_stats_and_charts():
    bias = (("adam_no_bias_correction", "missing bias correction"),)
    outcomes = [_outcome(20, "passed"), _outcome(15, "partial", bias),
                _outcome(10, "failed", bias), _outcome(10, "failed"),
                Outcome("failed", 0, 20, ())]
    stats = class_stats(outcomes, 20)
    assert stats.graded == 4 and stats.failed_gradings == 1 and stats.mean_score == 13.75
    assert [(t.todo, t.passed, t.partial, t.failed) for t in stats.todos] == [
        ("sgd", 4, 0, 0), ("adam", 1, 1, 2)]
    (m,) = stats.mistakes
    assert m.sentence() == "Adam: missing bias correction, 67% of failures (2 of 3)"
    assert sum(n for _, _, n in stats.histogram) == 4 and stats.histogram[-1][2] == 1
    assert "Pass rate per TODO" in pass_rate_chart(stats)
    assert histogram_chart(stats).count('class="bar hist"') == 3
    assert pass_rate_chart(class_stats([], 20)) is None
