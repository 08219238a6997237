"""The Docker sandbox (production): every job in a fresh, locked-down container.

Isolation of one container (used for exactly one job, then destroyed; never ``docker exec``):

- no network (network mode ``none``: loopback only); read-only root filesystem; the only
  writable places are a size-capped tmpfs at ``/tmp`` (the work dir ``/tmp/work`` is in it,
  mounted ``nosuid,nodev,noexec``) and a small ``/dev/shm``;
- a fresh unprivileged uid per container (so ``RLIMIT_NPROC`` counts this job only and no file
  of root's, such as ``/etc/shadow``, is readable), all capabilities dropped,
  ``no-new-privileges``, the engine's default seccomp profile, a private IPC namespace;
- cgroup limits: memory with swap equal to it (no swap), a CPU quota, a pids limit; rlimits
  for processes, open files and core dumps; ``--init`` (pid 1 reaps orphans, and when the
  harness ends the pid namespace takes every leftover process with it);
- no log driver: nothing the code prints is stored by the engine; stderr is read from the
  attach stream with a cap (64 KB), frames with the harness's limit;
- the harness is in the image; the job (the submission's files and the case inputs, never
  reference code or expected outputs) is streamed to the harness over its **channel**:
  with ``docker_channel = "socket"`` (the default) a unix socket the grader listens on in a
  fresh private folder (``docker_channel_dir``), the only thing mounted from the host
  (read-only, mode 0711: the container can connect, not list). The harness connects before
  it says it is ready; the grader accepts that one connection, checks that its peer has the
  container's uid, and unlinks the socket, so nothing started later (the student's code)
  can connect. Frames then never cross the engine (each one through dockerd's attach
  stream cost about 0.1 ms and dockerd's CPU). With ``"attach"`` (a remote engine, or a
  grader in a container without that folder at the same path), frames go over the attach
  stream's stdin and stdout and nothing is mounted. Either way the input is half-closed to
  end the session;
- the wall clock is enforced by the grader through the engine (``kill``); the harness also
  arms an alarm from the job's ``wall_seconds``, so a container ends even if its grader died;
- containers are created with auto-remove and carry labels naming their grader process; a new
  ``DockerSandbox`` removes the containers of graders that are gone, and the pool is removed at
  exit (also after Ctrl-C).

Warm pool: ``docker_pool_size`` containers are kept started with the harness imported (numpy
included) and blocked on stdin (``grader_harness.main --ready`` announces itself on stderr); a
job takes one, and the pool starts a replacement in the background. Starting a container is
most of what Docker costs (about 0.35 s here), so only pre-started containers hide it.
"""

from __future__ import annotations

import atexit
import logging
import os
import selectors
import shutil
import socket
import struct
import tempfile
import threading
import time
import weakref
from collections import deque
from pathlib import Path
from typing import Any

from ..config import Settings
from ..harness.main import READY_MARKER
from .base import Sandbox, SandboxError
from .channel import STDERR_LIMIT, Channel, ChannelClosed, ChannelEnd
from .images import ImageMissing, image_present, runner_image
from .process import SAFE_ENV
from .session import Session
from .uids import allocate_uid

log = logging.getLogger(__name__)

#: Label on every container this sandbox creates; its value is the owning grader process.
LABEL = "org.dl-autograder.sandbox"
OWNER_LABEL = "org.dl-autograder.owner"
#: Extra seconds the in-container alarm gives the grader to kill the container itself.
ALARM_GRACE_SECONDS = 2.0
#: Where a container sees its direct channel's folder, and the socket's name in it.
CHANNEL_MOUNT = "/run/grader-channel"
CHANNEL_SOCKET = "sock"
#: How long a pinged answer (yes or no) is trusted.
PING_MAX_AGE_SECONDS = 5.0

_engine_lock = threading.Lock()
_engine: dict[str, Any] = {}
_ping: dict[str, Any] = {"at": float("-inf"), "ok": False}


# --- the engine ------------------------------------------------------------------------


def engine() -> Any:
    """The Docker engine's API client (``docker.APIClient``), one per process.

    Raises:
        SandboxError: no engine answers.
    """
    with _engine_lock:
        if "api" not in _engine:
            import docker

            try:
                client = docker.from_env(version="auto", timeout=60, max_pool_size=64)
            except docker.errors.DockerException as exc:
                raise SandboxError(
                    f"no Docker engine answers ({exc}); start one (scripts/docker-setup.sh "
                    "installs and starts Debian's docker.io) or use --sandbox process") from exc
            _engine["api"] = client.api
        return _engine["api"]


