"""A control group per process-sandbox run: one bound on memory, processes and CPU for the
whole run (supervisor, zygote and every child together), and its CPU accounting.

bubblewrap gives namespaces, not resource control; rlimits bound each process, not their sum.
When the grader runs as root and the machine offers cgroups (v1 controllers, as here, or a
unified v2 hierarchy), each run gets ``grader/<run>`` under the memory, pids and cpu
controllers: memory (no swap where the kernel accounts it), a pids limit and a CFS quota. The
bubblewrap process joins it before it starts, so everything it starts is inside. Without root
or cgroups the run goes on without one (rlimits still apply) and ``available()`` says why.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

ROOT = Path(os.environ.get("GRADER_CGROUP_ROOT", "/sys/fs/cgroup"))
PREFIX = "grader"


def _v2() -> bool:
    return (ROOT / "cgroup.controllers").is_file()


def available() -> str | None:
    """None when per-run cgroups can be made here, else why not."""
    if os.geteuid() != 0:
        return "the grader does not run as root"
    if _v2():
        try:
            (ROOT / PREFIX).mkdir(exist_ok=True)
            controllers = (ROOT / "cgroup.subtree_control").read_text()
        except OSError as exc:
            return f"cgroup v2 is not writable ({exc})"
        if "memory" not in controllers or "pids" not in controllers:
            try:
                (ROOT / "cgroup.subtree_control").write_text("+memory +pids +cpu")
                (ROOT / PREFIX / "cgroup.subtree_control").write_text("+memory +pids +cpu")
            except OSError as exc:
                return f"cgroup v2 controllers cannot be enabled ({exc})"
        return None
    for ctrl in ("memory", "pids", "cpu"):
        base = ROOT / ctrl
        if not (base / "cgroup.procs").is_file():
            return f"no cgroup v1 {ctrl} controller at {base}"
        try:
            (base / PREFIX).mkdir(exist_ok=True)
        except OSError as exc:
            return f"cgroup v1 {ctrl} is not writable ({exc})"
    return None


class RunCgroup:
    """The cgroup of one run (see the module docstring)."""

    def __init__(self, memory_bytes: int, pids: int, cpus: float) -> None:
        self.name = f"run-{uuid.uuid4().hex[:12]}"
        self.dirs: list[Path] = []
        if _v2():
            d = ROOT / PREFIX / self.name
            d.mkdir()
            self.dirs.append(d)
            _write(d / "memory.max", str(memory_bytes))
            _write(d / "memory.swap.max", "0", optional=True)
            _write(d / "pids.max", str(pids))
            _write(d / "cpu.max", f"{int(cpus * 100_000)} 100000", optional=True)
            self.procs = [d / "cgroup.procs"]
            self._cpu_stat = d / "cpu.stat"
            return
        for ctrl in ("memory", "pids", "cpu"):
            d = ROOT / ctrl / PREFIX / self.name
            d.mkdir()
            self.dirs.append(d)
        mem, pid, cpu = self.dirs
        _write(mem / "memory.limit_in_bytes", str(memory_bytes))
        _write(mem / "memory.memsw.limit_in_bytes", str(memory_bytes), optional=True)
        _write(pid / "pids.max", str(pids))
        _write(cpu / "cpu.cfs_period_us", "100000", optional=True)
        _write(cpu / "cpu.cfs_quota_us", str(int(cpus * 100_000)), optional=True)
        self.procs = [d / "cgroup.procs" for d in self.dirs]
        acct = ROOT / "cpuacct"
        self.cpuacct: Path | None = None
        if (acct / "cgroup.procs").is_file():
            try:
                d = acct / PREFIX / self.name
                d.mkdir(parents=True)
                self.dirs.append(d)
                self.procs.append(d / "cgroup.procs")
                self.cpuacct = d / "cpuacct.usage"
            except OSError:
                self.cpuacct = None

    def join(self) -> None:
        """Move the calling process into the cgroup (a ``preexec_fn``: before bwrap starts)."""
        pid = str(os.getpid())
        for procs in self.procs:
            with open(procs, "w") as fh:
                fh.write(pid)

    def cpu_seconds(self) -> float | None:
        """CPU used by the run so far (user + system), if the kernel accounts it."""
        try:
            if _v2():
                for line in self._cpu_stat.read_text().splitlines():
                    if line.startswith("usage_usec"):
                        return int(line.split()[1]) / 1e6
                return None
            if self.cpuacct is not None:
                return int(self.cpuacct.read_text()) / 1e9
        except (OSError, ValueError):
            return None
        return None

    def remove(self, patience_seconds: float = 5.0) -> None:
        """Remove the cgroup (once its processes are gone)."""
        deadline = time.monotonic() + patience_seconds
        for d in self.dirs:
            while True:
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.01)


def _write(path: Path, value: str, optional: bool = False) -> None:
    try:
        path.write_text(value)
    except OSError:
        if not optional:
            raise
