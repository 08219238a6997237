"""The Docker sandbox against a real engine: hardening, the warm pool, clean-up, the CLI."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from typer.testing import CliRunner

from grader.cli import full_app
from grader.sandbox import docker as docker_mod
from grader.sandbox.docker import LABEL, OWNER_LABEL, Demux, DockerSandbox, docker_ping
from grader.sandbox.images import ImageMissing, runner_context, runner_image
from grader.sandbox.process import ProcessSandbox, live_processes
from grader.sandbox.select import make_sandbox, planned_sandbox

from ..conftest import REPO, reference_with, run_grade, todo
from .conftest import leftovers

pytestmark = pytest.mark.docker


def containers_of(api, owner_pid: int) -> list[dict]:
    return [c for c in api.containers(all=True, filters={"label": LABEL})
            if (c.get("Labels") or {}).get(OWNER_LABEL, "").split(":")[1:2] == [str(owner_pid)]]


def wait_until(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def test_correct_submission_full_marks_and_a_bug_named_as_in_the_process_sandbox(
        fc_optim, docker_sandbox, process_sandbox, sandbox_settings):
    result = run_grade(fc_optim, reference_with(fc_optim, {}), docker_sandbox, sandbox_settings)
    assert result.status == "graded", result.failure
    assert result.score == result.max_score == 100
    assert result.sandbox == "docker"
    from grader.assignments.variants import variant_files

    variant = next(v for v in fc_optim.manifest.variants if v.id == "adam_no_bias_correction")
    files = variant_files(fc_optim, variant)
    in_docker = run_grade(fc_optim, files, docker_sandbox, sandbox_settings)
    in_process = run_grade(fc_optim, files, process_sandbox, sandbox_settings)
    assert in_docker.score == in_process.score < 100
    assert [m.id for m in todo(in_docker, "adam").mistakes][:1] == ["adam_no_bias_correction"]


def test_container_configuration_is_locked_down(docker_sandbox, sandbox_settings):
    box = docker_sandbox.start_box()
    box.chan_dir_at_start = box.chan_dir
    try:
        info = docker_sandbox.api.inspect_container(box.id)
        assert os.listdir(box.chan_dir) == []  # connected: the socket is gone
    finally:
        box.destroy()
    assert not os.path.exists(box.chan_dir_at_start)  # removed with the container
    host, config = info["HostConfig"], info["Config"]
    mem = sandbox_settings.docker_memory_mb << 20
    assert host["NetworkMode"] == "none" and config["NetworkDisabled"] is True
    assert host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["ALL"] and not host["CapAdd"]
    assert host["SecurityOpt"] == ["no-new-privileges"]
    assert host["Privileged"] is False
    assert host["PidsLimit"] == sandbox_settings.docker_pids
    assert host["Memory"] == host["MemorySwap"] == mem
    assert host["NanoCpus"] == int(sandbox_settings.docker_cpus * 1e9)
    assert host["Init"] is True and host["AutoRemove"] is True
    assert host["LogConfig"]["Type"] == "none"
    assert host["IpcMode"] == "private"
    # the one mount: the container's own channel folder, read-only, holding only the socket
    # its harness connected to (unlinked once connected: see test_the_channel_socket_...)
    assert host["Binds"] == [f"{box.chan_dir_at_start}:/run/grader-channel:ro"]
    assert [(m["Destination"], m["RW"]) for m in info["Mounts"]] == [("/run/grader-channel",
                                                                      False)]
    assert host["Tmpfs"] == {"/tmp": f"rw,nosuid,nodev,noexec,size={sandbox_settings.tmpfs_mb}m,"
                                     "mode=1777"}
    assert {u["Name"]: u["Hard"] for u in host["Ulimits"]} == {
        "nproc": sandbox_settings.nproc + 16, "nofile": 1024, "core": 0}
    uid = int(config["User"].split(":")[0])
    assert uid == box.uid and uid >= sandbox_settings.docker_uid_base
    assert config["OpenStdin"] and config["StdinOnce"] and not config["Tty"]
    assert config["Image"] == runner_image(sandbox_settings)
    assert not any(e.startswith("GRADER_") for e in config["Env"])


INSIDE = """
def adam(w, dw, config=None):
    import os, socket
    status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
    facts = {
        "uid": os.getuid(), "euid": os.geteuid(),
        "cap_eff": status["CapEff"].strip(), "cap_bnd": status["CapBnd"].strip(),
        "no_new_privs": status["NoNewPrivs"].strip(), "seccomp": status["Seccomp"].strip(),
        "hostname": socket.gethostname(),
        "interfaces": sorted(n for _, n in socket.if_nameindex()),
        "pid1": open("/proc/1/cmdline", "rb").read().split(b"\\0")[0].decode(),
        "opt": sorted(os.listdir("/opt/grader/grader_harness")),
    }
    try:
        facts["channel_folder"] = sorted(os.listdir("/run/grader-channel"))
    except OSError as exc:
        facts["channel_folder"] = type(exc).__name__
    try:
        s = socket.socket(socket.AF_UNIX)
        s.connect("/run/grader-channel/sock")
        facts["channel_connect"] = "connected"
    except OSError as exc:
        facts["channel_connect"] = type(exc).__name__
    try:
        open("/probe", "w")
        facts["root_writable"] = True
    except OSError:
        facts["root_writable"] = False
    raise RuntimeError("FACTS " + __import__("json").dumps(facts, sort_keys=True))
