"""docker-compose.yml, started for real: the API, two workers (Docker sandbox through the
host's engine), Redis and PostgreSQL, from the stand-in images built from Debian's packages
(``scripts/compose-setup.sh``).

One scenario, in the order an operator lives it: up and healthy; an admin made with
``docker compose exec``; an instructor, a course and a roster through the API; a built-in
published; a bundle uploaded and validated by a worker (the API has no sandbox); a student's
submission graded over HTTP; a burst of 50 during which one worker container is killed
(``docker kill``) and the API container restarted: every submission graded exactly once, the
killed worker's job taken over; ``/metrics`` scraped, showing the burst; one request id
followed through the JSON logs from the API to a worker; the README's backup restored into a
fresh database; ``down`` and ``up`` again: everything still there (volumes). Timings are
written to ``test-output/deploy/timings.json``.
"""

from __future__ import annotations

import json
import re
import subprocess
import time

import httpx
import pytest

from tests.conftest import CI, REPO
from tests.service.conftest import BUNDLES, Api, bundle_zip, example_files

from .compose import Deployment, Unavailable

pytestmark = [pytest.mark.docker, pytest.mark.deploy, pytest.mark.slow,
              pytest.mark.timeout(1500)]

OUT = REPO / "test-output" / "deploy"
TINY_REF = (BUNDLES / "tiny-sgd" / "reference" / "tiny" / "optim.py").read_bytes()
#: Fast leases, so that a killed worker's job is taken over within seconds; no per-student
#: quota (the burst is 10 submissions from each of 5 students, posted while the workers are
#: paused: the default quota would refuse all but 2 each with a 429).
FAST = {"GRADER_WORKER_CONCURRENCY": "1", "GRADER_JOB_HEARTBEAT_SECONDS": "1",
        "GRADER_JOB_LEASE_SECONDS": "6", "GRADER_SWEEP_SECONDS": "1",
        "GRADER_SUBMISSIONS_PER_HOUR": "0", "GRADER_MAX_PENDING_PER_STUDENT": "0"}
BURST = 50


