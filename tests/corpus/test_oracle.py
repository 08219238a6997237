"""The oracle itself: it says of each of our cases what the case was written to be, accepts
the reference solutions and rejects the untouched starters (no grader involved, so this also
runs for an assignment whose manifest does not load yet)."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import corpus
from .oracle import judge

ROOT = Path(__file__).resolve().parent.parent.parent
OURS = [c for c in corpus.cases() if not c.real]


@pytest.mark.parametrize("case", OURS, ids=[c.name for c in OURS])
def test_the_oracle_finds_what_each_case_was_written_to_be(case):
    verdicts = judge(case.files(), case.spec.TODOS, case.slug)
    written = [t for t, who in corpus.authorship(case).items() if who == "student"]
    wrong = {t for t in written if verdicts[t]["verdict"] != "correct"}
    assert wrong == corpus.intended_wrong(case), {t: verdicts[t]["why"] for t in wrong}


def _folder(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*.py"))
            if "variants" not in p.parts}


@pytest.mark.parametrize("slug", sorted(corpus.SPECS))
def test_the_oracle_accepts_the_reference_and_rejects_the_starter(slug):
    spec = corpus.SPECS[slug]
    ref = judge(_folder(ROOT / "reference" / slug), spec.TODOS, slug)
    assert {t: v["why"] for t, v in ref.items() if v["verdict"] != "correct"} == {}
    starter = judge(_folder(ROOT / "assignments" / slug / "starter"), spec.TODOS, slug)
    assert [t for t, v in starter.items() if v["verdict"] == "correct"] == []
