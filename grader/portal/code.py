"""Submitted code as the portal shows it: read-only, highlighted on the server (Pygments,
CSS classes only: the pages' Content-Security-Policy allows no inline style)."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import JsonLexer, PythonLexer, TextLexer

#: Files larger than this are listed, not shown.
MAX_SHOWN_BYTES = 200_000

FORMATTER = HtmlFormatter(cssclass="highlight", linenos="table", wrapcode=True)


@dataclass
class CodeFile:
    """One file of a submission: its name and its highlighted HTML (None: not shown, with
    ``why``)."""

    name: str
    size: int
    html: Markup | None
    why: str = ""


def _lexer(name: str):  # noqa: ANN202 (a Pygments lexer)
    if name.endswith(".py"):
        return PythonLexer()
    if name.endswith(".ipynb") or name.endswith(".json"):
        return JsonLexer()
    return TextLexer()


def code_files(files: dict[str, bytes]) -> list[CodeFile]:
    """The files of a submission, by name, highlighted where they are text and not huge."""
    out = []
    for name in sorted(files):
        data = files[name]
        if len(data) > MAX_SHOWN_BYTES:
            out.append(CodeFile(name, len(data), None, f"{len(data) // 1000} kB: too large "
                                                      "to show here"))
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            out.append(CodeFile(name, len(data), None, "not UTF-8 text"))
            continue
        out.append(CodeFile(name, len(data), Markup(highlight(text, _lexer(name), FORMATTER))))
    return out


def stylesheet() -> str:
    """The highlighting's CSS (served as ``/static/code.css``)."""
    return FORMATTER.get_style_defs(".highlight")


def markdown(text: str) -> Markup:
    """Markdown as HTML, safely: raw HTML in the text is escaped, links keep to http(s),
    mailto and relative ones (markdown-it's link check)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    return Markup(md.render(text or ""))

