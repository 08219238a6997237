"""Each process-sandbox run has a cgroup of its own: limits, accounting, and no leftovers."""

from __future__ import annotations

import os

import pytest

from grader.sandbox import cgroups
from grader.sandbox.payloads import limits_for, session_payload

pytestmark = pytest.mark.sandbox


def test_a_run_is_held_and_accounted_by_its_own_cgroup(fc_optim, process_sandbox, settings):
    if process_sandbox.cgroups is not None:
        pytest.skip(f"no cgroups here: {process_sandbox.cgroups}")
    sess = process_sandbox.session(limits_for(fc_optim, settings), 60)
    sess.open(session_payload(fc_optim, fc_optim.reference_files(), settings))
    pid = sess.channel.proc.pid
    with open(f"/proc/{pid}/cgroup") as fh:
        groups = fh.read()
    assert f"/{cgroups.PREFIX}/run-" in groups
    name = None
    if not cgroups._v2():
        name = next(line.split(":")[2].strip().rsplit("/", 1)[1]
                    for line in groups.splitlines() if ":memory:" in line)
        limit = (cgroups.ROOT / "memory" / cgroups.PREFIX / name / "memory.limit_in_bytes")
        assert int(limit.read_text()) == settings.process_memory_mb << 20
    end = sess.close()
    assert end.cpu_seconds is not None and end.cpu_seconds > 0
    if name is not None:  # removed with the run (other runs may come and go meanwhile)
        assert name not in os.listdir(cgroups.ROOT / "memory" / cgroups.PREFIX)