"""


def test_what_student_code_sees_inside(fc_optim, docker_sandbox, sandbox_settings):
    result = run_grade(fc_optim, reference_with(fc_optim, {"nndl/optim.py": INSIDE}),
                       docker_sandbox, sandbox_settings)
    adam = todo(result, "adam")
    text = next(c.error for c in adam.checks if c.error and "FACTS" in c.error)
    facts = json.loads(text.split("FACTS ", 1)[1].rsplit(")", 1)[0].rsplit(" (", 1)[0])
    assert facts["uid"] == facts["euid"] >= sandbox_settings.docker_uid_base
    assert facts["cap_eff"] == facts["cap_bnd"] == "0000000000000000"
    assert facts["no_new_privs"] == "1"
    assert facts["seccomp"] == "2"  # the engine's default seccomp filter
    assert facts["hostname"] == "sandbox"
    assert facts["interfaces"] == ["lo"]
    assert facts["pid1"].endswith("docker-init")
    assert facts["root_writable"] is False
    # the grader's channel socket was unlinked once the harness connected: nothing to reach
    assert facts["channel_folder"] == "PermissionError"  # 0711: not even listed
    assert facts["channel_connect"] == "FileNotFoundError"
    # the image holds the harness, nothing else of the grader
    assert facts["opt"] == sorted([n.rsplit("/", 1)[1] for n in runner_context()
                                   if n.startswith("grader/harness/")] + ["__pycache__"])


def test_the_attach_channel_grades_alike_and_mounts_nothing(fc_optim, sandbox_settings):
    """``docker_channel = "attach"`` (a remote engine, a grader in a container without the
    shared folder): frames cross the engine's attach stream, nothing is mounted."""
    from grader.sandbox.docker import DockerSandbox

    settings = sandbox_settings.model_copy(update={"docker_channel": "attach"})
    box = DockerSandbox(settings, pool_size=0)
    try:
        one = box.start_box()
        try:
            info = box.api.inspect_container(one.id)
        finally:
            one.destroy()
        assert not info["HostConfig"]["Binds"] and not info["Mounts"]
        assert one.chan is None and one.chan_dir is None
        result = run_grade(fc_optim, reference_with(fc_optim, {}), box, settings)
        assert result.status == "graded" and result.score == 100, result.failure
    finally:
        box.close()


def test_runner_image_context_is_the_harness_only():
    names = sorted(runner_context())
    assert names[0] == "docker/runner.Dockerfile"
    assert all(n.startswith("grader/harness/") and n.endswith(".py") for n in names[1:])
    assert not any("reference" in n or "fixtures" in n for n in names)


