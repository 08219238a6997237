"""Similarity of students' TODO code (instructors only)."""

from __future__ import annotations

from fastapi import APIRouter

from ..access import assignment_seen
from ..course_schemas import SimilarityDetailOut, SimilarityOut
from ..deps import Caller, Svc
from ..similarity import class_similarity, pair_detail

router = APIRouter(prefix="/api/v1/courses/{course}/assignments/{assignment}/similarity",
                   tags=["similarity"])


@router.get("")
def similarity(course: str, assignment: str, user: Caller, svc: Svc) -> SimilarityOut:
    """Pairs of students whose TODO code (normalized tokens, starter and given code left
    out) overlaps, most similar first, with the share per TODO."""
    with svc.store.read() as s:
        seen = assignment_seen(s, course, assignment, user, instructor=True)
        assert seen.assignment is not None
        return class_similarity(svc, s, seen.course, seen.assignment)


@router.get("/{submission_a}/{submission_b}")
def similarity_pair(course: str, assignment: str, submission_a: int, submission_b: int,
                    user: Caller, svc: Svc) -> SimilarityDetailOut:
    """Two submissions' TODO code side by side; ``spans_*`` are the shared character
    ranges of each."""
    with svc.store.read() as s:
        seen = assignment_seen(s, course, assignment, user, instructor=True)
        assert seen.assignment is not None
        return pair_detail(svc, s, seen.assignment, submission_a, submission_b)
