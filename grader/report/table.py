"""The terminal view of a result: what a student reads after ``grader grade``."""

from __future__ import annotations

import shutil
import textwrap

from .models import GradeResult

SHOWN = 4  # failing checks listed per TODO
MARKS = {"passed": "ok", "partial": "~~", "failed": "XX", "not_graded": "--"}


def render_table(result: GradeResult) -> str:
    """A plain-text table of TODOs with scores, then details for what failed."""
    width = min(shutil.get_terminal_size((100, 20)).columns, 120)
    lines = [f"{result.title} ({result.assignment})",
             f"score: {result.score:g} / {result.max_score:g}    sandbox: {result.sandbox}    "
             f"time: {result.execution_time:.1f} s", ""]
    if result.status == "failed":
        lines += [f"GRADING FAILED: {result.failure}", ""]
    for p in result.import_errors:
        where = f" ({p.file}, line {p.line})" if p.file else ""
        lines.append(f"IMPORT FAILED: {p.module}: {p.message}{where}")
        if p.traceback:
            lines += ["  " + t for t in p.traceback.splitlines()]
    if result.import_errors:
        lines.append("")
    idw = max([len(t.id) for t in result.todos] + [4])
    lines.append(f"{'':2}  {'TODO':<{idw}}  {'score':>11}  checks")
    for t in result.todos:
        counted = [c for c in t.checks if c.status != "excused"]
        passed = sum(c.status == "passed" for c in counted)
        lines.append(f"{MARKS[t.status]:2}  {t.id:<{idw}}  {t.score:>5g} / {t.max_score:<3g}  "
                     f"{passed}/{len(counted)}")
    lines.append("")
    for t in result.todos:
        if t.status == "passed":
            continue
        lines.append(f"--- {t.id} ({t.file}): {t.score:g} / {t.max_score:g}")
        for para in t.feedback.split("\n"):
            lines += textwrap.wrap(para, width - 4, initial_indent="    ",
                                   subsequent_indent="    ") or [""]
        failing = [c for c in t.checks if c.status != "passed"]
        for c in failing[:SHOWN]:
            tag = "" if c.visibility == "visible" else " [hidden]"
            lines += textwrap.wrap(f"{c.status.upper()}{tag} {c.name}: {c.feedback}", width - 6,
                                   initial_indent="    - ", subsequent_indent="      ")
            for o in c.outputs:
                if not o.ok and o.detail:
                    lines.append(f"        {o.path}: {o.detail}")
            if c.error and "\n" in c.error:
                lines += ["        " + x for x in c.error.split("\n", 1)[1].splitlines()[-6:]]
        if len(failing) > SHOWN:
            rest = failing[SHOWN:]
            same = sum(1 for c in rest if c.mistake and c.mistake == failing[0].mistake)
            more = f"    ... and {len(rest)} more failing check(s)"
            if same:
                more += f", {same} of them with the same mistake"
            lines.append(more + " (--format json lists them all)")
        if t.output:
            lines.append("    your code printed:")
            lines += ["      | " + x for x in t.output.splitlines()[:20]]
            if t.output_truncated or len(t.output.splitlines()) > 20:
                lines.append("      | ...")
        lines.append("")
    if result.notes:
        lines.append("notes:")
        lines += ["  - " + n for n in result.notes]
    return "\n".join(lines).rstrip() + "\n"