def test_pool_containers_wait_with_numpy_imported_and_are_used_once(fc_optim, docker_sandbox,
                                                                     sandbox_settings):
    pool = docker_sandbox.pool
    assert wait_until(lambda: len(pool.ready_ids()) == 2, 30)
    ready = pool.ready_ids()
    for cid in ready:
        pid = docker_sandbox.api.inspect_container(cid)["State"]["Pid"]  # docker-init
        children = open(f"/proc/{pid}/task/{pid}/children").read().split()
        maps = open(f"/proc/{children[0]}/maps").read()
        assert "numpy" in maps and "_multiarray_umath" in maps
        assert "read" in open(f"/proc/{children[0]}/wchan").read()  # blocked on stdin
    before = len(docker_sandbox.used)
    files = reference_with(fc_optim, {})
    for _ in range(3):
        assert run_grade(fc_optim, files, docker_sandbox, sandbox_settings).score == 100
    used = [cid for cid, _ in list(docker_sandbox.used)[before:]]
    assert len(set(used)) == 3
    assert set(ready) <= set(used)  # the warm ones were taken first
    assert wait_until(lambda: len(pool.ready_ids()) == 2, 30)  # refilled
    assert not set(pool.ready_ids()) & set(used)
    assert leftovers(docker_sandbox, sandbox_settings, before) == []


def test_large_job_streams_through_the_socket(fc_optim, docker_sandbox, sandbox_settings):
    files = reference_with(fc_optim, {})
    files["blob/data.py"] = b"# " + os.urandom(6 << 20).hex().encode()[:12 << 20] + b"\n"
    result = run_grade(fc_optim, files, docker_sandbox, sandbox_settings.model_copy(
        update={"max_file_kb": 1 << 20}))
    assert result.score == 100, result.notes


def test_a_frame_over_the_cap_stops_the_container(fc_optim, docker_sandbox, sandbox_settings,
                                                  monkeypatch):
    real = docker_sandbox.channel
    monkeypatch.setattr(docker_sandbox, "channel",
                        lambda wall_seconds, frame_limit: real(wall_seconds, 20_000))
    before = len(docker_sandbox.used)
    result = run_grade(fc_optim, reference_with(fc_optim, {}), docker_sandbox,
                       sandbox_settings)
    assert result.score < 100
    assert any("sandbox stopped" in n and "over the limit of 20000" in n for n in result.notes), \
        result.notes
    assert leftovers(docker_sandbox, sandbox_settings, before) == []


def test_demux_splits_streams():
    def frame(stream: int, data: bytes) -> bytes:
        return bytes([stream, 0, 0, 0]) + len(data).to_bytes(4, "big") + data

    out, err = bytearray(), bytearray()
    d = Demux(out.extend, err.extend)
    stream = frame(1, b"hello") + frame(2, b"err!!!") + frame(1, b"world")
    for i in range(len(stream)):  # byte by byte: headers split anywhere
        d.feed(stream[i:i + 1])
    assert (bytes(out), bytes(err)) == (b"helloworld", b"err!!!")
    capped = Demux()
    capped.feed(frame(2, b"e" * (70 << 10)))
    assert len(capped.err) == 64 << 10


def test_image_missing_auto_falls_back_docker_refuses(docker_sandbox, sandbox_settings, caplog):
    settings = sandbox_settings.model_copy(update={"docker_image": "grader-runner:absent"})
    with pytest.raises(ImageMissing, match=r"runner image grader-runner:absent is not built .*"
                                           r"`grader sandbox build`"):
        DockerSandbox(settings)
    with pytest.raises(ImageMissing):
        make_sandbox("docker", settings)
    with caplog.at_level(logging.WARNING):
        box = make_sandbox("auto", settings)
    assert isinstance(box, ProcessSandbox)
    assert "using the process sandbox meanwhile" in caplog.text


def test_auto_picks_docker_when_the_image_is_built(docker_sandbox, sandbox_settings):
    box = make_sandbox("auto", sandbox_settings, pool_size=0)
    assert isinstance(box, DockerSandbox) and box.pool is None


def test_ping_says_no_without_an_engine(docker_sandbox, monkeypatch, tmp_path):
    monkeypatch.setitem(docker_mod._ping, "at", float("-inf"))
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/absent.sock")
    t0 = time.monotonic()
    assert docker_ping() is False
    assert time.monotonic() - t0 < 1
    monkeypatch.setitem(docker_mod._ping, "at", float("-inf"))
    monkeypatch.delenv("DOCKER_HOST")
    assert docker_ping() is True


