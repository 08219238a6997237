"""Sandboxes for the sandbox tests: the process sandbox and a real Docker engine's."""

from __future__ import annotations

import pytest

from grader.config import Settings
from grader.sandbox.process import live_processes

from ..conftest import CI

#: Parametrize a test over both sandboxes (each carrying the marker that CI requires).
SANDBOXES = [pytest.param("process", marks=pytest.mark.sandbox, id="process"),
             pytest.param("docker", marks=pytest.mark.docker, id="docker")]


@pytest.fixture(scope="session")
def sandbox_settings() -> Settings:
    """Defaults, with a shorter per-check clock so that runaway cases end quickly."""
    return Settings(check_seconds=2.0, todo_seconds=15.0, grading_seconds=60.0)


@pytest.fixture(scope="session")
def docker_sandbox(sandbox_settings):
    """A session-wide ``DockerSandbox`` with a warm pool of 2 (skips without an engine)."""
    from grader.sandbox.docker import DockerSandbox, docker_ping, engine
    from grader.sandbox.images import ensure_images, image_present, runner_image

    if not docker_ping():
        pytest.skip("no Docker engine answers (scripts/docker-setup.sh installs and starts "
                    "one; `make test` runs it)")
    api = engine()
    if not image_present(api, runner_image(sandbox_settings)):
        if not image_present(api, sandbox_settings.docker_base_image) and not CI:
            pytest.skip(f"the base image {sandbox_settings.docker_base_image} is not built "
                        "(`grader sandbox build` builds it, about a minute)")
        ensure_images(sandbox_settings, log=print)
    box = DockerSandbox(sandbox_settings, pool_size=2)
    yield box
    box.close()


@pytest.fixture
def sandbox(request, sandbox_settings):
    """The sandbox named by the test's ``kind`` parameter."""
    kind = request.param
    if kind == "process":
        return request.getfixturevalue("process_sandbox")
    return request.getfixturevalue("docker_sandbox")


def leftovers(box, settings: Settings, used_before: int = 0) -> list[str]:
    """What the runs since the sandbox's ``used_before``-th left behind: running processes of
    their uids; for Docker also their containers (they must be gone) and stopped ones.

    (Other worktrees may run sandboxes on this machine at the same time: only our uids count.)
    """
    if box.name == "process":
        return [f"pid {p} of uid {uid}" for uid in list(box.used)[used_before:]
                for p in live_processes(range(uid, uid + 1))]
    from grader.sandbox.docker import LABEL

    found = []
    used = list(box.used)[used_before:]
    ids = {cid for cid, _ in used}
    for c in box.api.containers(all=True, filters={"label": LABEL}):
        if c["Id"] in ids or c["State"] not in ("running", "created"):
            found.append(f"container {c['Id'][:12]} ({c['State']})")
    for _, uid in used:
        found += [f"pid {p} of uid {uid}" for p in live_processes(range(uid, uid + 1))]
    return found
