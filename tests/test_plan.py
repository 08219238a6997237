"""The order cases run in (``engine.plan``), on the five built-ins' recorded fixtures."""

from __future__ import annotations

import pytest

from grader.assignments.fixtures import load_fixtures
from grader.assignments.loader import builtin_slugs, load_assignment
from grader.engine import plan


@pytest.mark.parametrize("slug", builtin_slugs())
def test_each_todo_runs_in_one_stretch_blocks_first_visible_first(slug, settings):
    """A TODO's cases run one after another (so they share one child: one fork per TODO,
    not one per TODO and phase), after every case of the TODOs it uses as blocks, its
    visible checks before its hidden ones; the recorded order runs the producer of every
    shared value before its consumer, and only a TODO in such a pair may be split."""
    a = load_assignment(slug, settings)
    fx = load_fixtures(a)
    planned = plan(a.manifest, fx.cases, None, fx.order)
    assert len(planned) == sum(len(v) for v in fx.cases.values())
    runs = [pc.todo.id for n, pc in enumerate(planned)
            if n == 0 or planned[n - 1].todo.id != pc.todo.id]
    assert set(runs) == {t.id for t in a.manifest.todos}
    shared = fx.info.get("shared_values") or []
    paired = {v[end].split("/")[0] for v in shared for end in ("producer", "consumer")
              if v["producer"].split("/")[0] != v["consumer"].split("/")[0]}
    split = {tid for tid in runs if runs.count(tid) > 1}
    assert split <= paired, split - paired
    if slug != "dnn-optimizers":
        assert not split, split
    first = {tid: runs.index(tid) for tid in runs}
    last = {tid: max(n for n, r in enumerate(runs) if r == tid) for tid in runs}
    for t in a.manifest.todos:
        for c in t.checks:
            for block in c.blocks:
                assert last[block] < first[t.id], (t.id, block)
        phases = [pc.check.visibility == "visible" for pc in planned if pc.todo.id == t.id]
        assert phases == sorted(phases, reverse=True), t.id
    groups = [f"{pc.todo.id}/{pc.check.id}" for pc in planned]
    for v in shared:
        p, c = v["producer"].rpartition("#")[0], v["consumer"].rpartition("#")[0]
        assert p == c or groups.index(p) < groups.index(c), v
