"""Issue 12 through the service: an attack that implements nothing scores what the starter
scores, and the student's view of it carries no hidden value."""

from __future__ import annotations

import pytest

from grader.assignments.loader import load_assignment

from ..test_trust_boundary import HIJACK, STASH

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]


def test_an_attack_through_the_service_gains_nothing(alice):
    a = load_assignment("fc-optim")
    starter = a.starter_files()
    files = [(rel, starter[rel] + (STASH + HIJACK if rel == "nndl/optim.py" else HIJACK))
             for rel in a.manifest.submission_files]
    sid = alice.submit("demo", "fc-optim", files).json()["id"]
    done = alice.wait(sid, timeout=300)
    assert done["status"] == "graded", done
    assert done["score"] == 0, [(t["id"], t["score"]) for t in done["result"]["todos"]
                                if t["score"]]
    hidden = [c for t in done["result"]["todos"] for c in t["checks"]
              if c["visibility"] != "visible"]
    assert hidden and all(o.get("rel_error") is None and o.get("detail") is None
                          for c in hidden for o in c["outputs"])
    assert not [c["feedback"] for c in hidden if "worst at index" in c["feedback"]]
