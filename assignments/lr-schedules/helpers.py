"""Sandbox helpers of lr-schedules (run inside the check's child, with the student's code).

Nothing here is trusted: it only saves round trips. The drivers (trusted) send one operation
that calls the student's schedule once per epoch number, with keyword arguments (the
manifest's ``alpha0``, ``k``, ``every``: a student who orders the parameters differently is
still called correctly), and judge what comes back outside the sandbox.
"""


def call_each(fn, calls):
    """``[fn(*args, **kwargs) for args, kwargs in calls]``."""
    return [fn(*args, **kwargs) for args, kwargs in calls]
