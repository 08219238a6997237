"""The portal's rendering helpers, without a server: Markdown made safe, highlighted code,
the result page's "say it once" filters, time left."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from grader.portal.code import code_files, markdown
from grader.portal.render import check_lead, local_time, remaining, without_mistakes
from grader.report.models import GradeResult
from tests.conftest import REPO


def test_markdown_escapes_html_and_refuses_script_links():
    html = markdown("# Adam\n\n**bias** `v / (1 - b1**t)` <script>alert(1)</script>\n\n"
                    "[x](javascript:alert(1)) [ok](https://example.org/a)")
    assert "<h1>Adam</h1>" in html and "<strong>bias</strong>" in html
    assert "<code>v / (1 - b1**t)</code>" in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html and 'href="https://example.org/a"' in html


def test_code_is_highlighted_and_escaped():
    [py, big, binary] = code_files({"a.py": b"def f():\n    return '<b>'\n",
                                    "b.py": b"x = 1\n" * 40_000, "c.py": b"\xff\xfe"})
    assert '<span class="k">def</span>' in py.html and "&lt;b&gt;" in py.html
    assert "<b>" not in py.html and "style=" not in py.html  # classes only (the CSP)
    assert (big.html, big.why) == (None, "240 kB: too large to show here")
    assert (binary.html, binary.why) == (None, "not UTF-8 text")


def _adam_result() -> GradeResult:
    """A real result: ``grader grade fc-optim examples/fc-optim/adam_no_bias_correction
    --format json``, kept as a fixture."""
    path = REPO / "tests" / "portal" / "fixtures" / "adam_no_bias_correction.json"
    return GradeResult.model_validate(json.loads(path.read_text()))


def test_each_thing_is_said_once():
    todo = next(t for t in _adam_result().todos if t.id == "adam")
    assert todo.feedback.count("Adam without bias correction") == 2  # what the grader says
    summary = without_mistakes(todo)
    assert "Adam without bias correction" not in summary and "Divide v" not in summary
    assert summary.startswith("1 of 16 checks passed. First problem")
    for check in todo.checks:
        if check.status == "passed":
            continue
        lead = check_lead(todo, check)
        assert "looks like" not in lead
        for out in check.outputs:
            if not out.ok:
                assert out.message not in lead  # listed under the check, once


def test_time_left_and_local_time():
    now = datetime(2031, 3, 1, 12, 0, tzinfo=UTC)
    assert remaining(now + timedelta(days=2, hours=3, minutes=5), now) == "2 days 3 h left"
    assert remaining(now + timedelta(minutes=42), now) == "42 min left"
    assert remaining(now - timedelta(hours=5, minutes=1), now) == "passed 5 h 1 min ago"
    assert str(local_time(now)) == ('<time datetime="2031-03-01T12:00:00Z" data-local>'
                                    "2031-03-01 12:00 UTC</time>")
