"""The scale-out queue as the server sees it (``GRADER_QUEUE=celery``): the server stores jobs
and sends their ids to the broker; ``grader worker`` processes, on any machine, grade them.

Nothing runs a grading in the server. At start it sends a message for every queued job (one
may have been accepted just before a crash, between its commit and its message; duplicates
are no-ops) and runs the sweeper (``grader.queue.sweeper``). It never re-queues running jobs
wholesale as the embedded pool does: other processes hold them, and only an expired lease
says one is dead.
"""

from __future__ import annotations

import logging
import socket

from ..config import Settings
from ..store.db import Store
from .base import JobQueue
from .celery_app import QUEUES, check_settings, make_celery
from .runner import JobRunner
from .sweeper import Sweeper, _safe, send_unsent
from .validation import send_unsent_validations

log = logging.getLogger("grader.queue")


class CeleryQueue(JobQueue):
    """Sends jobs to Celery workers through the broker at ``settings.broker_url``."""

    name = "celery"

    def __init__(self, store: Store, settings: Settings) -> None:
        check_settings(settings)
        self.store = store
        self.settings = settings
        self.app = make_celery(settings)
        # loads assignments for intake (files are checked before they are stored); grades none
        self.runner = JobRunner(store, settings, worker=f"api@{socket.gethostname()}")
        self.sweeper = Sweeper(store, settings, self.app)
        self.sent_at_start = 0

    def start(self) -> None:
        try:
            self.sent_at_start = send_unsent(self.store, self.app, self.settings,
                                             everything=True)
            self.sent_at_start += send_unsent_validations(self.store, self.app, self.settings,
                                                          everything=True)
        except Exception:  # noqa: BLE001 - the database is away: the sweeper retries
            log.warning("could not send the queued jobs at start", exc_info=True)
        self.sweeper.start()

    def stop(self, timeout_seconds: float = 5.0) -> None:
        self.sweeper.stop(timeout_seconds)

    def notify(self) -> None:
        try:
            send_unsent(self.store, self.app, self.settings)
            send_unsent_validations(self.store, self.app, self.settings)
        except Exception:  # noqa: BLE001 - stored is what counts: the sweeper sends it later
            log.warning("could not send new jobs now; the sweeper will", exc_info=True)

    def describe(self) -> dict:
        return {"backend": self.name, "broker": _safe(self.settings.broker_url),
                "sandbox": f"{self.settings.sandbox} (in the workers)", "queues": QUEUES,
                "sent_at_start": self.sent_at_start,
                "requeued_from_dead_workers": self.sweeper.requeued}

    def status(self, inspect: bool = True) -> dict:
        """Broker queue depths and messages held by workers; with ``inspect``, the workers
        that answer a Celery ping within a second and what they are running."""
        out: dict = {"broker": {"url": _safe(self.settings.broker_url), "reachable": False,
                                "queues": {}, "unacked": None}}
        try:
            with self.app.connection_for_read() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
                channel = conn.default_channel
                for lane, queue in QUEUES.items():
                    out["broker"]["queues"][lane] = _depth(channel, queue)
                out["broker"]["unacked"] = int(channel.client.hlen(channel.unacked_key))
                out["broker"]["reachable"] = True
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            out["broker"]["error"] = f"{type(exc).__name__}: {exc}"[:300]
        if inspect and out["broker"]["reachable"]:
            out["live"] = _inspect(self.app)
        return out


def _depth(channel: object, queue: str) -> int:
    """Messages waiting in ``queue`` (0 when Redis has no key for it: an empty list)."""
    from kombu.exceptions import ChannelError

    try:
        return int(channel.queue_declare(queue=queue, passive=True).message_count)  # type: ignore[attr-defined]
    except ChannelError:
        return 0


def _inspect(app: object) -> dict:
    """``{node: {"active": n}}`` of the workers answering a broadcast within 1 s."""
    active = app.control.inspect(timeout=1.0).active() or {}  # type: ignore[attr-defined]
    return {node: {"active": len(tasks or [])} for node, tasks in sorted(active.items())}
