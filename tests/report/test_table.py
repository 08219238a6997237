"""The terminal table: wrapping that keeps formulas whole, colour on a terminal only, and
NO_COLOR."""

from __future__ import annotations

import io
import re

import pytest

from grader.report.models import CheckResult, GradeResult, TodoResult
from grader.report.table import print_table, render_table, use_colour
from grader.report.wrap import wrap

FEEDBACK = ("Likely mistake: Adam without bias correction. Divide v by (1 - beta1**t) and a "
            "by (1 - beta2**t) before the update; use `m = beta1*m + (1 - beta1)*dw` for the "
            "first moment.")


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("width", range(24, 100, 3))
def test_wrapping_never_breaks_inside_a_formula(width):
    lines = wrap(FEEDBACK, width, "    ", "    ")
    text = "\n".join(lines)
    for formula in ("(1 - beta1**t)", "(1 - beta2**t)", "`m = beta1*m + (1 - beta1)*dw`"):
        assert formula in text, (width, text)
    assert " ".join(x.strip() for x in lines) == FEEDBACK
    for line in lines:  # only a formula longer than the width makes a line longer
        assert len(line) <= width or "`" in line, line


def test_operators_glue_and_prose_breaks():
    assert wrap("the step is x = a + b and then more", 20) == [
        "the step is", "x = a + b and then", "more"]
    assert wrap("rel_error 2.07e-01 (tolerance 1e-06), worst at index [1, 3]", 24) == [
        "rel_error 2.07e-01", "(tolerance 1e-06), worst", "at index [1, 3]"]


def result() -> GradeResult:
    check = CheckResult(id="adam/one#0", name="one step", status="failed",
                        visibility="visible", score=0, max_score=1, feedback="next_w is wrong")
    todos = [TodoResult(id="sgd", title="SGD", file="nndl/optim.py", score=5, max_score=5,
                        status="passed", feedback="", checks=[]),
             TodoResult(id="adam", title="Adam", file="nndl/optim.py", score=1, max_score=13,
                        status="partial", feedback=FEEDBACK, checks=[check])]
    return GradeResult(assignment="fc-optim", title="Optimizers", score=6, max_score=18,
                       todos=todos, sandbox="process", grader_version="0", execution_time=1.0)


def test_colour_on_a_terminal_plain_elsewhere(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    tty, pipe = Tty(), io.StringIO()
    assert use_colour(tty) and not use_colour(pipe)
    print_table(result(), tty)
    print_table(result(), pipe)
    assert pipe.getvalue() == render_table(result())
    coloured = tty.getvalue()
    assert "\x1b[32mok\x1b[0m" in coloured  # the passed TODO's mark in green
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == render_table(result())


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"NO_COLOR": "yes"}, {"TERM": "dumb"}])
def test_no_color_and_dumb_terminals_get_the_plain_text(monkeypatch, env):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    tty = Tty()
    print_table(result(), tty)
    assert tty.getvalue() == render_table(result())


def test_an_empty_no_color_does_not_count(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "")  # no-color.org: set and not empty
    monkeypatch.setenv("TERM", "xterm-256color")
    assert use_colour(Tty())
