"""A burst on the scale-out deployment, with 1 and then 2 workers: how throughput grows.

Starts real Redis and PostgreSQL servers, the API (``GRADER_QUEUE=celery``) and ``grader
worker`` processes (each grading one job at a time, ``--concurrency 1``: on this 2-core
machine one worker stands for one machine's worth of CPU). For each worker count: a fresh
database, N submissions of the fc-optim example posted from 8 client threads, the time until
all are graded, p50/p95 submit-to-graded latency, none lost, each graded exactly once; then the
ratio of the two throughputs.

    .venv/bin/python bench/scale_burst.py [--n 500] [--workers 1,2] [--sandbox process]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.service_burst import _latency, pct  # noqa: E402
from tests.scale.conftest import Deployment  # noqa: E402
from tests.scale.servers import PostgresServer, RedisServer  # noqa: E402
from tests.service.conftest import example_files  # noqa: E402

URL = "/api/v1/courses/demo/assignments/fc-optim/submissions"


def burst(root: Path, redis: RedisServer, pg: PostgresServer, n: int, workers: int,
          sandbox: str) -> dict:
    unlimited = {"GRADER_SUBMISSIONS_PER_HOUR": "0", "GRADER_MAX_PENDING_PER_STUDENT": "0"}
    dep = Deployment(root, redis, pg.new_database(f"burst{workers}"),
                     api_env={"GRADER_SANDBOX": sandbox, **unlimited})
    dep.env.update({"GRADER_SANDBOX": sandbox, **unlimited})
    # production-like leases (the fast test values would only add database writes)
    dep.env.update({"GRADER_JOB_HEARTBEAT_SECONDS": "10", "GRADER_JOB_LEASE_SECONDS": "60",
                    "GRADER_SWEEP_SECONDS": "5", "GRADER_VISIBILITY_TIMEOUT_SECONDS": "3600",
                    "GRADER_GRADING_SECONDS": "120"})
    try:
        dep.start_api()
        for i in range(workers):
            dep.add_worker(f"bench{i}", env=dep.env)
        students = [dep.api_as("alice"), dep.api_as("bob")]
        teacher = dep.api_as("instructor")
        files = example_files()
        warm = students[0].wait(students[0].submit("demo", "fc-optim", files).json()["id"])
        expected = warm["score"]

        def post(i: int) -> int:
            r = students[i % 2].submit("demo", "fc-optim", files)
            if r.status_code != 202:
                raise RuntimeError(f"submission {i}: {r.status_code} {r.text}")
            return r.json()["id"]

        t0 = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            ids = list(pool.map(post, range(n)))
        posted = time.monotonic() - t0
        wanted = set(ids)
        while True:
            rows = [r for r in teacher.get(URL).json() if r["id"] in wanted]
            if sum(r["status"] in ("graded", "failed") for r in rows) == n:
                break
            if time.monotonic() - t0 > 7200:
                raise RuntimeError("not all graded after two hours")
            time.sleep(0.5)
        elapsed = time.monotonic() - t0
        latencies = [_latency(r) for r in rows]
        multi = dep.rows("SELECT count(*) FROM (SELECT submission_id FROM gradings GROUP BY "
                         "submission_id HAVING count(*) != 1) AS t")[0][0]
        per_worker = dict(dep.rows("SELECT worker, count(*) FROM jobs GROUP BY worker"))
        return {"workers": workers, "n": n, "posted": posted, "elapsed": elapsed,
                "rate": n / elapsed, "p50": pct(latencies, 0.5), "p95": pct(latencies, 0.95),
                "lost": n - len(rows), "failed": sum(r["status"] != "graded" for r in rows),
                "wrong": sum(r["score"] != expected for r in rows), "multi": multi,
                "per_worker": per_worker}
    finally:
        dep.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--sandbox", default="process")
    args = parser.parse_args()
    counts = [int(x) for x in args.workers.split(",")]
    redis, pg = RedisServer().start(), PostgresServer().start()
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="scale-burst-") as tmp:
            for workers in counts:
                r = burst(Path(tmp) / f"w{workers}", redis, pg, args.n, workers, args.sandbox)
                results.append(r)
                print(f"{workers} worker(s): {r['n']} submissions posted in {r['posted']:.1f} s "
                      f"({r['n'] / r['posted']:.0f}/s accepted); all graded after "
                      f"{r['elapsed']:.1f} s = {r['rate']:.2f} gradings/s; latency p50 "
                      f"{r['p50']:.0f} s p95 {r['p95']:.0f} s; lost {r['lost']}, failed "
                      f"{r['failed']}, wrong score {r['wrong']}, graded more than once "
                      f"{r['multi']}; per worker {sorted(r['per_worker'].values())}",
                      flush=True)
    finally:
        redis.close()
        pg.close()
    base = results[0]
    for r in results[1:]:
        print(f"throughput {r['workers']} vs {base['workers']} worker(s): "
              f"{r['rate'] / base['rate']:.2f}x (ideal {r['workers'] / base['workers']:.0f}x)")
    if any(r["lost"] or r["failed"] or r["wrong"] or r["multi"] for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
