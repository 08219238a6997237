"""Similarity of an assignment's counted submissions, as instructors see it: the ranked
pairs, and two students' TODO code side by side with the shared regions marked.

Each counted submission is laid out as it is graded (``files_submission``), its TODO code
extracted and fingerprinted once (cached by submission and assignment version).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..similarity import (
    FingerprintCache,
    Fingerprints,
    compare,
    fingerprints,
    ranked_pairs,
    todo_sources,
)
from ..similarity import Settings as SimilaritySettings
from ..store.errors import NotFound
from ..store.grades import counted_per_student
from ..store.models import Assignment, Course, Submission, User
from ..store.submissions import files_of, get_submission
from ..store.users import members
from ..submission import SubmissionError, files_submission
from .course_schemas import (
    SimilarityDetailOut,
    SimilarityOut,
    SimilarityPairOut,
    SimilarityTodoOut,
)
from .deps import Services

CACHE = FingerprintCache()


def _cfg(svc: Services) -> SimilaritySettings:
    st = svc.settings
    return SimilaritySettings(noise=st.similarity_noise_chars,
                              guarantee=max(st.similarity_noise_chars,
                                            st.similarity_guarantee_chars))


def _version(row: Assignment) -> str:
    return f"{row.id}:{row.bundle_sha or row.builtin_slug or ''}"


def _prints(svc: Services, s: Session, row: Assignment, sub: Submission
            ) -> Fingerprints | str:
    """The fingerprints of ``sub`` 's TODO code, or why there are none."""
    cfg = _cfg(svc)
    key = (sub.id, _version(row), cfg.noise, cfg.guarantee)
    hit = CACHE.get(key)
    if hit is not None:
        return hit
    loaded = svc.runner.assignment(row, s)
    try:
        laid = files_submission(files_of(s, sub), loaded, svc.settings)
    except SubmissionError as exc:
        return f"its files cannot be laid out ({exc})"
    boiler = CACHE.boilerplate(str(key[1:]), loaded, cfg)
    value = fingerprints(todo_sources(loaded, laid.files), boiler, cfg)
    CACHE.put(key, value)
    return value


def class_similarity(svc: Services, s: Session, course: Course, row: Assignment
                     ) -> SimilarityOut:
    """The most similar pairs among the students' counted submissions."""
    students = {e.user_id for e in members(s, course) if e.role == "student"}
    prints: dict[str, Fingerprints] = {}
    subs: dict[str, Submission] = {}
    excluded = []
    for user, sub in counted_per_student(s, row):
        if user.id not in students:
            continue
        got = _prints(svc, s, row, sub)
        if isinstance(got, str):
            excluded.append(f"{user.name}: {got}")
        elif not got.written:
            excluded.append(f"{user.name}: no TODO code written (the starter's, or none)")
        else:
            prints[user.name], subs[user.name] = got, sub
    pairs = ranked_pairs(prints, svc.settings.similarity_max_pairs)
    base = f"/api/v1/courses/{course.slug}/assignments/{row.slug}/similarity"
    return SimilarityOut(assignment=row.slug, students=len(prints), excluded=excluded, pairs=[
        SimilarityPairOut(
            a=m.a, b=m.b, submission_a=subs[m.a].id, submission_b=subs[m.b].id,
            similarity=m.similarity, similarity_a=m.share_a, similarity_b=m.share_b,
            matched_tokens=m.matched, todos={t.todo: max(t.share_a, t.share_b)
                                             for t in m.todos},
            url=f"{base}/{subs[m.a].id}/{subs[m.b].id}") for m in pairs])


def _submission_of(s: Session, row: Assignment, submission_id: int) -> tuple[Submission, str]:
    sub = get_submission(s, submission_id)
    if sub.assignment_id != row.id:
        raise NotFound(f"submission {submission_id} is not a submission to {row.slug}")
    user = s.get(User, sub.user_id)
    assert user is not None
    return sub, user.name


def pair_detail(svc: Services, s: Session, row: Assignment, id_a: int, id_b: int
                ) -> SimilarityDetailOut:
    """Two submissions' TODO code side by side, with the shared character ranges.

    Raises:
        NotFound: a submission that does not exist or is not to this assignment.
    """
    (sub_a, name_a), (sub_b, name_b) = (_submission_of(s, row, id_a),
                                        _submission_of(s, row, id_b))
    fa, fb = _prints(svc, s, row, sub_a), _prints(svc, s, row, sub_b)
    if isinstance(fa, str) or isinstance(fb, str):
        return SimilarityDetailOut(a=name_a, b=name_b, submission_a=id_a, submission_b=id_b,
                                   similarity=0.0, todos=[])
    m = compare(fa, fb, name_a, name_b)
    by_todo = {t.todo: t for t in m.todos}
    todos = []
    for todo in fa.codes:
        t = by_todo.get(todo)
        if t is None and not (fa.codes[todo].strip() or fb.codes[todo].strip()):
            continue
        todos.append(SimilarityTodoOut(
            todo=todo, code_a=fa.codes[todo], code_b=fb.codes.get(todo, ""),
            spans_a=t.spans_a if t else [], spans_b=t.spans_b if t else [],
            similarity_a=t.share_a if t else 0.0, similarity_b=t.share_b if t else 0.0))
    todos.sort(key=lambda x: -max(x.similarity_a, x.similarity_b))
    return SimilarityDetailOut(a=name_a, b=name_b, submission_a=id_a, submission_b=id_b,
                               similarity=m.similarity, todos=todos)
