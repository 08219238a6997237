"""The API's ``/metrics`` (Prometheus text format, prometheus-client).

The database is the queue's truth whichever process did the work, so most figures are read
from it at each scrape (``QueueCollector``): queue depth and running jobs per lane
(``interactive``, ``bulk``, and ``validation`` for uploaded bundles), the oldest queued job's
wait, gradings by outcome, bundle validations by outcome, the histograms of queue wait
(queued to started) and grading time (started to finished) per lane, and every worker's last
heartbeat. The histograms are kept in this process and fed incrementally with the gradings
recorded since the previous scrape (by id), starting from the whole history, so any API
replica reports the same cumulative figures. With the Celery queue, the broker's queue depths
too. HTTP requests are counted and timed here (``HttpMetrics``); sandbox start times are
observed where sandboxes run (``grader.telemetry.sandbox_metrics``: this process with the
embedded pool, each worker's own ``/metrics`` otherwise).
"""

from __future__ import annotations

import bisect
import logging
import threading
from collections.abc import Iterator
from datetime import timedelta

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from sqlalchemy import func, select

from ..config import Settings
from ..queue.base import JobQueue
from ..store import validations as validation_rows
from ..store.db import Store
from ..store.jobs import lane
from ..store.models import Grading, Job, Validation, Worker, utcnow
from ..store.stats import lanes as lane_counts

log = logging.getLogger("grader.telemetry")

WAIT_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600)
RUN_BUCKETS = (0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300)
LANES = ("interactive", "bulk")


class _Hist:
    """Cumulative bucket counts and a sum, fed one observation at a time."""

    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.bounds = buckets
        self.counts = [0] * (len(buckets) + 1)
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.sum += value

    def buckets(self) -> list[tuple[str, int]]:
        out, total = [], 0
        for bound, n in zip(self.bounds, self.counts, strict=False):
            total += n
            out.append((repr(float(bound)), total))
        out.append(("+Inf", total + self.counts[-1]))
        return out


