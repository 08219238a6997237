"""What every sandbox does: start the harness isolated and hand back a frame channel.

A sandbox receives the harness (on stdin, through the bootstrap, or baked into its image) and
then, frame by frame, what the trusted side sends: the submission's files and, one check at a
time, that check's inputs; never reference code or expected outputs. It enforces the wall
clock on the whole process tree. Driving and scoring happen outside.
"""

from __future__ import annotations

import base64
import functools
import importlib.machinery
import importlib.util
import json
import marshal
import struct
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from ..harness import PROTOCOL_VERSION
from ..harness.protocol import SUPERVISOR, pack, unpack_payload
from .channel import Channel, ChannelClosed, ChannelEnd
from .session import Session


class SandboxError(RuntimeError):
    """The sandbox could not run (missing tool, refused configuration, engine down)."""


_HARNESS_DIR = Path(__file__).resolve().parent.parent / "harness"


def harness_sources() -> dict[str, str]:
    """The harness package's files, by name (shipped into the sandbox on stdin)."""
    return {p.name: p.read_text() for p in sorted(_HARNESS_DIR.glob("*.py"))}


def _harness_code(name: str, data: bytes) -> bytes:
    """Harness file ``name`` (content ``data``) compiled, marshalled: through the import
    system's loader, which takes the code from this interpreter's ``__pycache__`` when that
    is current (magic number, the source's mtime and size) and else compiles the file and
    caches it there, as ``import`` would; compiled here when the file on disk is not
    ``data``."""
    path = _HARNESS_DIR / name
    try:
        if path.stat().st_size == len(data):
            loader = importlib.machinery.SourceFileLoader(f"grader.harness.{name[:-3]}",
                                                          str(path))
            return marshal.dumps(loader.get_code(loader.name))
    except (OSError, ImportError, SyntaxError, ValueError):
        pass
    return marshal.dumps(compile(data, name, "exec", dont_inherit=True))


def harness_bytecode(sources: dict[str, str]) -> dict[str, bytes]:
    """Each harness file compiled by this interpreter, as the content of an unchecked
    hash-based ``.pyc`` (PEP 552: magic, flags 0b01, the source's hash, the marshalled
    code). The bootstrap writes them beside the sources only if its interpreter has the same
    magic number (any 3.11 for a 3.11 grader), so the harness is not compiled again in
    every sandbox (about 40 ms of CPU per grading here); otherwise it compiles as before.

    The code comes from the grader's own ``__pycache__`` when that is current, so a
    ``grader grade`` does not compile the harness either (40 ms per run)."""
    out = {}
    for name, text in sources.items():
        data = text.encode("utf-8")
        code = _harness_code(name, data)
        out[name] = (importlib.util.MAGIC_NUMBER + (1).to_bytes(4, "little")
                     + importlib.util.source_hash(data) + code)
    return out


@functools.lru_cache(maxsize=1)
def bootstrap_prefix() -> bytes:
    """Bytes the bootstrap reads first: the harness sources and their bytecode (then frames
    follow). Built once per process: the harness does not change while the grader runs."""
    sources = harness_sources()
    compiled = harness_bytecode(sources)
    bundle = json.dumps({"files": sources, "pyc": {
        "magic": importlib.util.MAGIC_NUMBER.hex(),
        "files": {n: base64.b64encode(b).decode("ascii") for n, b in compiled.items()}}})
    data = bundle.encode()
    return struct.pack("!I", len(data)) + data


class Sandbox(ABC):
    """A way of running the harness in isolation."""

    #: Short name shown in results ("process", "docker", "none").
    name: str = "?"
    #: Whether the harness runs in a pid namespace (or as a uid) of its own, where it may kill
    #: every process it sees but itself and its zygote.
    own_pid_namespace: bool = True

    @abstractmethod
    def channel(self, wall_seconds: float, frame_limit: int) -> Channel:
        """Start a harness; the channel to it (see ``channel.Channel``).

        Raises:
            SandboxError: the sandbox cannot start here.
        """

    def prestart(self) -> None:
        """Start the next session's harness ahead, where the sandbox can (``ProcessSandbox``);
        here nothing."""
        return None

    def close(self) -> None:
        """Release what the sandbox holds ahead of its sessions; here nothing."""
        return None

    def session(self, limits: dict[str, Any], wall_seconds: float) -> Session:
        """A session on a fresh harness (``Session.open`` sends the submission)."""
        frame_limit = int(limits.get("result_bytes", 64 << 20)) + (1 << 20)
        return Session(self.channel(wall_seconds, frame_limit), {
            **limits, "own_pid_namespace": self.own_pid_namespace})

    def works(self, wall_seconds: float = 30.0) -> bool:
        """Whether a harness starts here and answers (its ``hello``)."""
        return self.probe(wall_seconds)[0]

    def probe(self, wall_seconds: float = 30.0) -> tuple[bool, str]:
        """Whether a harness starts here and answers (its ``hello``); if not, why: the
        sandbox's own last words (bubblewrap's error, say) or the exception."""
        try:
            chan = self.channel(wall_seconds, 1 << 20)
        except (ChannelClosed, SandboxError, OSError) as exc:
            return False, str(exc).strip()[-300:] or type(exc).__name__
        why = ""
        try:
            chan.send(pack({"type": "probe", "protocol": PROTOCOL_VERSION}, SUPERVISOR))
            while True:
                _, payload = chan.recv()
                value = unpack_payload(payload)
                if isinstance(value, dict) and value.get("type") == "hello":
                    return True, ""
        except (ChannelClosed, ValueError) as exc:
            why = str(exc).strip()
        finally:
            try:
                end = chan.close()
                stderr = (end.stderr or "").strip() if end is not None else ""
                if stderr and not why.endswith(stderr[-200:]):
                    why = stderr.splitlines()[-1][-300:]
            except SandboxError as exc:
                why = str(exc).strip()[-300:]
        return False, why or "the harness gave no answer"

    def run_cases(self, job: dict, wall_seconds: float) -> tuple[list[dict], ChannelEnd]:
        """Run a ``cases`` job to its end; its frames and how the sandbox ended."""
        limit = int(job.get("limits", {}).get("result_bytes", 256 << 20)) + (1 << 20)
        chan = self.channel(wall_seconds, limit)
        frames: list[dict] = []
        try:
            chan.send(pack({**job, "type": "cases", "protocol": PROTOCOL_VERSION,
                            "own_pid_namespace": self.own_pid_namespace}, SUPERVISOR))
            while True:
                _, payload = chan.recv()
                value = unpack_payload(payload)
                if isinstance(value, dict):
                    frames.append(value)
                    if value.get("type") in ("done", "fatal"):
                        break
        except ChannelClosed:
            pass
        finally:
            end = chan.close()
        return frames, end
