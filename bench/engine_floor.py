"""Issue 13's figures, measured side by side in one run (the machine is shared and noisy).

For a complete correct submission (the reference) of each built-in:

- the **floor**: one ``python -c 'import numpy'`` in the sandbox's interpreter plus the time the
  student's code itself runs (summed over every case, as the harness clocks it);
- the **harness**'s wall time (``run_submission``: the cases only) and the **engine**'s
  (``grader.engine.grade``: the cases and their scoring) under the process sandbox, and the
  engine's under Docker from a warm pool, each as a ratio to the floor (target <= 1.5x for
  fc-optim);
- ``grader grade``'s wall time against the engine's (target: engine + 0.3 s at most), and
  with ``--sandbox docker`` against the warm-pool engine's (its container starts cold);
- the engine with ``DriverContext.chain``'s guesses turned off (each path one operation per
  step, as before they existed), in the same run;
- **CPU per grading**: the sandbox's own (its cgroup's accounting, process sandbox run as root)
  plus the grader process's (``getrusage``).

Runs alternate between the variants measured so that load hits them alike; medians are
printed with min and max.

    .venv/bin/python bench/engine_floor.py [--runs 5] [--slug fc-optim ...] [--no-docker]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.assignments.fixtures import load_fixtures  # noqa: E402
from grader.assignments.loader import builtin_slugs, load_assignment  # noqa: E402
from grader.config import Settings  # noqa: E402
from grader.engine import grade, host_for, run_submission  # noqa: E402
from grader.harness.driving import DriverContext  # noqa: E402
from grader.sandbox.process import ProcessSandbox  # noqa: E402
from grader.submission import Submission  # noqa: E402


def med(xs: list[float]) -> str:
    return f"{statistics.median(xs):6.3f} s (min {min(xs):.3f}, max {max(xs):.3f})"


def numpy_start(python: str, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([python, "-c", "import numpy"], check=True)
        out.append(time.perf_counter() - t0)
    return out


def self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def cli_seconds(slug: str, submission: Path, sandbox: str) -> float:
    """Wall time of one ``grader grade SLUG SUBMISSION --sandbox SANDBOX --format json``."""
    t0 = time.perf_counter()
    out = subprocess.run([str(ROOT / ".venv/bin/grader"), "grade", slug, str(submission),
                          "--sandbox", sandbox, "--format", "json"], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--slug", action="append")
    ap.add_argument("--no-docker", action="store_true")
    args = ap.parse_args()
    settings = Settings()
    proc = ProcessSandbox(settings)
    docker = None
    if not args.no_docker:
        try:
            from grader.sandbox.docker import DockerSandbox, docker_ping

            if docker_ping():
                docker = DockerSandbox(settings, pool_size=2)
        except Exception as exc:  # noqa: BLE001
            print(f"(no Docker: {exc})")
    boot = numpy_start(settings.sandbox_python, max(5, args.runs))
    print(f"python -c 'import numpy' ({settings.sandbox_python}): {med(boot)}")
    for slug in args.slug or builtin_slugs(settings):
        a = load_assignment(slug, settings)
        fx = load_fixtures(a)
        host = host_for(a)
        files = a.reference_files()
        sub = Submission(files=files)
        assert grade(a, sub, proc, settings, fixtures=fx).score == a.manifest.max_score
        student, engine_p, engine_g, engine_d, cli, cpu_box, cpu_self = [], [], [], [], [], [], []
        plain, cli_d = [], []
        for _ in range(args.runs):
            c0 = self_cpu()
            t0 = time.perf_counter()
            run = run_submission(a, files, proc, settings, fx.cases, host, order=fx.order)
            engine_p.append(time.perf_counter() - t0)
            cpu_self.append(self_cpu() - c0)
            if run.end is not None and run.end.cpu_seconds is not None:
                cpu_box.append(run.end.cpu_seconds)
            student.append(sum(o.student_seconds for o in run.outcomes.values()))
            t0 = time.perf_counter()
            result = grade(a, sub, proc, settings, fixtures=fx)  # harness + scoring
            engine_g.append(time.perf_counter() - t0)
            assert result.score == a.manifest.max_score, result.failure
            DriverContext.speculation = False
            try:
                t0 = time.perf_counter()
                result = grade(a, sub, proc, settings, fixtures=fx)
                plain.append(time.perf_counter() - t0)
            finally:
                DriverContext.speculation = True
            assert result.score == a.manifest.max_score, result.failure
            if docker is not None:
                t0 = time.perf_counter()
                result = grade(a, sub, docker, settings, fixtures=fx)
                engine_d.append(time.perf_counter() - t0)
                assert result.score == a.manifest.max_score, result.failure
            cli.append(cli_seconds(slug, a.reference, "process"))
            if docker is not None:
                cli_d.append(cli_seconds(slug, a.reference, "docker"))
        floor = statistics.median(boot) + statistics.median(student)
        print(f"\n{slug}: {sum(len(v) for v in fx.cases.values())} cases")
        print(f"  student's code (summed)     {med(student)}")
        print(f"  floor (numpy start + that)  {floor:6.3f} s")
        ep = statistics.median(engine_p)
        print(f"  harness, process sandbox    {med(engine_p)}   {ep / floor:4.2f}x the floor "
              "(running the cases, no scoring)")
        eg = statistics.median(engine_g)
        print(f"  engine, process sandbox     {med(engine_g)}   {eg / floor:4.2f}x the floor "
              "(grade(): cases and scoring)")
        pl = statistics.median(plain)
        print(f"  engine, no chain guesses    {med(plain)}   {pl / floor:4.2f}x the floor "
              f"(the chained engine takes {eg / pl:.2f} of this)")
        if engine_d:
            ed = statistics.median(engine_d)
            print(f"  engine, Docker (warm pool)  {med(engine_d)}   {ed / floor:4.2f}x the floor")
        c = statistics.median(cli)
        print(f"  grader grade (process)      {med(cli)}   engine + {c - eg:.2f} s")
        if cli_d:
            cd = statistics.median(cli_d)
            print(f"  grader grade (Docker)       {med(cli_d)}   warm-pool engine + "
                  f"{cd - ed:.2f} s (its one container starts cold, about 0.35 s)")
        if cpu_box:
            print(f"  CPU per grading             sandbox {statistics.median(cpu_box):.3f} s + "
                  f"grader {statistics.median(cpu_self):.3f} s = "
                  f"{statistics.median(cpu_box) + statistics.median(cpu_self):.3f} CPU-s")
    if docker is not None:
        docker.close()


if __name__ == "__main__":
    main()
