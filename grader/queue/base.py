"""The interface between the service and whatever runs the grading jobs."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .runner import JobRunner


class JobQueue(ABC):
    """Runs the jobs stored as rows in the database.

    The service stores a submission and its job in one transaction, then calls ``notify``;
    a backend must cope with a lost notification (the row is the truth) and with a restart
    at any moment (``start`` recovers jobs that were running).
    """

    #: Short name shown by ``/api/v1/health``.
    name: str = "?"
    #: Loads assignments for the service (and, in the embedded pool, grades).
    runner: JobRunner

    @abstractmethod
    def start(self) -> None:
        """Recover interrupted jobs and begin taking jobs."""

    @abstractmethod
    def stop(self, timeout_seconds: float = 5.0) -> None:
        """Stop taking jobs; gradings still running after the timeout are abandoned (and
        re-queued at the next start)."""

    @abstractmethod
    def notify(self) -> None:
        """New jobs were committed: run them soon."""

    @abstractmethod
    def describe(self) -> dict:
        """What the queue is made of (for the health endpoint)."""

    def status(self, inspect: bool = True) -> dict:
        """Live state for the admin view (broker queue depths, workers answering now);
        backends without a broker report nothing more than ``describe``."""
        return {}
