"""Dropping the network of the Gradescope runner when bubblewrap cannot run.

Inside Gradescope's container, bubblewrap often cannot create namespaces; the runner then
grades in the unprivileged-user sandbox, which has no network isolation of its own. Before
grading, the runner (root, still single-threaded) moves itself into a new, empty network
namespace with ``unshare(CLONE_NEWNET)``: every process it starts afterwards, the student's
code included, has only a loopback interface that is down, so no connection leaves. The
results file itself is written to disk, which needs no network. Where the container forbids
it (no ``CAP_SYS_ADMIN``, a seccomp filter), the runner says so to the instructor.
"""

from __future__ import annotations

import ctypes
import errno
import os
import socket
from dataclasses import dataclass

CLONE_NEWNET = 0x40000000


@dataclass(frozen=True)
class NetworkIsolation:
    """Whether the network was dropped, and how (or why not), in a sentence."""

    dropped: bool
    how: str


def _probe_connects() -> bool:
    """Whether a TCP connection to a public address can even be attempted (a route exists):
    in an empty network namespace ``connect`` fails at once with ENETUNREACH."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent by a UDP connect
        except OSError as exc:
            return exc.errno not in (errno.ENETUNREACH, errno.EHOSTUNREACH)
    return True


def drop_network() -> NetworkIsolation:
    """Move this process (and all it starts from now on) into a new network namespace."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        failed = libc.unshare(CLONE_NEWNET) != 0
        code = ctypes.get_errno()
    except (OSError, AttributeError) as exc:
        return NetworkIsolation(False, f"unshare() could not be called ({exc})")
    if failed:
        name = errno.errorcode.get(code, str(code))
        refused = f"unshare(CLONE_NEWNET) was refused ({name}: {os.strerror(code)})"
        if not _probe_connects():
            return NetworkIsolation(True, f"{refused}, but this container has no route out "
                                          "(its network is off)")
        return NetworkIsolation(False, refused)
    if _probe_connects():
        return NetworkIsolation(False, "a new network namespace was made but a route still "
                                       "exists in it")
    return NetworkIsolation(True, "the grader moved itself into a new network namespace with "
                                  "no interface up (unshare(CLONE_NEWNET)) before running "
                                  "the student's code")