def docker_ping() -> bool:
    """True when a Docker engine answers (the answer is reused for a few seconds)."""
    now = time.monotonic()
    if now - _ping["at"] < PING_MAX_AGE_SECONDS:
        return _ping["ok"]
    ok = False
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not (host.startswith("unix://") and not os.path.exists(host[len("unix://"):])):
        try:
            import docker

            client = docker.from_env(timeout=2)
            ok = bool(client.ping())
            client.close()
        except Exception:  # noqa: BLE001 - any failure means "no engine here"
            ok = False
    _ping.update(at=time.monotonic(), ok=ok)
    return ok


# --- who owns a container ---------------------------------------------------------------


def _start_time(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def owner_id(pid: int | None = None) -> str:
    """``host:pid:start-time`` of a grader process (the owner label of its containers)."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}:{pid}:{_start_time(pid)}"


def _owner_gone(owner: str) -> bool:
    host, _, rest = owner.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's grader: not ours to judge
    return _start_time(int(pid)) != started


def remove_stale(api: Any) -> list[str]:
    """Remove the sandbox containers of grader processes of this host that are gone."""
    import docker.errors

    removed = []
    for c in api.containers(all=True, filters={"label": LABEL}):
        if _owner_gone((c.get("Labels") or {}).get(OWNER_LABEL, "")):
            try:
                api.remove_container(c["Id"], force=True)
                removed.append(c["Id"])
            except docker.errors.APIError:
                pass
    if removed:
        log.info("removed %d stale sandbox container(s) of graders that are gone", len(removed))
    return removed


# --- the stream ------------------------------------------------------------------------


class Demux:
    """Splits the engine's multiplexed attach stream (8-byte headers) into stdout and stderr:
    ``on_out`` gets stdout bytes, ``on_err`` stderr bytes."""

    _HEAD = struct.Struct(">BxxxL")

    def __init__(self, on_out: Any = None, on_err: Any = None) -> None:
        self.pending = bytearray()
        self.err = bytearray()
        self.out = bytearray()
        self.on_out = on_out
        self.on_err = on_err

    def feed(self, data: bytes) -> None:
        self.pending += data
        while len(self.pending) >= 8:
            stream, size = self._HEAD.unpack_from(self.pending)
            if len(self.pending) < 8 + size:
                return
            payload = bytes(self.pending[8:8 + size])
            del self.pending[:8 + size]
            if stream == 1:
                if self.on_out is not None:
                    self.on_out(payload)
                else:
                    self.out += payload
            elif self.on_err is not None:
                self.on_err(payload)
            elif len(self.err) < STDERR_LIMIT:
                self.err += payload[:STDERR_LIMIT - len(self.err)]


def _drop(_: bytes) -> None:
    """Throw bytes away."""


class DockerChannel(Channel):
    """A channel to a container (see ``channel.Channel``): frames over its direct socket
    (``Box.chan``) when it has one, else over the attach stream; stderr always comes over
    the attach stream."""

    sandbox = "docker"

    def __init__(self, box: Box, wall_seconds: float, frame_limit: int) -> None:
        super().__init__(wall_seconds, frame_limit)
        self.box = box
        self.attach = box.sock
        self.sock = box.chan if box.chan is not None else box.sock
        # with the direct channel, frames come only from it: the attach stream's stdout is
        # nobody's (the harness's own stdout is /dev/null) and is dropped
        box.demux.on_out = self._feed if self.sock is self.attach else _drop
        box.demux.on_err = self._feed_err
        if box.demux.out and self.sock is self.attach:
            self._feed(bytes(box.demux.out))
        if box.demux.err:
            self._feed_err(bytes(box.demux.err))
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.sock, selectors.EVENT_READ, "frames")
        self.attach_open = self.sock is not self.attach
        if self.attach_open:
            self.sel.register(self.attach, selectors.EVENT_READ, "attach")
        self.ended = False

    def _recv_some(self) -> None:
        try:
            chunk = self.sock.recv(1 << 18)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self.eof = True
            if self.sock is not self.attach:
                try:
                    self.sel.unregister(self.sock)
                except (KeyError, ValueError):
                    pass
            return
        if self.sock is self.attach:
            self.box.demux.feed(chunk)
        else:
            self._feed(chunk)

    def _recv_attach(self) -> None:
        """What the container wrote on stderr (the direct channel's side stream)."""
        try:
            chunk = self.attach.recv(1 << 16)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self.attach_open = False
            self.sel.unregister(self.attach)
            return
        self.box.demux.feed(chunk)

    def _read_some(self, timeout: float) -> None:
        if self.eof:
            return
        for key, _ in self.sel.select(timeout):
            if key.data == "attach":
                self._recv_attach()
            else:
                self._recv_some()

    def _write_some(self, data: memoryview, timeout: float) -> int:
        try:
            return self.sock.send(data[:1 << 20])
        except BlockingIOError:
            pass
        except OSError:
            self.eof = True
            raise ChannelClosed("the container stopped reading") from None
        sel = selectors.DefaultSelector()
        sel.register(self.sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
        try:
            for _, mask in sel.select(timeout):
                if mask & selectors.EVENT_READ:
                    self._recv_some()
        finally:
            sel.close()
        return 0

    def _terminate(self) -> ChannelEnd:
        if not self.ended:
            self.ended = True
            self.box._half_close()
            # a session ends by itself once its input closes: read until the container ends
            deadline = time.monotonic() + (0.0 if self.timed_out else 2.0)
            while not self.eof and time.monotonic() < deadline:
                self._read_some(max(0.0, deadline - time.monotonic()))
            kill = not self.eof
            if self.attach_open and not kill:
                # the harness closed its channel; its last words on stderr follow it
                while self.attach_open and time.monotonic() < deadline:
                    for key, _ in self.sel.select(max(0.0, deadline - time.monotonic())):
                        if key.data == "attach":
                            self._recv_attach()
            self.sel.close()
            code = self.box.finish(kill=kill)
            if not self.box.exited:
                self.box.destroy()
            self.code = None if (self.timed_out or kill) else code
        return ChannelEnd(returncode=getattr(self, "code", None), timed_out=self.timed_out)


class Box:
    """One container: created, attached, started and waiting for its job on stdin."""

    def __init__(self, api: Any, image: str, settings: Settings) -> None:
        import docker.errors

        self.api = api
        # held until the engine has removed the container: two live containers never share
        # a uid (RLIMIT_NPROC and the pids cgroup count per uid: a fork bomb in one would
        # reach the other)
        self._uid_lock = allocate_uid(settings.docker_uid_base)
        self.uid = self._uid_lock.__enter__()
        self.demux = Demux()
        self.sock: Any = None
        self._raw: Any = None
        self._waiter: threading.Thread | None = None
        self.status: int | None = None
        self.exited = False
        #: the direct channel (``docker_channel = "socket"``): its folder, listener, socket
        self.chan_dir: str | None = None
        self._listener: socket.socket | None = None
        self.chan: socket.socket | None = None
        try:
            if settings.docker_channel == "socket":
                self._listen(settings)
            self.id = api.create_container(**container_spec(
                api, settings, image, self.uid, self.chan_dir))["Id"]
        except docker.errors.ImageNotFound as exc:
            self.release_uid()
            self.close_channel()
            raise ImageMissing(f"the runner image {image} is missing; build it with "
                               "`grader sandbox build`") from exc
        except docker.errors.APIError as exc:
            self.release_uid()
            self.close_channel()
            raise SandboxError(f"the Docker engine refused to create a container: "
                               f"{exc.explanation or exc}") from exc
        try:
            # attach before start: nothing the container writes can be missed
            self._raw = api.attach_socket(self.id, params={"stdin": 1, "stdout": 1,
                                                           "stderr": 1, "stream": 1})
            self.sock = getattr(self._raw, "_sock", self._raw)
            api.start(self.id)
            self._await_ready(settings.docker_start_seconds)
            if self._listener is not None:
                self._accept()
            # asked now, long before the job can end it: the exit code is never missed
            self._waiter = threading.Thread(target=self._wait_removed, daemon=True,
                                            name=f"sandbox-wait-{self.id[:12]}")
            self._waiter.start()
        except BaseException as exc:
            self.destroy()
            if isinstance(exc, docker.errors.APIError):
                raise SandboxError(f"the Docker engine could not start a container: "
                                   f"{exc.explanation or exc}") from exc
            raise

    def _await_ready(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        self.sock.settimeout(None)
        self.sock.setblocking(False)
        sel = selectors.DefaultSelector()
        sel.register(self.sock, selectors.EVENT_READ)
        try:
            while READY_MARKER not in self.demux.err:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise SandboxError("the sandbox container did not start within "
                                       f"{seconds:g} s (is the machine overloaded?)")
                if not sel.select(remaining):
                    continue
                try:
                    chunk = self.sock.recv(1 << 16)
                except BlockingIOError:
                    continue
                if not chunk:
                    raise SandboxError("the sandbox container ended before it was ready: "
                                       f"{bytes(self.demux.err).decode(errors='replace')[-800:]}")
                self.demux.feed(chunk)
                if self.demux.out:
                    raise SandboxError("the sandbox container wrote to stdout before its job")
        finally:
            sel.close()
        before, _, after = bytes(self.demux.err).partition(READY_MARKER)
        self.demux.err = bytearray(before + after)

    def _listen(self, settings: Settings) -> None:
        """Make this container's channel folder and listen on its socket (before the
        container exists: the harness connects as soon as it is ready)."""
        base = Path(settings.docker_channel_dir)
        base.mkdir(parents=True, exist_ok=True)
        try:
            os.chmod(base, 0o711)  # others may pass through, not list: names stay secret
        except PermissionError:
            pass  # another user's folder: mkdtemp's own 0700 folders still hold
        self.chan_dir = tempfile.mkdtemp(prefix="chan-", dir=base)
        os.chmod(self.chan_dir, 0o711)
        path = os.path.join(self.chan_dir, CHANNEL_SOCKET)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(path)
            os.chmod(path, 0o666)  # the container's uid is not ours
            listener.listen(1)
        except OSError:
            listener.close()
            raise
        listener.setblocking(False)
        self._listener = listener

    def _accept(self) -> None:
        """Take the harness's connection (made before its ready marker), check that it comes
        from the container's uid, and stop listening: nothing else can connect later."""
        assert self._listener is not None
        try:
            conn, _ = self._listener.accept()
        except BlockingIOError:
            raise SandboxError(
                "the sandbox container was ready but did not connect to its channel socket: "
                "if the grader runs in a container, mount GRADER_DOCKER_CHANNEL_DIR at the "
                "same path as on the host; if GRADER_DOCKER_IMAGE names a runner image built "
                "for an older grader, rebuild it (`grader sandbox build`); or set "
                "GRADER_DOCKER_CHANNEL=attach") from None
        finally:
            self._close_listener()
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                struct.calcsize("3i"))
        _, peer_uid, _ = struct.unpack("3i", creds)
        if peer_uid != self.uid:
            conn.close()
            raise SandboxError(f"a process of uid {peer_uid}, not the container's "
                               f"({self.uid}), connected to the channel socket")
        conn.setblocking(False)
        self.chan = conn

    def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        if self.chan_dir is not None:
            try:
                os.unlink(os.path.join(self.chan_dir, CHANNEL_SOCKET))
            except OSError:
                pass

    def close_channel(self) -> None:
        """Close the direct channel and remove its folder."""
        self._close_listener()
        chan, self.chan = self.chan, None
        if chan is not None:
            try:
                chan.close()
            except OSError:
                pass
        if self.chan_dir is not None:
            shutil.rmtree(self.chan_dir, ignore_errors=True)
            self.chan_dir = None

    def _wait_removed(self) -> None:
        try:
            self.status = int(self.api.wait(self.id, timeout=None,
                                            condition="removed")["StatusCode"])
        except Exception:  # noqa: BLE001 - removed before we asked: status unknown
            self.status = None
        self.exited = True
        self.release_uid()

    def release_uid(self) -> None:
        """Give the uid back (once the container is gone)."""
        lock, self._uid_lock = getattr(self, "_uid_lock", None), None
        if lock is not None:
            lock.__exit__(None, None, None)

    def _half_close(self) -> None:
        for sock in (self.chan, self.sock):
            try:
                if sock is not None:
                    sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def finish(self, kill: bool, patience_seconds: float = 10.0) -> int | None:
        """Kill the container if asked, wait until the engine has removed it; its exit code."""
        if kill:
            self.kill()
        if self._waiter is not None:
            self._waiter.join(patience_seconds)
            if self._waiter.is_alive():
                self.destroy()
                self._waiter.join(patience_seconds)
        self.close_socket()
        return self.status

    def kill(self) -> None:
        import docker.errors

        try:
            self.api.kill(self.id)
        except docker.errors.APIError:
            pass  # already gone

    def destroy(self) -> None:
        """Remove the container now, whatever it is doing."""
        import docker.errors

        self.close_socket()
        if getattr(self, "id", None):
            try:
                self.api.remove_container(self.id, force=True)
            except docker.errors.APIError:
                pass  # gone already, or its removal is under way
        if self._waiter is None:
            self.release_uid()

    def close_socket(self) -> None:
        for obj in (self.sock, self._raw):
            try:
                if obj is not None:
                    obj.close()
            except OSError:
                pass
        self.close_channel()


def container_spec(api: Any, settings: Settings, image: str, uid: int,
                   channel_dir: str | None = None) -> dict[str, Any]:
    """``create_container`` arguments for one sandbox container (see the module docstring);
    ``channel_dir``: the host folder of its direct channel socket, mounted read-only."""
    from docker.types import LogConfig, Ulimit

    mem = f"{settings.docker_memory_mb}m"
    nproc = settings.nproc + 16
    host_config = api.create_host_config(
        network_mode="none",
        read_only=True,
        tmpfs={"/tmp": f"rw,nosuid,nodev,noexec,size={settings.tmpfs_mb}m,mode=1777"},
        shm_size=f"{settings.shm_mb}m",
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        ipc_mode="private",
        pids_limit=settings.docker_pids,
        mem_limit=mem,
        memswap_limit=mem,
        oom_score_adj=500,
        nano_cpus=int(settings.docker_cpus * 1e9),
        ulimits=[Ulimit(name="nproc", soft=nproc, hard=nproc),
                 Ulimit(name="nofile", soft=1024, hard=1024),
                 Ulimit(name="core", soft=0, hard=0)],
        init=True,
        log_config=LogConfig(type="none"),
        auto_remove=True,
        runtime=settings.docker_runtime,
        binds={channel_dir: {"bind": CHANNEL_MOUNT, "mode": "ro"}} if channel_dir else None,
    )
    command = ["python3", "-I", "-m", "grader_harness.main", "/tmp/work", "--ready"]
    if channel_dir:
        command += ["--channel", f"{CHANNEL_MOUNT}/{CHANNEL_SOCKET}"]
    return dict(
        image=image,
        command=command,
        user=f"{uid}:{uid}",
        stdin_open=True,  # with detach=False this sets StdinOnce: EOF when we hang up
        detach=False,
        tty=False,
        environment=dict(SAFE_ENV),
        working_dir="/tmp",
        hostname="sandbox",
        network_disabled=True,
        labels={LABEL: "runner", OWNER_LABEL: owner_id()},
        host_config=host_config,
    )


# --- the warm pool -----------------------------------------------------------------------


class WarmPool:
    """Containers started ahead of demand, each for one job (see the module docstring).

    Each of ``size`` slots keeps one started container ready and starts the next as soon as its
    container is taken, so up to ``size`` containers start at once.
    """

    def __init__(self, start: Any, size: int) -> None:
        self._start = start
        self._cond = threading.Condition()
        self._ready: deque[Box] = deque()
        self._starting = 0
        self._waiting = 0
        self._closed = False
        self.failures = 0
        self._threads = [threading.Thread(target=self._slot, daemon=True,
                                          name=f"sandbox-pool-{i}") for i in range(size)]
        for t in self._threads:
            t.start()

    def _slot(self) -> None:
        backoff = 0.5
        while True:
            with self._cond:
                if self._closed:
                    return
                self._starting += 1
            box = None
            try:
                box = self._start()
                backoff = 0.5
            except Exception as exc:  # noqa: BLE001 - the pool retries; takers start their own
                self.failures += 1
                log.warning("warm pool: starting a container failed: %s", exc)
            with self._cond:
                self._starting -= 1
                if box is not None and not self._closed:
                    self._ready.append(box)
                self._cond.notify_all()
                if box is not None and self._closed:
                    box.destroy()
                    return
                while box in self._ready and not self._closed:
                    self._cond.wait()
            if box is None:  # the engine failed: try again later, not in a tight loop
                time.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    def take(self, patience_seconds: float) -> Box | None:
        """A ready container, or None when the caller had better start its own.

        Waits (up to ``patience_seconds``) only while a container that nobody else waits for
        is starting: it will be ready sooner than a new one.
        """
        deadline = time.monotonic() + patience_seconds
        with self._cond:
            self._waiting += 1
            try:
                while not self._closed:
                    if self._ready:
                        box = self._ready.popleft()
                        self._cond.notify_all()
                        return box
                    remaining = deadline - time.monotonic()
                    if self._starting < self._waiting or remaining <= 0:
                        return None
                    self._cond.wait(remaining)
                return None
            finally:
                self._waiting -= 1

    def ready_ids(self) -> list[str]:
        with self._cond:
            return [b.id for b in self._ready]

    def close(self, patience_seconds: float = 10.0) -> None:
        """Stop refilling and remove the ready containers (in parallel)."""
        with self._cond:
            self._closed = True
            boxes = list(self._ready)
            self._ready.clear()
            self._cond.notify_all()
        killers = [threading.Thread(target=b.destroy, daemon=True) for b in boxes]
        for t in killers:
            t.start()
        deadline = time.monotonic() + patience_seconds
        for t in killers + self._threads:
            t.join(max(0.0, deadline - time.monotonic()))


# --- the sandbox -------------------------------------------------------------------------


def check_image(api: Any, settings: Settings) -> str:
    """The runner image's name, checked to be built on the engine ``api``.

    Raises:
        ImageMissing: it is not built (or the harness changed since).
    """
    image = runner_image(settings)
    if not image_present(api, image):
        raise ImageMissing(f"the Docker sandbox's runner image {image} is not built "
                           "(or the harness changed since); build it with `grader sandbox "
                           "build`")
    return image


_live: weakref.WeakSet[DockerSandbox] = weakref.WeakSet()


def _close_all() -> None:
    for box in list(_live):
        box.close()


atexit.register(_close_all)


class DockerSandbox(Sandbox):
    """Runs each job in a fresh hardened container, from a warm pool when one is ready."""

    name = "docker"

    def __init__(self, settings: Settings, pool_size: int | None = None) -> None:
        """Connect to the engine, check the runner image, clean up, start the pool.

        Raises:
            SandboxError: no engine answers.
            ImageMissing: the runner image is not built (``grader sandbox build``).
        """
        self.settings = settings
        self.api = engine()
        self.image = check_image(self.api, settings)
        remove_stale(self.api)
        #: ``(container id, uid)`` of the containers jobs ran in, latest last.
        self.used: deque[tuple[str, int]] = deque(maxlen=1000)
        size = settings.docker_pool_size if pool_size is None else pool_size
        self.pool = WarmPool(self.start_box, size) if size > 0 else None
        #: The container ``prestart`` is starting: its thread and where the box lands.
        self._ahead: tuple[threading.Thread, dict[str, Box]] | None = None
        _live.add(self)

    def start_box(self) -> Box:
        """Start a container and wait until its harness is ready."""
        return Box(self.api, self.image, self.settings)

    def prestart(self) -> None:
        """Start the next session's container now, in a thread, for a one-shot grading
        (``grader grade``): the container starts while the grader imports the engine and
        loads the assignment. The next ``channel`` takes it; ``close`` removes it if none
        did. A failure is left for ``channel``'s own start to report. With a warm pool,
        nothing: the pool starts containers ahead already.
        """
        if self.pool is not None or self._ahead is not None:
            return
        landed: dict[str, Box] = {}

        def start() -> None:
            try:
                landed["box"] = self.start_box()
            except Exception as exc:  # noqa: BLE001 - channel() starts its own and says why
                log.info("starting a container ahead failed: %s", exc)

        thread = threading.Thread(target=start, name="sandbox-prestart", daemon=True)
        self._ahead = (thread, landed)
        thread.start()

    def _take_ahead(self) -> Box | None:
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return None
        thread, landed = ahead
        thread.join()
        return landed.get("box")

    def channel(self, wall_seconds: float, frame_limit: int) -> Channel:
        box = self._take_ahead()
        if box is not None and box.exited:
            box.destroy()
            box = None
        try:
            if box is None and self.pool is not None:
                box = self.pool.take(self.settings.docker_start_seconds)
            if box is None:
                box = self.start_box()
            self.used.append((box.id, box.uid))
            return DockerChannel(box, wall_seconds, frame_limit)
        except BaseException:
            if box is not None and not box.exited:
                box.destroy()
            raise

    def session(self, limits: dict[str, Any], wall_seconds: float) -> Session:
        # the harness's own alarm ends the container if this grader dies
        limits = {**limits, "wall_seconds": wall_seconds + ALARM_GRACE_SECONDS}
        return super().session(limits, wall_seconds)

    def close(self) -> None:
        """Remove the pool's containers and one started ahead (also done at exit)."""
        box = self._take_ahead()
        if box is not None:
            box.destroy()
        if self.pool is not None:
            self.pool.close()
        _live.discard(self)