def test_stale_containers_of_dead_graders_are_removed(docker_sandbox, sandbox_settings):
    api = docker_sandbox.api
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    import socket

    cid = api.create_container(runner_image(sandbox_settings), command=["true"], labels={
        LABEL: "runner", OWNER_LABEL: f"{socket.gethostname()}:{dead}:123"})["Id"]
    mine = DockerSandbox(sandbox_settings, pool_size=0)
    assert [c["Id"] for c in containers_of(api, int(dead))] == []
    assert mine.pool is None
    with pytest.raises(Exception, match="No such container"):
        api.inspect_container(cid)


GRADER_SCRIPT = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {repo!r})
    from grader.config import Settings
    from grader.assignments.loader import load_assignment
    from grader.engine import grade
    from grader.sandbox.docker import DockerSandbox
    from grader.submission import files_submission
    from tests.conftest import reference_with
    s = Settings(grading_seconds=4.0)
    a = load_assignment("fc-optim", s)
    files = reference_with(a, {{"nndl/optim.py": "def adam(w, dw, config=None):\\n"
                                                "    while True:\\n        pass\\n"}})
    box = DockerSandbox(s, pool_size=2)
    print("started", flush=True)
    grade(a, files_submission(files, a, s), box, s)
    print("graded", flush=True)