@pytest.fixture(scope="module")
def deployment():
    try:
        dep = Deployment(OUT, env=FAST)
    except Unavailable as exc:
        if CI:
            pytest.fail(f"the deployment test is required under CI=true: {exc}")
        pytest.skip(str(exc))
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    dep.compose("build", timeout=1200)
    timings["compose_build_seconds"] = round(time.monotonic() - t0, 1)
    try:
        t0 = time.monotonic()
        dep.up(workers=2)
        dep.wait_healthy(workers=2)
        timings["compose_up_until_healthy_seconds"] = round(time.monotonic() - t0, 1)
        dep.timings = timings
        yield dep
    finally:
        dep.save_logs("deployment")
        dep.down(volumes=True)


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of a Prometheus text exposition (0 if absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#") or " " not in line:
            continue
        key, value = line.rsplit(" ", 1)
        sample, _, rest = key.partition("{")
        if sample != name:
            continue
        got = ",".join(sorted(p for p in rest.rstrip("}").split(",") if p))
        if got == want:
            return float(value)
    return 0.0


def wait_all(api: Api, ids: list[int], timeout: float) -> list[dict]:
    deadline = time.monotonic() + timeout
    out: dict[int, dict] = {}
    while time.monotonic() < deadline and len(out) < len(ids):
        for sid in ids:
            if sid in out:
                continue
            try:
                r = api.get(f"/api/v1/submissions/{sid}")
            except httpx.HTTPError:  # the API is restarting
                time.sleep(0.5)
                break
            if r.status_code == 200 and r.json()["status"] in ("graded", "failed"):
                out[sid] = r.json()
        time.sleep(0.5)
    missing = [sid for sid in ids if sid not in out]
    assert not missing, f"not graded within {timeout} s: {missing}"
    return [out[sid] for sid in ids]


def wait_api(dep: Deployment, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(dep.url + "/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("the API did not come back")


def test_compose_deployment_end_to_end(deployment: Deployment):
    dep = deployment
    timings = dep.timings
    scenario_start = time.monotonic()

    # --- only the workers hold the Docker socket; the API runs unprivileged ---------------
    api_container = dep.containers("api")[0]
    workers = dep.containers("worker")
    assert len(workers) == 2
    for cid in dep.containers("api") + dep.containers("redis") + dep.containers("postgres"):
        info = dep.inspect(cid)
        assert not any("docker.sock" in (m.get("Source") or "") for m in info["Mounts"]), cid
    for cid in workers:
        assert any(m.get("Source") == "/var/run/docker.sock"
                   for m in dep.inspect(cid)["Mounts"])
    api_info = dep.inspect(api_container)
    assert api_info["Config"]["User"] == "10001:10001"
    assert api_info["HostConfig"]["CapDrop"] == ["ALL"]
    assert api_info["HostConfig"]["ReadonlyRootfs"] is True

    # --- people: an admin from the command line, the rest through the API ---------------
    admin_token = dep.exec("api", "grader", "users", "add", "admin", "--role",
                           "admin").decode().split()[-1]
    admin = Api(dep.url, admin_token)
    r = admin.post("/api/v1/users", json={"name": "prof", "role": "instructor"})
    assert r.status_code == 201, r.text
    prof = Api(dep.url, r.json()["token"])
    assert prof.post("/api/v1/courses", json={"slug": "dl", "title": "DL"}).status_code == 201
    roster = "name\n" + "".join(f"s{i}\n" for i in range(5))
    r = prof.post("/api/v1/courses/dl/roster", files={"file": ("r.csv", roster.encode())})
    assert r.status_code == 200, r.text
    students = [Api(dep.url, e["token"]) for e in r.json()["enrolled"]]
    r = prof.post("/api/v1/courses/dl/assignments", json={"builtin": "fc-optim",
                                                          "published": True})
    assert r.status_code == 201, r.text

    # --- a bundle, validated by a worker --------------------------------------------------
    t0 = time.monotonic()
    v = prof.upload_bundle("dl", bundle_zip(BUNDLES / "tiny-sgd"), publish="true")
    timings["bundle_validation_seconds"] = round(time.monotonic() - t0, 1)
    assert v["status"] == "passed", json.dumps(v)[:4000]
    assert "assignment OK: 4 of 4 validations passed" in v["check_report"]
    assert v["assignment"]["published"] is True

    # --- a student submits over HTTP; the result comes back -------------------------------
    first = students[0].submit("dl", "fc-optim", example_files())
    assert first.status_code == 202, first.text
    graded = students[0].wait(first.json()["id"], timeout=300)
    assert graded["status"] == "graded" and graded["result"]["sandbox"] == "docker"
    adam = next(t for t in graded["result"]["todos"] if t["id"] == "adam")
    assert adam["score"] < adam["max_score"]  # the example's missing bias correction
    expected_fc = graded["score"]

    # --- the burst: 50 submissions; a worker killed and the API restarted meanwhile -------
    size_before = int(dep.sql("SELECT pg_database_size('grader')")[0][0])
    # the workers are frozen while the burst is posted (however slow posting is on a loaded
    # machine), so that it is still in progress when one of them is killed
    subprocess.run(["docker", "pause", *workers], check=True, capture_output=True)
    t0 = time.monotonic()
    ids, kinds = [], []
    for i in range(BURST):
        who = students[i % len(students)]
        headers = {"X-Request-ID": "e2e-trace-0001"} if i == 7 else {}
        if i % 2:
            r = who.http.post("/api/v1/courses/dl/assignments/tiny-sgd/submissions",
                              files=[("files", ("tiny/optim.py", TINY_REF))], headers=headers)
        else:
            r = who.http.post("/api/v1/courses/dl/assignments/fc-optim/submissions",
                              files=[("files", f) for f in example_files()], headers=headers)
        assert r.status_code == 202, r.text
        if i == 7:
            assert r.headers["x-request-id"] == "e2e-trace-0001"
            traced = r.json()["id"]
        ids.append(r.json()["id"])
        kinds.append("tiny" if i % 2 else "fc")
    timings["burst_posted_seconds"] = round(time.monotonic() - t0, 1)

    subprocess.run(["docker", "unpause", *workers], check=True, capture_output=True)
    # kill the worker that holds a running fc-optim grading (the burst's first job, seconds
    # long), mid-grading
    deadline = time.monotonic() + 120
    victim = None
    while time.monotonic() < deadline and victim is None:
        rows = dep.sql("SELECT j.worker FROM jobs j JOIN submissions s ON s.id = "
                       "j.submission_id JOIN assignments a ON a.id = s.assignment_id "
                       "WHERE j.status = 'running' AND a.slug = 'fc-optim'")
        for (worker,) in rows:
            match = [c for c in workers if c.startswith(worker.rsplit("@", 1)[-1])]
            if match:
                victim = match[0]
                break
    assert victim is not None, "no fc-optim grading was seen running"
    subprocess.run(["docker", "kill", victim], check=True, capture_output=True)
    orphaned = [int(j) for (j,) in dep.sql(
        "SELECT id FROM jobs WHERE status = 'running' AND worker LIKE "
        f"'%@{victim[:12]}'")]
    assert orphaned, "the killed worker held no job any more"
    killed_at = time.monotonic()
    subprocess.run(["docker", "restart", "-t", "10", api_container], check=True,
                   capture_output=True)
    wait_api(dep)
    results = wait_all(prof, ids, timeout=900)
    timings["burst_graded_seconds"] = round(time.monotonic() - t0, 1)
    timings["burst_after_kill_seconds"] = round(time.monotonic() - killed_at, 1)

    # every submission graded once, with the right score
    for res, kind in zip(results, kinds, strict=True):
        assert res["status"] == "graded", res
        assert res["score"] == (10 if kind == "tiny" else expected_fc), res
    twice = dep.sql("SELECT submission_id, count(*) FROM gradings GROUP BY submission_id "
                    "HAVING count(*) <> 1")
    assert twice == []
    assert dep.sql("SELECT count(*) FROM gradings")[0][0] == str(BURST + 1)
    # the killed worker's job was taken over once its lease expired, and graded once
    for held in orphaned:
        job = dep.sql(f"SELECT attempts, status FROM jobs WHERE id = {held}")[0]
        assert int(job[0]) >= 2 and job[1] == "done", (held, job)
    timings["jobs_taken_over"] = len(orphaned)
    size = int(dep.sql("SELECT pg_database_size('grader')")[0][0])
    timings["database_bytes_per_grading"] = round((size - size_before) / BURST)
    per_worker = dict(dep.sql("SELECT worker, count(*) FROM jobs GROUP BY worker"))
    timings["jobs_per_worker"] = per_worker  # type: ignore[assignment]

    # --- /metrics shows the burst ---------------------------------------------------------
    r = httpx.get(dep.url + "/metrics")
    assert r.status_code == 401
    assert r.json() == {"detail": "/metrics needs 'Authorization: Bearer <the "
                                  "GRADER_METRICS_TOKEN>'"}
    text = httpx.get(dep.url + "/metrics",
                     headers={"Authorization": f"Bearer {dep.metrics_token}"}).text
    (OUT / "metrics.txt").write_text(text)
    assert metric(text, "grader_gradings_total", outcome="graded", kind="grade") == BURST + 1
    assert metric(text, "grader_gradings_total", outcome="failed", kind="grade") == 0
    assert metric(text, "grader_grading_seconds_count", lane="interactive") == BURST + 1
    assert metric(text, "grader_queue_wait_seconds_count", lane="interactive") == BURST + 1
    assert metric(text, "grader_queue_depth", lane="interactive") == 0
    assert metric(text, "grader_validations_total", outcome="passed") == 1
    assert metric(text, "grader_broker_up") == 1
    live = [line for line in text.splitlines()
            if line.startswith("grader_worker_up{") and line.endswith(" 1.0")]
    assert live, text
    # a worker's own /metrics: its sandbox's container starts
    survivor = next(c for c in workers if c != victim)
    wtext = subprocess.run(
        ["docker", "exec", survivor, "python", "-c", "import urllib.request; print("
         "urllib.request.urlopen('http://127.0.0.1:9464/metrics').read().decode())"],
        capture_output=True, text=True, check=True).stdout
    assert metric(wtext, "grader_sandbox_start_seconds_count", sandbox="docker") >= 1

    # --- one request id, from the API to a worker to the result ---------------------------
    logs = dep.logs("api", "worker")
    lines = [json.loads(m) for m in re.findall(r"(\{\"ts\".*\})\s*$", logs, re.M)]
    trace = [x for x in lines if x.get("request_id") == "e2e-trace-0001"]
    accepted = [x for x in trace if x.get("message") == "submission accepted"]
    assert accepted and accepted[0]["submission_id"] == traced, trace
    graded_lines = [x for x in trace if x.get("message", "").startswith("grading recorded")]
    assert graded_lines and graded_lines[0]["submission_id"] == traced, trace
    assert graded_lines[0]["outcome"] == "graded" and "job_id" in graded_lines[0]

    # --- the README's backup: a dump restored into a fresh database -----------------------
    dump = dep.exec("postgres", "pg_dump", "-U", "grader", "-Fc", "grader")
    assert len(dump) > 1000
    dep.exec("postgres", "createdb", "-U", "grader", "grader_restored")
    dep.exec("postgres", "pg_restore", "-U", "grader", "-d", "grader_restored",
             "--no-owner", stdin=dump)
    query = "SELECT count(*), sum(score) FROM gradings"
    assert dep.sql(query, "grader_restored") == dep.sql(query)
    assert dep.sql("SELECT count(*) FROM assignments WHERE bundle IS NOT NULL",
                   "grader_restored") == [["1"]]
    # and the grader reads a result back from the restored database
    read_back = ("import json, os; from grader.config import Settings; from grader.store.db "
                 "import Store; from grader.store.models import Submission; from "
                 "grader.store.submissions import current_grading; url = os.environ["
                 "'GRADER_DATABASE_URL'].rsplit('/', 1)[0] + '/grader_restored'; "
                 "s = Store(Settings(), url=url).read().__enter__(); "
                 f"g = current_grading(s, s.get(Submission, {ids[0]})); "
                 "print(json.dumps(json.loads(g.result)))")
    restored = json.loads(dep.exec("api", "python", "-c", read_back))
    live = prof.get(f"/api/v1/submissions/{ids[0]}").json()["result"]
    assert restored["score"] == live["score"] == expected_fc
    assert [(t["id"], t["score"]) for t in restored["todos"]] == [
        (t["id"], t["score"]) for t in live["todos"]]

    # --- down and up again: the data is in the volumes ------------------------------------
    t0 = time.monotonic()
    dep.down()
    dep.up(workers=2)
    dep.wait_healthy(workers=2)
    timings["compose_restart_until_healthy_seconds"] = round(time.monotonic() - t0, 1)
    again = prof.get(f"/api/v1/submissions/{ids[0]}")
    assert again.status_code == 200 and again.json()["score"] == results[0]["score"]
    assert [a["slug"] for a in prof.get("/api/v1/courses/dl/assignments").json()] == [
        "fc-optim", "tiny-sgd"]
    r = students[1].submit("dl", "tiny-sgd", [("tiny/optim.py", TINY_REF)])
    assert r.status_code == 202
    assert students[1].wait(r.json()["id"], timeout=300)["score"] == 10  # fresh workers
    timings["scenario_seconds"] = round(time.monotonic() - scenario_start, 1)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "timings.json").write_text(json.dumps(timings, indent=1) + "\n")
