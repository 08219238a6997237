"""The Celery application of the scale-out queue (broker: Redis; no result backend).

A message carries only a job's id: the job's row is the truth. Delivery is at least once:

- ``task_acks_late``: a message is acknowledged after its grading ended, so a worker that
  dies mid-grading leaves it unacknowledged; the broker hands it out again after
  ``visibility_timeout_seconds`` (which must exceed the longest grading), and
  ``task_reject_on_worker_lost`` gives it back at once when a pool process dies;
- ``worker_prefetch_multiplier = 1``: a worker holds no more messages than it grades at once,
  so queued work stays in the broker where any worker (and the interactive lane) can take it;
- idempotent grading: a message for a job that is done, or running under a live lease, is
  acknowledged and does nothing (``JobRunner.run_id``); the lease sweep re-queues the job of a
  dead worker (``grader.queue.sweeper``), so it is graded again exactly once.

Two queues: interactive gradings (a student waits) and bulk regrades. A worker listens to
both and always empties the interactive one first (``queue_order_strategy = sorted`` over
names that sort in that order).
"""

from __future__ import annotations

from celery import Celery
from kombu import Queue

from ..config import Settings

#: Broker queue of each lane; the names sort in the order they are served.
QUEUES = {"interactive": "grader.1-interactive", "bulk": "grader.2-bulk"}
TASK = "grader.grade"


class ConfigError(ValueError):
    """The scale-out settings cannot work (the message says which and why)."""


def check_settings(settings: Settings) -> None:
    """Refuse settings under which a job could be delivered twice at once or never
    recovered.

    Raises:
        ConfigError: the visibility timeout is not above the longest grading, or the lease is
            not above a few heartbeats.
    """
    longest = settings.grading_seconds + settings.job_lease_seconds
    if settings.visibility_timeout_seconds <= longest:
        raise ConfigError(
            f"GRADER_VISIBILITY_TIMEOUT_SECONDS ({settings.visibility_timeout_seconds}) must "
            f"exceed the longest grading plus the lease ({longest:g} s: "
            "GRADER_GRADING_SECONDS + GRADER_JOB_LEASE_SECONDS), or the broker would hand "
            "out running jobs again")
    if settings.job_lease_seconds < 3 * settings.job_heartbeat_seconds:
        raise ConfigError(
            f"GRADER_JOB_LEASE_SECONDS ({settings.job_lease_seconds:g}) must be at least three "
            f"heartbeats (GRADER_JOB_HEARTBEAT_SECONDS = {settings.job_heartbeat_seconds:g}), "
            "or a slow heartbeat would make a live worker look dead")


def make_celery(settings: Settings) -> Celery:
    """The Celery app for ``settings`` (broker ``broker_url``); tasks are registered by
    ``grader.queue.worker``."""
    app = Celery("grader", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_queues=[Queue(name) for name in QUEUES.values()],
        task_default_queue=QUEUES["interactive"],
        task_routes={TASK: {"queue": QUEUES["interactive"]}},
        broker_transport_options={
            "visibility_timeout": settings.visibility_timeout_seconds,
            "queue_order_strategy": "sorted",
        },
        broker_connection_retry_on_startup=True,
        # sending a message: a few quick tries, then the job waits for the next sweep
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0.2,
                                   "interval_step": 0.5, "interval_max": 1.0},
        broker_connection_timeout=5,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        worker_redirect_stdouts=False,
    )
    return app