""")


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_a_grader_that_dies_leaves_no_container(how, docker_sandbox):
    proc = subprocess.Popen([sys.executable, "-c", GRADER_SCRIPT.format(repo=str(REPO))],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "started\n", proc.stderr.read()
        api = docker_sandbox.api
        # mid-grading: the job's container and the pool's are running
        assert wait_until(lambda: len(containers_of(api, proc.pid)) >= 2, 20)
        time.sleep(1.5)
        uids = {int(api.inspect_container(c["Id"])["Config"]["User"].split(":")[0])
                for c in containers_of(api, proc.pid)}
        proc.send_signal(how)
        proc.wait(20)
        # Ctrl-C: removed on the way out; kill -9: the pool's containers see their stdin
        # close, the job's container ends by its own alarm (grading_seconds + 2)
        assert wait_until(lambda: containers_of(api, proc.pid) == [], 15), \
            containers_of(api, proc.pid)
        assert [u for u in uids if live_processes(range(u, u + 1))] == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_cli_grades_in_docker_and_build_is_idempotent(docker_sandbox):
    runner = CliRunner()
    built = runner.invoke(full_app(), ["sandbox", "build"])
    assert built.exit_code == 0, built.output
    assert "base image grader-base:bookworm: present" in built.output
    assert "up to date" in built.output
    status = runner.invoke(full_app(), ["sandbox", "status"])
    assert status.exit_code == 0 and "`--sandbox auto` uses Docker" in status.output
    out = subprocess.run([str(REPO / ".venv/bin/grader"), "grade", "fc-optim",
                          str(REPO / "examples/fc-optim/adam_no_bias_correction"),
                          "--sandbox", "auto", "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["sandbox"] == "docker" and 0 < data["score"] < 100


def test_cli_without_an_engine_says_how_to_get_one(tmp_path):
    env = dict(os.environ, DOCKER_HOST=f"unix://{tmp_path}/absent.sock")
    grader = str(REPO / ".venv/bin/grader")
    built = subprocess.run([grader, "sandbox", "build"], capture_output=True, text=True, env=env)
    assert built.returncode == 1
    assert built.stderr.startswith("error: no Docker engine answers (")
    assert "start one (scripts/docker-setup.sh installs and starts Debian's docker.io) or use " \
           "--sandbox process" in built.stderr
    status = subprocess.run([grader, "sandbox", "status"], capture_output=True, text=True,
                            env=env)
    assert status.returncode == 1
    assert status.stdout == ("docker: no engine answers; `--sandbox auto` uses the process "
                             "sandbox\n")
    example = str(REPO / "examples/fc-optim/adam_no_bias_correction")
    graded = subprocess.run([grader, "grade", "fc-optim", example, "--sandbox", "docker"],
                            capture_output=True, text=True, env=env)
    assert graded.returncode == 2
    assert graded.stderr.startswith("error: no Docker engine answers (")
    auto = subprocess.run([grader, "grade", "fc-optim", example, "--format", "json"],
                          capture_output=True, text=True, env=env)
    assert auto.returncode == 0 and json.loads(auto.stdout)["sandbox"] == "process"


def test_planned_sandbox_starts_no_container(docker_sandbox, sandbox_settings, caplog):
    """What the embedded server checks at its start, before its worker processes make their
    sandboxes: the engine and the image, without starting a container."""
    api = docker_sandbox.api
    # the session's warm pool starts no more once it is full
    assert wait_until(lambda: len(docker_sandbox.pool.ready_ids()) == 2, 60)
    before = {c["Id"] for c in api.containers(all=True, filters={"label": LABEL})}
    assert planned_sandbox("docker", sandbox_settings) == "docker"
    assert planned_sandbox("auto", sandbox_settings) == "docker"
    assert planned_sandbox("process", sandbox_settings) == "process"
    missing = sandbox_settings.model_copy(update={"docker_image": "grader-runner:absent"})
    with pytest.raises(ImageMissing, match=r"runner image grader-runner:absent is not built"):
        planned_sandbox("docker", missing)
    with caplog.at_level(logging.WARNING):
        assert planned_sandbox("auto", missing) == "process"
    assert "using the process sandbox meanwhile" in caplog.text
    after = {c["Id"] for c in api.containers(all=True, filters={"label": LABEL})}
    assert after <= before


def test_embedded_server_grades_in_docker_worker_processes(docker_sandbox, tmp_path):
    """``grader serve`` with the Docker sandbox: its worker processes grade in containers of
    their own, their container starts reach the server's /metrics, and a stopped server
    leaves neither a worker process nor a container behind."""
    from tests.service.conftest import Api, Server, example_files
    from tests.service.test_restart import alive, worker_processes

    server = Server(tmp_path / "data", env={"GRADER_SANDBOX": "docker",
                                            "GRADER_DOCKER_POOL_SIZE": "1"}).start()
    try:
        alice = Api(server.url, server.tokens()["alice"])
        health = alice.get("/api/v1/health").json()
        assert health["queue"]["sandbox"] == "docker"
        sid = alice.submit("demo", "fc-optim", example_files()).json()["id"]
        result = alice.wait(sid, timeout=180)
        assert result["status"] == "graded" and result["result"]["sandbox"] == "docker"
        assert 0 < result["score"] < 100
        workers = worker_processes(server)
        assert len(workers) == 2
        api = docker_sandbox.api
        # each worker keeps a warm container; the server itself starts none
        assert wait_until(lambda: all(containers_of(api, p) for p in workers), 60)
        assert containers_of(api, server.proc.pid) == []

        def started() -> float:
            from tests.deploy.test_compose_e2e import metric

            text = alice.get("/metrics").text
            return metric(text, "grader_sandbox_start_seconds_count", sandbox="docker")

        assert wait_until(lambda: started() >= 3, 30), started()  # the job's + 2 warm
    finally:
        server.stop()
    assert not any(alive(p) for p in workers)
    assert wait_until(lambda: all(containers_of(api, p) == [] for p in workers), 30)


def test_a_container_started_ahead_grades_the_next_submission_and_close_removes_an_unused_one(
        fc_optim, docker_sandbox, sandbox_settings):
    """``grader grade --sandbox docker`` starts its container while it imports (prestart)."""
    box = DockerSandbox(sandbox_settings, pool_size=0)
    starts = []
    start_box = box.start_box

    def counted():
        starts.append(start_box())
        return starts[-1]

    box.start_box = counted
    try:
        box.prestart()
        box.prestart()  # one container ahead, not two
        result = run_grade(fc_optim, reference_with(fc_optim, {}), box, sandbox_settings)
        assert result.score == result.max_score == 100, result.failure
        assert len(starts) == len(box.used) == 1  # the grading took the one started ahead
        assert box.used[0][0] == starts[0].id
        assert leftovers(box, sandbox_settings) == []
        box.prestart()
        box.close()  # no session took it: removed
        assert len(starts) == 2 and len(box.used) == 1
        assert starts[1].id not in {c["Id"] for c in box.api.containers(
            all=True, filters={"label": LABEL})}
    finally:
        box.close()
