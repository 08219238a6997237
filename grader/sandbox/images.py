"""The Docker sandbox's images: their names, and building what is missing.

Two images:

- the **base image**: an interpreter with numpy. Where a registry is reachable this can be the
  official ``python:*-slim`` image; machines that reach no registry build ``grader-base:<release>``
  from Debian's packages (``docker/build-base-image.sh``: debootstrap, then ``docker import``).
- the **runner image** (``docker/runner.Dockerfile``): the base plus the harness and nothing
  else of the grader. Its tag is a digest of what goes into it (the Dockerfile, the harness
  sources, the base image's name), so a grader whose harness changed never runs a stale image:
  it asks for ``grader sandbox build`` instead.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import Settings
from .base import SandboxError

#: Repository name of the runner image (its tag is the content digest).
RUNNER_REPOSITORY = "grader-runner"
_DOCKER_DIR = Path(__file__).resolve().parent.parent.parent / "docker"
DOCKERFILE = _DOCKER_DIR / "runner.Dockerfile"
BASE_SCRIPT = _DOCKER_DIR / "build-base-image.sh"
_HARNESS_DIR = Path(__file__).resolve().parent.parent / "harness"


class ImageMissing(SandboxError):
    """The runner image is not built (``grader sandbox build`` builds it)."""


def runner_context() -> dict[str, bytes]:
    """The runner image's build context: its Dockerfile and the harness sources, by path."""
    if not DOCKERFILE.is_file():
        raise SandboxError(f"the runner image's Dockerfile is missing ({DOCKERFILE}); the "
                           "Docker sandbox needs the grader's source tree")
    files = {"docker/runner.Dockerfile": DOCKERFILE.read_bytes()}
    for path in sorted(_HARNESS_DIR.glob("*.py")):
        files[f"grader/harness/{path.name}"] = path.read_bytes()
    return files


def runner_image(settings: Settings) -> str:
    """The runner image to use: ``GRADER_DOCKER_IMAGE`` if set, else the content-tagged one."""
    if settings.docker_image:
        return settings.docker_image
    digest = hashlib.sha256(settings.docker_base_image.encode())
    for name, data in sorted(runner_context().items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return f"{RUNNER_REPOSITORY}:{digest.hexdigest()[:16]}"


def image_present(api: Any, name: str) -> bool:
    """True when the engine has image ``name``."""
    import docker.errors

    try:
        api.inspect_image(name)
    except docker.errors.ImageNotFound:
        return False
    return True


def _is_local_base(name: str) -> bool:
    return name.split(":", 1)[0] == "grader-base"


def build_base(settings: Settings, log: Callable[[str], None]) -> None:
    """Build the local Debian base image with ``docker/build-base-image.sh``.

    Raises:
        SandboxError: the script failed (its last output lines say why).
    """
    proc = subprocess.run(["bash", str(BASE_SCRIPT), settings.docker_base_image],
                          capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        log(line)
    if proc.returncode != 0:
        raise SandboxError(f"building the base image {settings.docker_base_image} failed: "
                           f"{(proc.stderr or proc.stdout).strip()[-1500:]}")


def build_runner(api: Any, settings: Settings, tag: str, log: Callable[[str], None]) -> None:
    """Build the runner image ``tag`` from ``runner_context()`` (nothing else is sent).

    Raises:
        SandboxError: the build failed (with the builder's last messages).
    """
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in runner_context().items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    messages: list[str] = []
    for chunk in api.build(fileobj=buf, custom_context=True, dockerfile="docker/runner.Dockerfile",
                           tag=tag, buildargs={"BASE_IMAGE": settings.docker_base_image},
                           rm=True, forcerm=True, decode=True, pull=False):
        if "error" in chunk:
            raise SandboxError(f"building the runner image failed: {chunk['error'].strip()} "
                               f"(after: {' '.join(messages[-5:])[-800:]})")
        text = (chunk.get("stream") or "").strip()
        if text:
            messages.append(text)
    api.tag(tag, RUNNER_REPOSITORY, "latest")


def ensure_images(settings: Settings, log: Callable[[str], None], force: bool = False,
                  api: Any | None = None) -> list[str]:
    """Build the base image (if it is the local one and missing) and the runner image.

    Returns what was done, one line per image. ``force`` rebuilds the runner image.

    Raises:
        SandboxError: no engine answers, or a build failed.
    """
    from .docker import engine

    api = api or engine()
    done = []
    base = settings.docker_base_image
    if image_present(api, base):
        done.append(f"base image {base}: present")
    elif _is_local_base(base):
        log(f"base image {base}: missing; building it from Debian packages (about a minute)")
        build_base(settings, log)
        done.append(f"base image {base}: built from Debian packages")
    else:
        done.append(f"base image {base}: not here; the build pulls it")
    tag = runner_image(settings)
    if settings.docker_image:
        present = image_present(api, tag)
        done.append(f"runner image {tag}: {'present' if present else 'MISSING'} (set by "
                    "GRADER_DOCKER_IMAGE; not built here)")
        return done
    if image_present(api, tag) and not force:
        api.tag(tag, RUNNER_REPOSITORY, "latest")
        done.append(f"runner image {tag}: up to date")
        return done
    log(f"runner image {tag}: building from {base}")
    build_runner(api, settings, tag, log)
    done.append(f"runner image {tag}: built from {base} (also tagged {RUNNER_REPOSITORY}:latest)")
    return done
