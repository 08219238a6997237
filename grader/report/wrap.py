"""Wrapping feedback to the terminal's width without breaking a formula across lines.

Feedback says things like "Divide v by (1 - beta1**t)" or "use `m = beta1*m + (1-beta1)*dw`":
a line break inside ``(1 - beta1**t)`` makes it hard to read. Here a space is a place to
break only outside backticks and when neither word beside it is an operator (``=``, ``+``,
``-``, ``*``, ``/``, ``**``, ``<``, ``>``, ``<=``, ``>=``, ``==``, ``!=``, ``±``, ``×``,
``·``); a formula longer than the width stays on one line of its own.
"""

from __future__ import annotations

import re
import textwrap

OPERATORS = {"=", "+", "-", "*", "/", "**", "<", ">", "<=", ">=", "==", "!=", "±", "×", "·",
             "−", "@", "%"}
GLUE = "\x00"  # stands for a space that must not break while wrapping
_CODE = re.compile(r"`[^`\n]*`")


def _glue_formulas(text: str) -> str:
    text = _CODE.sub(lambda m: m.group(0).replace(" ", GLUE), text)
    words = text.split(" ")
    out = words[:1]
    for word in words[1:]:
        before = out[-1]
        if before.split(GLUE)[-1].strip("(") in OPERATORS \
                or word.split(GLUE)[0].strip(")") in OPERATORS:
            out[-1] = before + GLUE + word
        else:
            out.append(word)
    return " ".join(out)


def wrap(text: str, width: int, initial_indent: str = "", subsequent_indent: str = ""
         ) -> list[str]:
    """``textwrap.wrap`` that keeps formulas and `code` on one line (see the module)."""
    lines = textwrap.wrap(_glue_formulas(text), max(width, 20), initial_indent=initial_indent,
                          subsequent_indent=subsequent_indent, break_long_words=False,
                          break_on_hyphens=False)
    return [line.replace(GLUE, " ") for line in lines]
