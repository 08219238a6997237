"""How long the portal's pages take to render, next to the JSON API for the same data.

Starts ``grader serve --demo`` on a fresh data folder, enrols N students (roster upload), has
each submit the fc-optim example (Adam without bias correction), waits until all are graded,
then times (median of 20 requests each, same run):

- a student's result page (per-TODO table, 14 SVG plots) against ``GET /api/v1/submissions/ID``
  (the same result as JSON);
- the instructor's dashboard (class statistics over N results, charts, the submissions table)
  against ``GET /api/v1/courses/demo/assignments/fc-optim/submissions`` (the bare listing),
  first (cold: every result parsed) and then warm (summaries cached per grading).

    .venv/bin/python bench/portal_pages.py [--n 60]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.service.conftest import Api, Server, example_files  # noqa: E402

FC = "/courses/demo/assignments/fc-optim"


def signed_in(url: str, token: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=120)
    form = client.get("/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    assert client.post("/login", data={"token": token, "csrf_token": csrf}).status_code == 303
    return client


def median_ms(client: httpx.Client, path: str, n: int = 20) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = client.get(path)
        times.append(time.perf_counter() - t0)
        assert r.status_code == 200, (path, r.status_code)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=60)
    args = parser.parse_args()
    env = {"GRADER_SANDBOX": os.environ.get("GRADER_SANDBOX", "auto"),
           "GRADER_QUEUE_POLL_SECONDS": "0.5"}
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        server = Server(Path(tmp), env=env).start()
        try:
            run(server, args.n)
        finally:
            server.stop()


def run(server: Server, n: int) -> None:
    tokens = server.tokens()
    teacher = Api(server.url, tokens["instructor"])
    roster = "name\n" + "".join(f"s{i:03d}\n" for i in range(n))
    r = teacher.post("/api/v1/courses/demo/roster", files={"file": ("r.csv", roster.encode())})
    students = {e["name"]: e["token"] for e in r.json()["enrolled"]}
    ids = []
    t0 = time.monotonic()
    for token in students.values():
        r = Api(server.url, token).submit("demo", "fc-optim", example_files())
        ids.append(r.json()["id"])
    for sid in ids:
        teacher.wait(sid, timeout=1800)
    print(f"{n} students submitted and graded in {time.monotonic() - t0:.0f} s")
    name, token = next(iter(students.items()))
    student_page = signed_in(server.url, token)
    student_api = httpx.Client(base_url=server.url, timeout=120,
                               headers={"Authorization": f"Bearer {token}"})
    page = median_ms(student_page, f"/submissions/{ids[0]}")
    api = median_ms(student_api, f"/api/v1/submissions/{ids[0]}")
    print(f"result page {page:.1f} ms vs API JSON {api:.1f} ms: ratio {page / api:.2f}")
    board = signed_in(server.url, tokens["instructor"])
    t0 = time.perf_counter()
    assert board.get(FC).status_code == 200
    cold = (time.perf_counter() - t0) * 1000
    warm = median_ms(board, FC)
    listing = median_ms(teacher.http, f"/api/v1{FC}/submissions")
    print(f"dashboard over {n} results: cold {cold:.1f} ms, warm {warm:.1f} ms vs API "
          f"listing {listing:.1f} ms: ratio warm/listing {warm / listing:.2f}")


if __name__ == "__main__":
    main()
