"""The grader agrees with an independent oracle on real (and realistic) student code.

Every case of the corpus (``tests/corpus/cases/``, ours, always; ``tests/corpus/real/``, real
public student code, where it has been rebuilt with ``python -m tests.corpus.collect``) is
graded by the real engine in the process sandbox and judged by ``oracle.py``. Per TODO, full
marks must go exactly to what the oracle calls correct (except the pairs listed, with a reason,
in known_disagreements.txt), and a bug in a block must not cost a composite that the oracle
finds right (one bug, charged once).
"""

from __future__ import annotations

import pytest

from . import corpus

pytestmark = pytest.mark.sandbox

CASES = corpus.cases()
# slug -> composite TODO -> the TODOs it may call (answered with right values when graded)
COMPOSITE_BLOCKS = {
    "fc-optim": {
        "affine_relu_forward": ["affine_forward", "relu_forward"],
        "affine_relu_backward": ["affine_forward", "relu_forward", "affine_backward",
                                 "relu_backward"],
        "FullyConnectedNet.loss": ["affine_forward", "relu_forward", "affine_backward",
                                   "relu_backward", "affine_relu_forward",
                                   "affine_relu_backward"],
    },
    "mlp-backprop": {
        "Hidden.backward_pass": ["Hidden.leaky_relu_derivative"],
        "Hidden_Vondrick.backward_pass": ["Hidden_Vondrick.vondrick_activation_derivative"],
    },
    "dnn-optimizers": {
        "forward_propagation": ["layer", "ReLU.forward"],
        "NeuralNetwork.initialize": ["initialize_dnn_parameters"],
        "NeuralNetwork.backward": ["back_propagation", "ReLU.derivative"],
        "GradientDescent.step": ["gradient_descent_step"],
    },
}


@pytest.fixture(scope="module")
def rows(process_sandbox) -> dict[str, list[corpus.Row]]:
    """All cases graded once (in worker processes), by case name."""
    out: dict[str, list[corpus.Row]] = {}
    for row in corpus.grade_all(CASES):
        out.setdefault(row.case, []).append(row)
    return out


def test_the_corpus_has_our_pattern_cases_for_every_assignment():
    ours = [c for c in corpus.cases() if not c.real]
    assert {c.slug for c in ours} == set(corpus.SPECS)
    assert len([c for c in ours if c.slug == "fc-optim"]) >= 8


def test_every_built_in_loads():
    assert corpus.manifest_errors() == {}


def test_every_oracle_covers_its_assignment_s_todos():
    from grader.assignments.loader import load_assignment
    from grader.config import Settings

    for slug, spec in corpus.SPECS.items():
        manifest = load_assignment(slug, Settings()).manifest
        assert sorted(spec.TODOS) == sorted(t.id for t in manifest.todos), slug
        assert any(c.slug == slug for c in CASES), f"no case for {slug}"


def test_known_disagreements_name_existing_todos_with_reasons():
    todos = {t for spec in corpus.SPECS.values() for t in spec.TODOS}
    for (case, todo), reason in corpus.known_disagreements().items():
        assert todo in todos, todo
        assert reason, f"{case} {todo}: no reason given"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_grader_agrees_with_the_oracle(case, rows):
    known = corpus.known_disagreements()
    wrong = [f"{r.todo}: oracle {'correct' if r.oracle_ok else 'incorrect'} ({r.oracle_why}), "
             f"grader {r.grader_score:g}/{r.grader_max:g}: {r.feedback[:300]}"
             for r in rows[case.name] if not r.agree and (case.name, r.todo) not in known]
    assert wrong == []


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_block_bug_is_not_charged_to_a_right_composite(case, rows):
    by_todo = {r.todo: r for r in rows[case.name]}
    for composite, blocks in COMPOSITE_BLOCKS.get(case.slug, {}).items():
        c = by_todo[composite]
        broken = [b for b in blocks if not by_todo[b].oracle_ok]
        if c.oracle_ok and broken:
            assert c.grader_ok, (f"{composite} lost points ({c.grader_score:g}/"
                                 f"{c.grader_max:g}) for {broken}: {c.feedback[:300]}")
