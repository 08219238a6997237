"""A burst on the grading service: N submissions posted as fast as possible.

Starts ``grader serve --demo`` on a fresh data folder (the sandbox is GRADER_SANDBOX's, auto by
default: Docker when a daemon answers, else bubblewrap), measures one submission's
submit-to-graded latency on the idle service, then posts N submissions of the fc-optim example
from 8 client threads and reports: time to post them all, time until all are graded,
p50/p95 submit-to-graded latency (server timestamps), how many were lost (must be 0), that
each was graded exactly once, and the burst's throughput as a ratio of the ideal
``workers / idle latency``.

    .venv/bin/python bench/service_burst.py [--n 200] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.service.conftest import Api, Server, example_files  # noqa: E402

URL = "/api/v1/courses/demo/assignments/fc-optim/submissions"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("GRADER_WORKERS",
                                                                          "2")))
    args = parser.parse_args()
    env = {"GRADER_SANDBOX": os.environ.get("GRADER_SANDBOX", "auto"),
           "GRADER_WORKERS": str(args.workers), "GRADER_QUEUE_POLL_SECONDS": "1",
           "GRADER_MAX_SUBMISSION_FILES": "200", "GRADER_MAX_FILE_KB": "1024",
           "GRADER_MAX_SUBMISSION_KB": "10240", "GRADER_MAX_REQUEST_KB": "20480"}
    with tempfile.TemporaryDirectory(prefix="burst-") as tmp:
        server = Server(Path(tmp), env=env).start()
        try:
            run(server, args.n, args.workers)
        finally:
            server.stop()


def run(server: Server, n: int, workers: int) -> None:
    tokens = server.tokens()
    students = [Api(server.url, tokens["alice"]), Api(server.url, tokens["bob"])]
    teacher = Api(server.url, tokens["instructor"])
    health = httpx.get(server.url + "/api/v1/health").json()
    files = example_files()

    idle = []
    for _ in range(3):  # warm-up and idle latency
        body = students[0].wait(students[0].submit("demo", "fc-optim", files).json()["id"])
        idle.append(_latency(body))
    idle_latency = statistics.median(idle)
    expected_score = body["score"]

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
        rows = teacher.get(URL).json()
        done = [r for r in rows if r["id"] in wanted and r["status"] in ("graded", "failed")]
        if len(done) == len(wanted):
            break
        if time.monotonic() - t0 > 3600:
            raise RuntimeError(f"only {len(done)} of {n} graded after an hour")
        time.sleep(0.2)
    all_graded = time.monotonic() - t0
    rows = [r for r in teacher.get(URL).json() if r["id"] in wanted]
    latencies = [_latency(r) for r in rows]
    lost = n - len(rows)
    failed = sum(r["status"] != "graded" for r in rows)
    wrong = sum(r["score"] != expected_score for r in rows)
    with server.db() as conn:
        multi = conn.execute("SELECT count(*) FROM (SELECT submission_id FROM gradings GROUP BY "
                             "submission_id HAVING count(*) != 1)").fetchone()[0]
    ideal = n * idle_latency / max(1, workers)
    print(f"sandbox: {health['queue']['sandbox']}   workers: {workers}   "
          f"submissions: {n} (fc-optim, {len(files)} files each)")
    print(f"idle submit-to-graded latency: {idle_latency * 1000:.0f} ms (median of 3)")
    print(f"posted all {n} in {posted:.2f} s ({n / posted:.0f} submissions/s accepted)")
    print(f"all graded after {all_graded:.1f} s ({n / all_graded:.2f} gradings/s)")
    print(f"submit-to-graded latency: p50 {pct(latencies, 0.5):.1f} s   "
          f"p95 {pct(latencies, 0.95):.1f} s   max {max(latencies):.1f} s")
    print(f"lost: {lost}   failed: {failed}   wrong score: {wrong}   graded more than once: "
          f"{multi}")
    print(f"throughput vs ideal (workers / idle latency): {ideal / all_graded:.2f}")
    if lost or failed or wrong or multi:
        sys.exit(1)


def _latency(row: dict) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(row["graded_at"])
            - datetime.fromisoformat(row["created_at"])).total_seconds()


if __name__ == "__main__":
    main()
