"""The terminal view of a result: what a student reads after ``grader grade``.

``render_table`` is the plain text (piped output, files, the service's clients);
``print_table`` writes the same text, coloured with ``rich`` on a terminal unless
``NO_COLOR`` is set (https://no-color.org). Feedback is wrapped to the terminal's width,
never inside a formula (``wrap``).
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import TextIO

from .models import GradeResult
from .wrap import wrap

SHOWN = 4  # failing checks listed per TODO
MARKS = {"passed": "ok", "partial": "~~", "failed": "XX", "not_graded": "--"}
MARK_STYLES = {"passed": "green", "partial": "yellow", "failed": "bold red",
               "not_graded": "dim"}

Segment = tuple[str, str | None]  # text, rich style
Line = list[Segment]


def _plain(text: str, style: str | None = None) -> Line:
    return [(text, style)]


def table_lines(result: GradeResult, width: int | None = None,
                all_checks: str = "--format json") -> list[Line]:
    """The table as lines of styled segments (``render_table`` joins their text);
    ``all_checks`` names the option that lists every failing check."""
    if width is None:
        width = min(shutil.get_terminal_size((100, 20)).columns, 120)
    lines: list[Line] = [
        _plain(f"{result.title} ({result.assignment})", "bold"),
        [("score: ", None), (f"{result.score:g} / {result.max_score:g}", "bold"),
         (f"    sandbox: {result.sandbox}    time: {result.execution_time:.1f} s", "dim")],
        []]
    if result.status == "failed":
        lines += [_plain(f"GRADING FAILED: {result.failure}", "bold red"), []]
    for p in result.import_errors:
        where = f" ({p.file}, line {p.line})" if p.file else ""
        lines.append(_plain(f"IMPORT FAILED: {p.module}: {p.message}{where}", "bold red"))
        if p.traceback:
            lines += [_plain("  " + t, "dim") for t in p.traceback.splitlines()]
    if result.import_errors:
        lines.append([])
    idw = max([len(t.id) for t in result.todos] + [4])
    lines.append(_plain(f"{'':2}  {'TODO':<{idw}}  {'score':>11}  checks", "bold"))
    for t in result.todos:
        counted = [c for c in t.checks if c.status != "excused"]
        passed = sum(c.status == "passed" for c in counted)
        lines.append([(f"{MARKS[t.status]:2}", MARK_STYLES[t.status]),
                      (f"  {t.id:<{idw}}  {t.score:>5g} / {t.max_score:<3g}  "
                       f"{passed}/{len(counted)}", None)])
    lines.append([])
    for t in result.todos:
        if t.status == "passed":
            continue
        lines.append(_plain(f"--- {t.id} ({t.file}): {t.score:g} / {t.max_score:g}", "bold"))
        for para in t.feedback.split("\n"):
            lines += [_plain(x) for x in wrap(para, width - 4, "    ", "    ") or [""]]
        failing = [c for c in t.checks if c.status != "passed"]
        for c in failing[:SHOWN]:
            tag = "" if c.visibility == "visible" else " [hidden]"
            wrapped = wrap(f"{c.status.upper()}{tag} {c.name}: {c.feedback}", width - 6,
                           "    - ", "      ")
            head = f"    - {c.status.upper()}"
            if wrapped and wrapped[0].startswith(head):
                lines.append([("    - ", None), (c.status.upper(), "red"),
                              (wrapped[0][len(head):], None)])
                wrapped = wrapped[1:]
            lines += [_plain(x) for x in wrapped]
            for o in c.outputs:
                if not o.ok and o.detail:
                    lines.append(_plain(f"        {o.path}: {o.detail}", "cyan"))
            if c.error and "\n" in c.error:
                lines += [_plain("        " + x, "dim")
                          for x in c.error.split("\n", 1)[1].splitlines()[-6:]]
        if len(failing) > SHOWN:
            rest = failing[SHOWN:]
            same = sum(1 for c in rest if c.mistake and c.mistake == failing[0].mistake)
            more = f"    ... and {len(rest)} more failing check(s)"
            if same:
                more += f", {same} of them with the same mistake"
            lines.append(_plain(f"{more} ({all_checks} lists them all)", "dim"))
        if t.output:
            lines.append(_plain("    your code printed:"))
            lines += [_plain("      | " + x, "dim") for x in t.output.splitlines()[:20]]
            if t.output_truncated or len(t.output.splitlines()) > 20:
                lines.append(_plain("      | ...", "dim"))
        lines.append([])
    if result.notes:
        lines.append(_plain("notes:"))
        lines += [_plain("  - " + n) for n in result.notes]
    while lines and not "".join(text for text, _ in lines[-1]).strip():
        lines.pop()
    return lines


def render_table(result: GradeResult, all_checks: str = "--format json") -> str:
    """A plain-text table of TODOs with scores, then details for what failed."""
    text = "\n".join("".join(seg for seg, _ in line)
                     for line in table_lines(result, all_checks=all_checks))
    return text.rstrip() + "\n"


def use_colour(stream: TextIO) -> bool:
    """Colour for a terminal, unless ``NO_COLOR`` is set (to anything but the empty string)
    or ``TERM`` is ``dumb``."""
    if os.environ.get("NO_COLOR", "") != "" or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def print_table(result: GradeResult, stream: TextIO | None = None,
                all_checks: str = "--format json") -> None:
    """Write the table to ``stream`` (stdout): coloured on a terminal (``use_colour``),
    otherwise exactly ``render_table``'s text."""
    stream = stream or sys.stdout
    if not use_colour(stream):
        stream.write(render_table(result, all_checks))
        stream.flush()
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(file=stream, highlight=False, soft_wrap=True, emoji=False,
                      markup=False)
    for line in table_lines(result, all_checks=all_checks):
        console.print(Text.assemble(*[(seg, style or "") for seg, style in line]))
