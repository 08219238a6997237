from datetime import UTC, datetime, timedelta

from grader.policy import (
    LatePolicy,
    SubmissionLimit,
    combine,
    late_adjustment,
    resubmission_adjustment,
)

DUE = datetime(2026, 3, 1, 23, 59, tzinfo=UTC)


def test_late_policy_per_started_day_with_cap_and_last_day():
    p = LatePolicy(percent_per_day=10, max_percent=25, last_day=5, grace_minutes=15)
    assert late_adjustment(p, DUE, DUE + timedelta(minutes=10)).factor == 1.0
    a = late_adjustment(p, DUE, DUE + timedelta(hours=2))
    assert a.factor == 0.9 and a.reason == "submitted 1 day(s) late: -10%"
    assert late_adjustment(p, DUE, DUE + timedelta(days=2, hours=1)).factor == 0.75
    a = late_adjustment(p, DUE, DUE + timedelta(days=6))
    assert a.factor == 0.0 and not a.accepted and "more than 5 day(s) late" in a.reason
    assert late_adjustment(p, None, DUE).factor == 1.0


def test_resubmission_limit_and_penalty():
    limit = SubmissionLimit(max_submissions=5, free_submissions=2, penalty_percent=10)
    assert resubmission_adjustment(limit, 2).factor == 1.0
    assert resubmission_adjustment(limit, 4).factor == 0.8
    over = resubmission_adjustment(limit, 6)
    assert not over.accepted and "over the limit of 5" in over.reason
    both = combine(resubmission_adjustment(limit, 3),
                   late_adjustment(LatePolicy(percent_per_day=50), DUE, DUE + timedelta(hours=1)))
    assert both.factor == 0.45 and "resubmission 3" in both.reason and "late" in both.reason