class QueueCollector:
    """Figures of the queue, read from the database (and broker) at each scrape."""

    def __init__(self, store: Store, queue: JobQueue, settings: Settings) -> None:
        self.store, self.queue, self.settings = store, queue, settings
        self._lock = threading.Lock()
        self._cursor = 0  # the last grading id fed to the histograms
        self._wait = {name: _Hist(WAIT_BUCKETS) for name in LANES}
        self._run = {name: _Hist(RUN_BUCKETS) for name in LANES}

    def _feed(self) -> None:
        with self._lock, self.store.read() as s:
            while True:
                rows = list(s.execute(
                    select(Grading.id, Job.kind, Job.created_at, Job.started_at,
                           Job.finished_at).join(Job, Job.id == Grading.job_id)
                    .where(Grading.id > self._cursor).order_by(Grading.id).limit(5000)))
                for gid, kind, created, started, finished in rows:
                    self._cursor = gid
                    if started is None or finished is None:
                        continue
                    self._wait[lane(kind)].observe(max(0.0, (started - created)
                                                       .total_seconds()))
                    self._run[lane(kind)].observe(max(0.0, (finished - started)
                                                      .total_seconds()))
                if len(rows) < 5000:
                    return

    def collect(self) -> Iterator[Metric]:
        try:
            yield from self._collect()
        except Exception:  # noqa: BLE001 - a scrape must not fail the endpoint
            log.warning("metrics: the database did not answer", exc_info=True)
            up = GaugeMetricFamily("grader_database_up", "Whether the database answered the "
                                   "last scrape.")
            up.add_metric([], 0)
            yield up

    def _collect(self) -> Iterator[Metric]:
        self._feed()
        now = utcnow()
        depth = GaugeMetricFamily("grader_queue_depth", "Jobs waiting in the database queue, "
                                  "per lane (validation: uploaded bundles).", labels=["lane"])
        running = GaugeMetricFamily("grader_jobs_running", "Jobs being run by a worker, per "
                                    "lane.", labels=["lane"])
        oldest = GaugeMetricFamily("grader_queue_oldest_wait_seconds", "How long the oldest "
                                   "queued job of the lane has waited (0: none).",
                                   labels=["lane"])
        gradings = CounterMetricFamily("grader_gradings", "Gradings recorded, by outcome "
                                       "(graded, failed) and job kind (grade, regrade, "
                                       "preview).", labels=["outcome", "kind"])
        validations = CounterMetricFamily("grader_validations", "Bundle validations ended, "
                                          "by outcome (passed, failed).", labels=["outcome"])
        workers = GaugeMetricFamily("grader_worker_heartbeat_timestamp_seconds", "Unix time "
                                    "of each worker's last heartbeat (seen in the last day).",
                                    labels=["worker", "sandbox"])
        alive = GaugeMetricFamily("grader_worker_up", "1 if the worker's heartbeat is recent "
                                  "(within three sweeps) and it has not stopped.",
                                  labels=["worker"])
        with self.store.read() as s:
            for name, by_status in lane_counts(s).items():
                depth.add_metric([name], by_status.get("queued", 0))
                running.add_metric([name], by_status.get("running", 0))
            vcounts = validation_rows.counts(s)
            depth.add_metric(["validation"], vcounts["queued"])
            running.add_metric(["validation"], vcounts["running"])
            for outcome in ("passed", "failed"):
                validations.add_metric([outcome], vcounts[outcome])
            firsts = dict.fromkeys(LANES + ("validation",), None)
            for kind, first in s.execute(select(Job.kind, func.min(Job.created_at))
                                         .where(Job.status == "queued").group_by(Job.kind)):
                cur = firsts[lane(kind)]
                firsts[lane(kind)] = first if cur is None or first < cur else cur
            firsts["validation"] = s.scalar(select(func.min(Validation.created_at))
                                            .where(Validation.status == "queued"))
            for name, first in firsts.items():
                oldest.add_metric([name], _age(now, first))
            for outcome, kind, n in s.execute(
                    select(Grading.status, Job.kind, func.count(Grading.id))
                    .join(Job, Job.id == Grading.job_id).group_by(Grading.status, Job.kind)):
                gradings.add_metric([outcome, kind], n)
            alive_after = now - timedelta(seconds=3 * self.settings.sweep_seconds)
            for w in s.scalars(select(Worker).where(Worker.seen_at >= now - timedelta(days=1))
                               .order_by(Worker.name)):
                seen = w.seen_at
                workers.add_metric([w.name, w.sandbox], seen.timestamp())
                alive.add_metric([w.name], int(w.stopped_at is None and seen >= alive_after))
        yield from (depth, running, oldest, gradings, validations, workers, alive)
        with self._lock:
            for family, hists, doc in (
                    ("grader_queue_wait_seconds", self._wait,
                     "Seconds from a job's queueing to its (last) start, per lane."),
                    ("grader_grading_seconds", self._run,
                     "Seconds from a job's start to its recorded result, per lane.")):
                h = HistogramMetricFamily(family, doc, labels=["lane"])
                for name, hist in hists.items():
                    h.add_metric([name], hist.buckets(), sum_value=hist.sum)
                yield h
        broker = self.queue.status(inspect=False).get("broker") if self.queue else None
        if broker is not None:
            msgs = GaugeMetricFamily("grader_broker_messages", "Messages waiting in the "
                                     "broker, per lane.", labels=["lane"])
            for name, n in (broker.get("queues") or {}).items():
                msgs.add_metric([name], n)
            up = GaugeMetricFamily("grader_broker_up", "Whether the broker answered.")
            up.add_metric([], int(bool(broker.get("reachable"))))
            yield msgs
            yield up


def _age(now: object, first: object) -> float:
    if first is None:
        return 0.0
    if first.tzinfo is None:  # type: ignore[attr-defined] - SQLite's min() is naive
        first = first.replace(tzinfo=now.tzinfo)  # type: ignore[attr-defined]
    return max(0.0, (now - first).total_seconds())  # type: ignore[operator]


class HttpMetrics:
    """Requests served by this API process, by route template and status."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter("grader_http_requests", "HTTP requests answered.",
                                ["method", "route", "status"], registry=registry)
        self.seconds = Histogram("grader_http_request_seconds", "Seconds to answer an HTTP "
                                 "request.", ["method", "route"], registry=registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
                                          10))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.seconds.labels(method, route).observe(seconds)


def app_registry(store: Store, queue: JobQueue, settings: Settings
                 ) -> tuple[CollectorRegistry, HttpMetrics]:
    """A registry of one app's metrics: the queue's and its HTTP requests'."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(QueueCollector(store, queue, settings))
    return registry, HttpMetrics(registry)
