"""The student view of a result: nothing that reveals a hidden case, or lets one be solved for.

Visible checks keep everything (values, positions, plots, what the code printed). Hidden
checks keep their verdict, which output is wrong and a *coarse* hint: "close" or "far", with
the order of magnitude of the error (a decade, never the figure: two probe submissions must
not solve for an expected value) and roughly how many elements are off (never which); a named
mistake; for an exception, its type when it is one of Python's own (a class of the student's
could carry any text in its name) and the line in the student's file, never the message.
Every text shown is rebuilt from these redacted parts, the TODO's summary included, so nothing
of a hidden check reaches the student through a message that quoted it. What the code printed
during hidden checks is dropped. Instructors see the full result.
"""

from __future__ import annotations

import builtins
import math
import re

from ..report.models import CheckResult, GradeResult, OutputResult

BUILTIN_EXCEPTIONS = frozenset(
    name for name, obj in vars(builtins).items()
    if isinstance(obj, type) and issubclass(obj, BaseException))
#: Exception types the harness itself reports.
HARNESS_TYPES = frozenset({"BlockError", "WrongResult", "UnusableResult", "OutputError",
                           "ModuleUnavailableError", "ImportAborted"})
CLOSE = 1e-3


def safe_type(name: str | None) -> str:
    """An exception type's name as shown for a hidden check."""
    if name in BUILTIN_EXCEPTIONS or name in HARNESS_TYPES:
        return str(name)
    return "an exception of a class defined in your code"


def decade(err: float) -> str:
    if not math.isfinite(err) or err <= 0:
        return "?"
    return f"1e{math.floor(math.log10(err) + 0.5):d}"


def _share(wrong: int | None, total: int | None) -> str:
    if not wrong or not total or total <= 1:
        return ""
    f = wrong / total
    word = "all" if wrong == total else "most" if f > 0.5 else "some" if f > 0.1 else "a few"
    return f"; {word} of its elements are off"


def coarse(o: OutputResult) -> OutputResult:
    """A hidden check's output verdict, with only coarse, non-invertible hints."""
    label = o.path
    if o.ok:
        msg = f"{label} matches"
    elif o.status == "value" and o.rel_error is not None:
        how = "close to" if o.rel_error < CLOSE else "far from"
        msg = (f"{label} is wrong: {how} the expected values (rel_error about "
               f"{decade(o.rel_error)}){_share(o.wrong_elements, o.total_elements)}")
    elif o.status == "nonfinite":
        msg = f"{label} contains NaN or inf; expected finite values"
    elif o.status == "shape":
        msg = o.message.split(";")[0] if "shape" in o.message else f"{label} has the wrong shape"
    else:
        msg = o.message
    return OutputResult(path=o.path, ok=o.ok, status=o.status, message=_clean(msg))


def _clean(text: str, limit: int = 400) -> str:
    """One line of plain text (no newlines or control characters), capped."""
    text = re.sub(r"[\x00-\x1f\x7f]+", " ", text)
    return text[:limit]


def _redact_check(c: CheckResult) -> None:
    c.internal = None
    if c.visibility == "visible":
        return
    c.output = None
    c.plot = None
    c.outputs = [coarse(o) for o in c.outputs]
    if c.status == "error":
        # only the type (Python's own, or the harness's) and where; never the message or the
        # traceback text, which the code in the sandbox could fill with anything
        etype = safe_type(c.error_type) if c.error_type else "an error"
        where = f" ({_clean(c.where, 200)})" if c.where else ""
        c.error = f"{etype} (message hidden for hidden checks){where}"
        c.feedback = f"raised {etype}{where} (message hidden for hidden checks)"
    elif c.status == "failed":
        failing = [o for o in c.outputs if not o.ok]
        text = "; ".join(o.message for o in failing[:3])
        if len(failing) > 3:
            text += f"; and {len(failing) - 3} more output(s) wrong"
        named = c.feedback.startswith("looks like ")
        if named:
            text = c.feedback.split(". ", 1)[0] + ". " + text
        c.feedback = text
    else:
        c.feedback = _clean(c.feedback)


def for_students(result: GradeResult, in_place: bool = False) -> GradeResult:
    """The student view (see the module docstring): a copy, or with ``in_place`` the result
    itself redacted (when nothing else reads it: ``grader grade``)."""
    r = result if in_place else result.model_copy(deep=True)
    r.audience = "student"
    for t in r.todos:
        for c in t.checks:
            _redact_check(c)
        t.output = "".join(c.output or "" for c in t.checks if c.visibility == "visible")
        n = len(t.checks)
        n_pass = sum(c.status == "passed" for c in t.checks)
        if t.status in ("partial", "failed"):
            first = next(c for c in t.checks if c.status != "passed")
            text = f"{n_pass} of {n} checks passed. First problem ({first.name}): " \
                   f"{first.feedback}"
            if t.mistakes:
                head = t.feedback.split(" First problem", 1)[0]
                if head.startswith("Likely mistake"):
                    text = head.rsplit(f"{n_pass} of {n} checks passed.", 1)[0] + text
            t.feedback = text
    hide_hidden_pictures(r)
    if r.status == "failed" and r.failure:
        r.failure = "grading failed; your instructor has the details"
    return r


def hide_hidden_pictures(result: GradeResult) -> None:
    """Drop, in place, what would let a hidden check be drawn: its plot data and its map of
    wrong elements (students see pictures of visible checks only, released or not)."""
    for t in result.todos:
        for c in t.checks:
            if c.visibility != "visible":
                c.plot = None
                for o in c.outputs:
                    o.shape = None
                    o.wrong_mask = None
                    o.worst_index = None
