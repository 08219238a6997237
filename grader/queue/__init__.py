"""The grading queue: jobs are database rows (``grader.store.jobs``); a ``JobQueue`` decides
who runs them.

- ``base.JobQueue``: the small interface the service uses (start, stop, notify, describe).
- ``runner.JobRunner``: grades one claimed job and records its result, whatever happens.
- ``pool.WorkerPool``: the embedded default, worker processes started by the server
  (``pool_worker``: the body of one).

A scale-out backend (Celery + Redis) implements ``JobQueue`` by sending the job's id to its
workers, which call ``JobRunner.run_id``; the database stays the source of truth.
"""
