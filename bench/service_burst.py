"""A burst on the grading service: N complete submissions posted as fast as possible.

Starts ``grader serve --demo`` on a fresh data folder (the sandbox is GRADER_SANDBOX's, auto by
default: Docker when a daemon answers, else bubblewrap; the embedded queue), measures one
correct submission's submit-to-graded latency on the idle service (server timestamps: from
the 202's row to the graded row), then posts N complete fc-optim submissions from 8 client
threads, half correct (the reference's files), half with a buggy Adam (the bundled example),
and reports: time to post them all, time until all are graded, p50/p95 submit-to-graded
latency, how many were lost (must be 0), that each was graded exactly once with the score its
kind gets. With ``--timeouts K``, K more submissions whose ``adam`` never returns are mixed in:
their time-outs must not hold the others' latency.

Targets (issue 13): >= 4 gradings/s and p95 <= 30 s for 100 submissions on 2 cores with
Docker; an idle service returns a correct submission's result <= 1.0 s after the 202.

    .venv/bin/python bench/service_burst.py [--n 100] [--workers 2] [--timeouts 4]
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

REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "fc-optim"

URL = "/api/v1/courses/demo/assignments/fc-optim/submissions"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--timeouts", type=int, default=0,
                        help="submissions whose adam never returns, mixed into the burst")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("GRADER_WORKERS",
                                                                          "2")))
    args = parser.parse_args()
    env = {"GRADER_SANDBOX": os.environ.get("GRADER_SANDBOX", "auto"),
           "GRADER_WORKERS": str(args.workers), "GRADER_QUEUE_POLL_SECONDS": "1",
           "GRADER_MAX_SUBMISSION_FILES": "200", "GRADER_MAX_FILE_KB": "1024",
           "GRADER_MAX_SUBMISSION_KB": "10240", "GRADER_MAX_REQUEST_KB": "20480",
           "GRADER_SUBMISSIONS_PER_HOUR": "0", "GRADER_MAX_PENDING_PER_STUDENT": "0"}
    with tempfile.TemporaryDirectory(prefix="burst-") as tmp:
        server = Server(Path(tmp), env=env).start()
        try:
            run(server, args.n, args.workers, args.timeouts)
        finally:
            server.stop()


def correct_files() -> list[tuple[str, bytes]]:
    """The reference's nndl/ files: a complete, correct submission."""
    return [(f"nndl/{p.name}", p.read_bytes()) for p in sorted((REFERENCE / "nndl").glob("*.py"))]


def hanging_files() -> list[tuple[str, bytes]]:
    """The reference with an ``adam`` that never returns (a busy loop)."""
    out = []
    for name, data in correct_files():
        if name == "nndl/optim.py":
            text = data.decode()
            at = text.index("def adam(")
            body = text.index(chr(10), text.index("):", at)) + 1
            data = (text[:body] + "    while True:" + chr(10) + "        pass" + chr(10)
                    + text[body:]).encode()
        out.append((name, data))
    return out


def run(server: Server, n: int, workers: int, timeouts: int = 0) -> None:
    tokens = server.tokens()
    students = [Api(server.url, tokens["alice"]), Api(server.url, tokens["bob"])]
    teacher = Api(server.url, tokens["instructor"])
    health = httpx.get(server.url + "/api/v1/health").json()
    kinds = {"correct": correct_files(), "buggy adam": example_files(),
             "adam hangs": hanging_files()}
    expected: dict[str, float] = {}
    idle = []
    for kind in ("correct", "buggy adam", "correct", "correct"):  # warm-up, scores, idle
        body = students[0].wait(students[0].submit("demo", "fc-optim", kinds[kind]).json()["id"])
        expected[kind] = body["score"]
        if kind == "correct":
            idle.append(_latency(body))
    idle_latency = statistics.median(idle[1:])
    plan = ["correct" if i % 2 == 0 else "buggy adam" for i in range(n)]
    for j in range(timeouts):  # spread through the burst
        plan.insert((j + 1) * len(plan) // (timeouts + 1), "adam hangs")

    def post(i: int) -> tuple[int, str]:
        r = students[i % 2].submit("demo", "fc-optim", kinds[plan[i]])
        if r.status_code != 202:
            raise RuntimeError(f"submission {i}: {r.status_code} {r.text}")
        return r.json()["id"], plan[i]

    t0 = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        posted_ids = dict(pool.map(post, range(len(plan))))
    posted = time.monotonic() - t0
    wanted = set(posted_ids)
    while True:
        rows = teacher.get(URL).json()
        done = [r for r in rows if r["id"] in wanted and r["status"] in ("graded", "failed")]
        if len(done) == len(wanted):
            break
        if time.monotonic() - t0 > 3600:
            raise RuntimeError(f"only {len(done)} of {len(wanted)} graded after an hour")
        time.sleep(1.0)  # a client's pace (polling 5 times a second cost the server a sixth
        # of its CPU); latencies come from the server's timestamps, not from this loop
    all_graded = time.monotonic() - t0
    rows = [r for r in teacher.get(URL).json() if r["id"] in wanted]
    complete = [r for r in rows if posted_ids[r["id"]] != "adam hangs"]
    latencies = [_latency(r) for r in complete]
    lost = len(wanted) - len(rows)
    failed = sum(r["status"] != "graded" for r in rows)
    hung = [r for r in rows if posted_ids[r["id"]] == "adam hangs"]
    wrong = sum(r["score"] != expected[posted_ids[r["id"]]] for r in complete)
    with server.db() as conn:
        multi = conn.execute("SELECT count(*) FROM (SELECT submission_id FROM gradings GROUP BY "
                             "submission_id HAVING count(*) != 1)").fetchone()[0]
    rate = len(rows) / all_graded
    p95 = pct(latencies, 0.95)
    print(f"sandbox: {health['queue']['sandbox']}   workers: {workers}   submissions: "
          f"{len(rows)} complete fc-optim ({n} half correct, half a buggy Adam"
          + (f"; {timeouts} whose adam hangs" if timeouts else "") + ")")
    print(f"scores: correct {expected['correct']:g}, buggy adam {expected['buggy adam']:g}"
          + (f", adam hangs {hung[0]['score']:g}" if hung else ""))
    print(f"idle submit-to-graded latency: {idle_latency * 1000:.0f} ms (median of 2)   "
          f"target <= 1000 ms: {'met' if idle_latency <= 1.0 else 'NOT met'}")
    print(f"posted all {len(rows)} in {posted:.2f} s ({len(rows) / posted:.0f} submissions/s "
          "accepted)")
    print(f"all graded after {all_graded:.1f} s ({rate:.2f} gradings/s)   target >= 4/s: "
          f"{'met' if rate >= 4 else 'NOT met'}")
    print(f"submit-to-graded latency of the complete ones: p50 {pct(latencies, 0.5):.1f} s   "
          f"p95 {p95:.1f} s   max {max(latencies):.1f} s   target p95 <= 30 s: "
          f"{'met' if p95 <= 30 else 'NOT met'}")
    if hung:
        print(f"the hanging ones: latency p50 {pct([_latency(r) for r in hung], 0.5):.1f} s")
    print(f"lost: {lost}   failed: {failed}   wrong score: {wrong}   graded more than once: "
          f"{multi}")
    ideal = len(rows) * idle_latency / max(1, workers)
    print(f"throughput vs ideal (workers / idle latency): {ideal / all_graded:.2f}")
    if lost or failed or wrong or multi:
        sys.exit(1)


def _latency(row: dict) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(row["graded_at"])
            - datetime.fromisoformat(row["created_at"])).total_seconds()


if __name__ == "__main__":
    main()
