"""The harness's supervisor keeps what a child sent before it damaged the stream."""

from __future__ import annotations

import os

from grader.harness.protocol import pack
from grader.harness.supervisor import run_child


def test_frames_before_damage_in_the_same_write_are_kept():
    def target(io_):
        os.write(io_.result_fd, pack({"type": "import", "module": "a"})
                 + pack({"type": "import", "module": "b"}) + b"NOPE" + bytes(12))
        os._exit(0)

    run = run_child(target, check_seconds=5, total_seconds=5, output_bytes=1024,
                    result_bytes=1 << 20, own_pid_namespace=False)
    assert [f["module"] for f in run.frames] == ["a", "b"]
    assert run.protocol_error == "bad frame magic"
