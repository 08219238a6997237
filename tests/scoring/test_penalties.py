"""Late and resubmission penalties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from grader.scoring.penalties import Policy, final_score, late_days, penalty_percent, refusal

DUE = datetime(2026, 3, 1, 23, 59, tzinfo=UTC)


def test_late_days_count_started_days():
    assert late_days(None, DUE + timedelta(days=9)) == 0
    assert late_days(DUE, DUE) == 0
    assert late_days(DUE, DUE + timedelta(seconds=1)) == 1
    assert late_days(DUE, DUE + timedelta(days=1)) == 1
    assert late_days(DUE, DUE + timedelta(days=1, seconds=1)) == 2


def test_penalties_add_up_with_caps():
    p = Policy(due_at=DUE, late_percent_per_day=10, late_cap_percent=25,
               resubmission_penalty_percent=5)
    assert penalty_percent(p, 0, 1) == 0
    assert penalty_percent(p, 2, 1) == 20
    assert penalty_percent(p, 7, 1) == 25
    assert penalty_percent(p, 7, 3) == 35
    assert penalty_percent(Policy(resubmission_penalty_percent=60), 0, 3) == 100
    assert final_score(80, 25) == 60


def test_refusals():
    p = Policy(due_at=DUE, late_days_accepted=2, max_submissions=3)
    assert refusal(p, DUE + timedelta(days=2), 0) is None
    assert "this one would be 3 day(s) late" in refusal(p, DUE + timedelta(days=2, hours=1), 0)
    assert refusal(p, DUE, 3).startswith("you have used all 3 submissions")
    assert refusal(Policy(), DUE + timedelta(days=400), 10 ** 6) is None


def test_extensions_extend_the_policy():
    from grader.scoring.penalties import Extension, extended

    p = Policy(due_at=DUE, late_percent_per_day=10, late_days_accepted=2, max_submissions=3)
    assert extended(p, None) is p
    e = extended(p, Extension(extra_late_days=2, extra_submissions=1))
    assert (e.due_at, e.late_days_accepted, e.max_submissions, e.free_late_days) == (
        DUE, 4, 4, 2)
    # excused days are not charged; the days after them are
    assert penalty_percent(e, 2, 1) == 0 and penalty_percent(e, 3, 1) == 10
    assert refusal(e, DUE + timedelta(days=3, hours=1), 0) is None  # 4 days: accepted
    assert refusal(e, DUE + timedelta(days=4, hours=1), 0) is not None
    assert refusal(e, DUE, 3) is None and refusal(e, DUE, 4) is not None
    later = extended(p, Extension(due_at=DUE + timedelta(days=5)))
    assert later.due_at == DUE + timedelta(days=5) and later.max_submissions == 3
    # an extension never moves a due date earlier (the assignment's moved past it)
    assert extended(p, Extension(due_at=DUE - timedelta(days=1))).due_at == DUE
    unlimited = extended(Policy(), Extension(extra_late_days=1, extra_submissions=1))
    assert (unlimited.late_days_accepted, unlimited.max_submissions) == (None, None)
