"""Cases of an assignment whose manifest does not load on this branch yet (dnn-optimizers while
its conversion is on branch conv-dnn): reported as skipped with the loader's reason. Once the
manifest loads, test_corpus.py grades them like the others and this test has nothing left."""

from __future__ import annotations

import pytest

from . import corpus

UNLOADABLE = corpus.manifest_errors()
PENDING = [c for c in corpus.cases() if c.slug in UNLOADABLE]


@pytest.mark.parametrize("case", PENDING, ids=[c.name for c in PENDING])
def test_graded_once_the_manifest_loads(case):
    pytest.skip(f"the manifest of {case.slug} does not load on this branch "
                f"({UNLOADABLE[case.slug]}); its cases are graded once it does (conv-dnn)")
