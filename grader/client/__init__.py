"""Submitting to a grading service from a terminal (``grader login``, ``submit``, ``status``,
``results``) or a notebook::

    from grader.client import submit
    submit("fc-optim")            # the running notebook, graded; prints the result

It needs only httpx and pydantic (what ``grader.client`` imports never pulls in FastAPI,
SQLAlchemy, Celery or Docker), and the login that ``grader login`` saved.
"""

from __future__ import annotations

from .api import ClientError, ServiceClient
from .notebook import Outcome, submit

__all__ = ["ClientError", "Outcome", "ServiceClient", "submit"]
