"""The Docker sandbox's cost, for a correct fc-optim submission, against no sandbox at all.

Measured in one run, on the same submission, fixtures and harness:

- unsandboxed (``BareRunner``): grading latency, and throughput with 2 concurrent graders;
- cold: a container created and started for the job (``docker run``; pool size 0);
- warm: a container taken from the warm pool (started ahead, numpy imported);
- throughput: ``--submissions`` back-to-back gradings by 2 concurrent graders sharing one
  ``DockerSandbox`` (pool of 2), against the same with ``BareRunner``.

Each is printed as a ratio to the unsandboxed figure. The same throughput is measured for a
light job (the four update-rule TODOs only, run through ``Sandbox.run``), where the sandbox's
own cost weighs more than the grading work. Targets (issue 3): warm-pool latency
within 1.5x of unsandboxed; at least 4 submissions/s on 2 cores. The machine's CPU time per
submission (from /proc/stat, so other load on the machine counts too) says what limits it.

    .venv/bin/python bench/docker_sandbox.py [--runs 10] [--submissions 100]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from grader.assignments.fixtures import load_fixtures  # noqa: E402
from grader.assignments.loader import load_assignment  # noqa: E402
from grader.config import Settings  # noqa: E402
from grader.engine import grade, host_for, run_submission  # noqa: E402
from grader.sandbox.docker import DockerSandbox, docker_ping  # noqa: E402
from grader.sandbox.process import BareRunner  # noqa: E402
from grader.submission import files_submission  # noqa: E402


def machine_cpu_seconds() -> float:
    """Busy CPU seconds of the whole machine so far (all cores, everyone's load)."""
    with open("/proc/stat") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: str) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            f = fh.read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def our_cpu_seconds() -> float:
    """CPU seconds spent for us: this process and its children, the containers (cgroup v1
    ``cpuacct/docker``), dockerd and containerd. Short-lived shims and runc are not counted."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
    try:
        total += int(Path("/sys/fs/cgroup/cpuacct/docker/cpuacct.usage").read_text()) / 1e9
    except (OSError, ValueError):
        pass
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            continue
        if comm in ("dockerd", "containerd"):
            total += _proc_cpu(pid)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10, help="latency samples per kind")
    parser.add_argument("--submissions", type=int, default=100, help="throughput run size")
    args = parser.parse_args()
    if not docker_ping():
        sys.exit("no Docker engine answers: run scripts/docker-setup.sh first")
    settings = Settings()
    a = load_assignment("fc-optim", settings)
    fixtures = load_fixtures(a)
    files = {k: v for k, v in a.reference_files().items()
             if k in a.manifest.submission_files or k.endswith("__init__.py")}
    sub = files_submission(files, a, settings)

    def one(box) -> float:
        t0 = time.perf_counter()
        result = grade(a, sub, box, settings, fixtures=fixtures)
        elapsed = time.perf_counter() - t0
        assert result.score == 100, (result.failure, result.notes)
        return elapsed

    bare = BareRunner(settings)
    cold = DockerSandbox(settings, pool_size=0)
    warm = DockerSandbox(settings, pool_size=2)
    for box in (bare, cold, warm):  # warm-up (page cache, pyc, first container)
        one(box)

    lat: dict[str, list[float]] = {"unsandboxed": [], "docker cold": [], "docker warm": []}
    starts: list[float] = []
    for _ in range(args.runs):
        lat["unsandboxed"].append(one(bare))
        lat["docker cold"].append(one(cold))
        t0 = time.perf_counter()
        cold.start_box().destroy()
        starts.append(time.perf_counter() - t0)
        deadline = time.monotonic() + 30
        while len(warm.pool.ready_ids()) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # a fair warm sample: the pool is full and idle
        time.sleep(0.2)
        lat["docker warm"].append(one(warm))

    rules = [t.id for t in a.manifest.todos if t.file.endswith("optim.py")]
    host = host_for(a)

    def one_light(box) -> None:
        run = run_submission(a, sub.files, box, settings, fixtures.cases, host,
                             todo_ids=rules, order=fixtures.order)
        assert run.broken is None and all(o.status == "ok" for o in run.outcomes.values()), (
            run.broken)

    def block(box, job, n: int) -> tuple[float, float, float]:
        ours0, all0, t0 = our_cpu_seconds(), machine_cpu_seconds(), time.perf_counter()
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda _: job(box), range(n)))
        return (time.perf_counter() - t0, our_cpu_seconds() - ours0,
                machine_cpu_seconds() - all0)

    def throughput(boxes: dict, job=one) -> dict[str, tuple[float, float, float]]:
        """Submissions/s and CPU-s per submission (ours, machine's) for each box; blocks of
        20 alternate between the boxes so that changing load on the machine hits all alike."""
        totals = {k: [0.0, 0.0, 0.0] for k in boxes}
        done = 0
        while done < args.submissions:
            n = min(20, args.submissions - done)
            for name, box in boxes.items():
                for i, x in enumerate(block(box, job, n)):
                    totals[name][i] += x
            done += n
        return {k: (done / t[0], t[1] / done, t[2] / done) for k, t in totals.items()}

    time.sleep(1)
    full = throughput({"bare": bare, "warm": warm})
    light = throughput({"bare": bare, "warm": warm}, one_light)
    (bare_tp, bare_cpu, bare_all), (warm_tp, warm_cpu, warm_all) = full["bare"], full["warm"]
    (lbare_tp, lbare_cpu, _), (lwarm_tp, lwarm_cpu, _) = light["bare"], light["warm"]
    warm.close()
    cold.close()

    med = {k: statistics.median(v) for k, v in lat.items()}
    base = med["unsandboxed"]
    print(f"fc-optim, correct submission; {args.runs} latency samples each (medians), "
          f"{args.submissions} submissions x 2 concurrent graders for throughput")
    for k, v in lat.items():
        print(f"  {k:<14} latency {med[k] * 1000:7.1f} ms  (min {min(v) * 1000:6.1f}, max "
              f"{max(v) * 1000:6.1f})   ratio {med[k] / base:5.2f}x")
    print(f"  container start+numpy import alone (create, attach, start, ready, remove): "
          f"{statistics.median(starts) * 1000:.1f} ms")
    print(f"  throughput unsandboxed {bare_tp:5.2f} submissions/s   ratio  1.00x  (CPU-s per "
          f"submission: ours {bare_cpu:.2f}, whole machine {bare_all:.2f})")
    print(f"  throughput docker warm {warm_tp:5.2f} submissions/s   ratio {warm_tp / bare_tp:5.2f}x"
          f"  (CPU-s per submission: ours {warm_cpu:.2f}, whole machine {warm_all:.2f})")
    print(f"  light job (update rules only): unsandboxed {lbare_tp:5.2f}/s ({lbare_cpu:.2f} "
          f"CPU-s each), docker warm {lwarm_tp:5.2f}/s ({lwarm_cpu:.2f} CPU-s each)   ratio "
          f"{lwarm_tp / lbare_tp:5.2f}x")
    print(f"  load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work "
          "on the machine shares them)")
    ratio = med["docker warm"] / base
    print(f"target warm latency <= 1.5x unsandboxed: {ratio:.2f}x "
          f"{'met' if ratio <= 1.5 else 'NOT met'}")
    print(f"target >= 4 submissions/s on 2 cores: {warm_tp:.2f}/s "
          f"{'met' if warm_tp >= 4 else 'NOT met'}; unsandboxed reaches {bare_tp:.2f}/s: "
          f"grading itself costs {bare_cpu:.2f} CPU-s per submission, which caps 2 idle cores "
          f"near {2 / bare_cpu:.1f}/s before any sandbox")


if __name__ == "__main__":
    main()
